"""Deny-by-default authorization: every endpoint is declared once, here or in a domain's
`permissions.py`, with the roles that may reach it. An undeclared endpoint answers 403.

Object-level scope (which partner's rows a user may see) is enforced in each domain's queries;
this registry only decides who may reach an endpoint at all.
"""

from dataclasses import dataclass

from flask import abort, request
from flask_login import current_user

from partnerships.core.roles import Role
from partnerships.core.routing import is_api_request
from partnerships.extensions import login_manager


@dataclass(frozen=True)
class Policy:
    roles: frozenset[Role]
    anonymous: bool = False

    def allows(self, role: Role | None) -> bool:
        if role is None:
            return self.anonymous
        return self.anonymous or role in self.roles


PUBLIC = Policy(roles=frozenset(Role), anonymous=True)


def allow(*roles: Role | frozenset[Role]) -> Policy:
    flat: set[Role] = set()
    for item in roles:
        flat |= set(item) if isinstance(item, frozenset) else {item}
    return Policy(roles=frozenset(flat))


REGISTRY: dict[str, Policy] = {"static": PUBLIC}


def declare(policies: dict[str, Policy]) -> None:
    """Add a domain's endpoint policies; declaring an endpoint twice is a programming error."""
    for endpoint, policy in policies.items():
        if endpoint in REGISTRY and REGISTRY[endpoint] != policy:
            raise RuntimeError(f"endpoint {endpoint!r} declared twice")
        REGISTRY[endpoint] = policy


def current_role() -> Role | None:
    return Role(current_user.role) if current_user.is_authenticated else None


def enforce():
    """`before_request` hook: refuse anything the registry does not allow."""
    if request.endpoint is None:  # no route matched; let the 404 handler answer
        return None
    policy = REGISTRY.get(request.endpoint)
    if policy is None:
        abort(403)
    if policy.anonymous:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)  # no login page to send an API client to
        return login_manager.unauthorized()
    if not policy.allows(current_role()):
        abort(403)
    return None


def can(endpoint: str) -> bool:
    """For templates: show a link only when its endpoint would let this user in."""
    policy = REGISTRY.get(endpoint)
    return policy is not None and policy.allows(current_role())
