"""Errors answer with a friendly page in the user's language, never a stack trace."""

from partnerships.core.policy import REGISTRY, allow
from partnerships.core.roles import EVERYONE
from tests.web import browser, signed_in


def test_unexpected_error_shows_friendly_500_without_traceback(app):
    def explode():
        raise RuntimeError("secret internals: password=hunter2")

    app.add_url_rule("/explode", "explode", explode)
    REGISTRY["explode"] = allow(EVERYONE)
    try:
        response = signed_in(app, "staff").get("/explode", status=500)
    finally:
        del REGISTRY["explode"]
    body = response.text
    assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body
    assert "<html" in body  # the site's own page, with navigation back


def test_unknown_page_is_friendly_404(app):
    response = browser(app).get("/does-not-exist", status=404)
    assert "<html" in response.text


def test_json_clients_get_json_errors(client):
    response = client.get("/does-not-exist", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_undeclared_endpoint_is_denied(app):
    """Deny by default: a route nobody declared in the policy registry answers 403."""
    app.add_url_rule("/undeclared", "undeclared", lambda: "should never be seen")
    response = signed_in(app, "admin").get("/undeclared", status=403)
    assert "should never be seen" not in response.text


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    import pytest

    from config import Config
    from partnerships import create_app

    monkeypatch.setattr(Config, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config)
