"""Every route of the shifts feature in the route x role matrix: a role that may not use a route
gets 403 before anything is read, one that may does not; nobody gets in without a token."""

from __future__ import annotations

from chalicelib.core.auth import ALL_ROLES
from chalicelib.core.http import ROUTE_ROLES
from tests.api.conftest import Api

ROUTES = {
    ("POST", "/agents"): {"admin"},
    ("GET", "/agents"): {"admin", "supervisor"},
    ("GET", "/agents/{username}"): {"admin", "supervisor"},
    ("PATCH", "/agents/{username}"): {"admin"},
    ("POST", "/agents/{username}/leaves"): {"admin"},
    ("GET", "/agents/{username}/leaves"): {"admin", "supervisor"},
    ("DELETE", "/agents/{username}/leaves/{leave_id}"): {"admin"},
    ("POST", "/agents/{username}/password-reset"): {"admin"},
    ("GET", "/settings/seats"): {"admin", "supervisor"},
    ("PUT", "/settings/seats"): {"admin"},
    ("GET", "/settings/shifts"): {"admin", "supervisor"},
    ("PUT", "/settings/shifts"): {"admin"},
    ("GET", "/settings/employers"): {"admin", "supervisor"},
    ("PUT", "/settings/employers"): {"admin"},
    ("GET", "/settings/calling"): {"admin", "supervisor"},
    ("PUT", "/settings/calling"): {"admin"},
    ("POST", "/rosters/{period}/generate"): {"admin"},
    ("GET", "/rosters/{period}"): {"admin", "supervisor"},
    ("GET", "/me/shift"): {"agent", "supervisor"},
    ("POST", "/auth/new-password"): None,
}
PARAMS = {"{username}": "nobody-here", "{leave_id}": "lv_000000000000000000000000", "{period}": "2026-12-07"}


def test_the_registered_roles_are_the_intended_ones() -> None:
    for route, roles in ROUTES.items():
        assert ROUTE_ROLES[route] == (None if roles is None else frozenset(roles)), route


def test_route_by_role(api: Api) -> None:
    """(The foundation's matrix test covers every route too; this one also holds the intended roles.)"""
    for route, allowed in ROUTES.items():
        if allowed is None:
            continue
        method, path = route
        for name, value in PARAMS.items():
            path = path.replace(name, value)
        body = {} if method in ("POST", "PUT", "PATCH") else None
        assert api.call(method, path, body, role=None).status == 401
        for role in sorted(ALL_ROLES):
            status = api.call(method, path, body, role=role).status
            assert (status == 403) == (role not in allowed), (route, role, status)
            assert status < 500, (route, role, status)
