"""On the local stack (`chalice local`, as `make run` starts it) every refusal is in the app's error shape,
Chalice's own 405 and 415 included, and odd bodies are 400s, not 500s (issue 14, B.8, B.9, B.16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devtools.local_stack import LocalStack, free_port

SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE, quiet=True) as s:
        yield s


@pytest.fixture(scope="module")
def admin(stack: LocalStack) -> dict[str, str]:
    r = requests.post(f"{stack.api_url}/auth/login", json={"username": "admin", "password": stack.password},
                      timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['id_token']}"}


def error_of(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert set(error) == {"code", "message", "field"} and error["code"] == code and error["message"]
    return dict(error)


def test_a_method_the_route_does_not_have_is_405_in_the_error_shape(stack: LocalStack, admin: dict[str, str]) -> None:
    for method, path, headers in [("DELETE", "/campaigns", admin), ("DELETE", "/campaigns", {}),
                                  ("PUT", "/health", {}), ("PATCH", "/", {}), ("TRACE", "/", {})]:
        r = requests.request(method, stack.api_url + path, headers=headers, timeout=10)
        error_of(r, 405, "method_not_allowed")


def test_an_unlisted_content_type_is_415_in_the_error_shape(stack: LocalStack, admin: dict[str, str]) -> None:
    for content_type in ("text/xml", "application/xml", "text/plain"):
        r = requests.post(f"{stack.api_url}/contacts", data=b"<contact/>", timeout=10,
                          headers={**admin, "Content-Type": content_type})
        error_of(r, 415, "unsupported_media_type")


def test_deep_nesting_and_lone_surrogates_are_400s(stack: LocalStack, admin: dict[str, str]) -> None:
    headers = {**admin, "Content-Type": "application/json"}
    for raw in (b"[" * 30_000, b"[" * 30_000 + b"]" * 30_000):
        for path in ("/contacts", "/auth/login"):
            error_of(requests.post(stack.api_url + path, data=raw, headers=headers, timeout=10), 400, "malformed_json")
    body = json.dumps({"unit_id": "x", "name_en": "Ram \ud800"}).encode()
    error = error_of(requests.post(f"{stack.api_url}/contacts", data=body, headers=headers, timeout=10), 400,
                     "invalid_unicode")
    assert error["field"] == "name_en"


def test_the_page_is_served_with_its_security_headers(stack: LocalStack) -> None:
    r = requests.get(f"{stack.api_url}/", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
