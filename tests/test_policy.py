"""Deny by default: every route is declared once, and every route-by-role cell answers as the
policy registry says. A new route without a policy entry fails this file."""

import re

import pytest
from werkzeug.routing import IntegerConverter

from partnerships.core.policy import REGISTRY
from partnerships.core.roles import Role
from tests.conftest import csrf_token, login

ROLES: list[Role | None] = [None, *Role]
DUMMY = {"int": "999999", "default": "x"}
SAMPLE_VALUES = {"fmt": "csv"}  # a converter-free argument whose valid values are few


def _url(rule) -> str:
    url = rule.rule
    for name, converter in rule._converters.items():
        kind = "int" if isinstance(converter, IntegerConverter) else "default"
        value = SAMPLE_VALUES.get(name, DUMMY[kind])
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
    return url


def _routes(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    # logout last: it ends the session the rest of the row needs
    return sorted(rules, key=lambda r: (r.endpoint == "auth.logout", r.endpoint))


def test_every_route_is_declared_and_every_declaration_is_a_route(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    undeclared = sorted(endpoints - REGISTRY.keys())
    stale = sorted(REGISTRY.keys() - endpoints)
    assert undeclared == [], f"routes without a policy entry: {undeclared}"
    assert stale == [], f"policy entries without a route: {stale}"


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_route_role_matrix(app, role):
    client = app.test_client()
    if role is not None:
        assert login(client, role).status_code == 302
    token = csrf_token(client, "/login" if role is None else "/")
    mismatches = []
    for rule in _routes(app):
        url = _url(rule)
        method = "GET" if "GET" in rule.methods else "POST"
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data, buffered=True)
        allowed = REGISTRY[rule.endpoint].allows(role)
        to_login = response.status_code == 302 and "/login" in response.location
        refused = response.status_code == 403 or (role is None and to_login)
        if rule.endpoint == "auth.login" and role is not None:
            refused = False  # a signed-in user is sent home from the login page
        if allowed == refused:
            mismatches.append(f"{method} {url}: {response.status_code}, policy allows={allowed}")
        assert response.status_code < 500, f"{method} {url} answered {response.status_code}"
    assert mismatches == []


def test_unknown_object_is_404_not_403(as_role):
    client = as_role("partner")
    # another partner's page looks exactly like a missing one
    assert client.get("/partners/999999").status_code == 404
