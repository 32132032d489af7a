"""Regressions for what schemathesis found (devtools/fuzz.py): each was a 5xx or a response outside
docs/openapi.yaml."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice import local

from devtools import chalice_local
from tests.api.conftest import Api


@pytest.mark.parametrize("session", ["x", "s" * 19, "s" * 2049])
def test_new_password_with_an_out_of_bounds_session_is_400_not_500(api: Api, session: str) -> None:
    r = api.post("/auth/new-password", {"username": "0", "session": session, "new_password": "0123456789"},
                 role=None)
    assert r.status == 400, r.body
    assert r.error["field"] == "session"


def test_new_password_with_a_bogus_session_is_a_4xx(api: Api) -> None:
    r = api.post("/auth/new-password", {"username": "0", "session": "s" * 40, "new_password": "0123456789"},
                 role=None)
    assert 400 <= r.status < 500, r.body
    assert set(r.error) >= {"code", "message", "field"}


class _Handler:
    command = "TRACE"

    def __init__(self) -> None:
        self.sent: list[tuple[int, dict[str, Any], bytes]] = []

    def _parse_payload(self) -> None:
        return None

    def _send_http_response(self, code: int, headers: dict[str, Any], body: bytes) -> None:
        self.sent.append((code, headers, body))


@pytest.mark.parametrize(("error", "status", "code"), [
    (local.NotAuthorizedError({}, b'{"message":"Unauthorized"}'), 401, "unauthorized"),
    (local.ForbiddenError({}, b'{"Message": "User is not authorized"}'), 403, "forbidden"),
    (local.ForbiddenError({}, b'{"message": "Missing Authentication Token"}'), 404, "not_found"),
])
def test_local_gateway_refusals_have_the_app_error_shape(error: Any, status: int, code: str) -> None:
    handler = _Handler()
    chalice_local._send_error_response(handler, error)
    sent_status, headers, body = handler.sent[0]
    assert sent_status == status and headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"] == code


def test_local_unknown_method_is_405_in_the_app_shape() -> None:
    handler = _Handler()
    chalice_local._method_not_allowed(handler)
    status, _, body = handler.sent[0]
    assert status == 405 and json.loads(body)["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/campaigns?limit=", "/units/chw/children?limit="])
def test_an_empty_limit_is_refused_not_taken_as_the_default(api: Api, path: str) -> None:
    """schemathesis (as the state leader): `limit=` was answered 200 with the default page size; the
    spec says an integer, and an empty value is not one."""
    r = api.get(path, role="admin")
    assert r.status == 400, r.body
    assert r.error["field"] == "limit"
