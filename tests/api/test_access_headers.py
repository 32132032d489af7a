"""Every HTML answer carries the client's Content-Security-Policy, nosniff and frame protection, the web
client's page and the digest previews alike (issue 14, B.14): set once, in core's response middleware."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.http import HTML_CSP
from chalicelib.web import routes as web_routes
from tests.api.calling import Clock, ist
from tests.api.conftest import Api


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in (p.strip() for p in policy.split(";")) if part}


def assert_protected(headers: dict[str, Any]) -> dict[str, str]:
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-content-type-options"] == "nosniff"
    assert lower["x-frame-options"] == "DENY"
    policy = directives(lower["content-security-policy"])
    client = directives(HTML_CSP)
    # every directive of the client's policy, unchanged: no script, no load from elsewhere, no framing —
    # but the page may connect to the bulk bucket too (the import screen PUTs a list to its presigned URL)
    assert {k: policy.get(k) for k in client if k != "connect-src"} == {k: v for k, v in client.items()
                                                                      if k != "connect-src"}
    assert policy["connect-src"] in (client["connect-src"], f"{client['connect-src']} {web_routes._bucket_origin()}")
    assert policy["frame-ancestors"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    return policy


def test_the_web_clients_page_carries_the_policy(api: Api) -> None:
    r = api.get("/", role=None)
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    policy = assert_protected(r.headers)
    assert "style-src-attr" not in policy  # the client's own page: the client's policy
    assert policy["connect-src"] == f"'self' {web_routes._bucket_origin()}"  # and the bucket, for uploads only


@pytest.mark.usefixtures("district")
def test_an_html_digest_preview_carries_the_clients_policy(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "22:00"))
    for role in ("admin", "central_leader"):
        audience = "district" if role == "admin" else "central"
        r = api.get(f"/digests/2026-03-10?audience={audience}&format=html", role=role)
        assert r.status == 200, r.body
        assert r.headers["Content-Type"].startswith("text/html")
        policy = assert_protected(r.headers)
        # an email's HTML styles itself with style="" attributes; only those are let through
        assert policy.get("style-src-attr") == "'unsafe-inline'"
        assert "unsafe-inline" not in policy["style-src"] + policy["script-src"]
    text = api.get("/digests/2026-03-10?audience=district&format=text", role="admin")
    assert text.status == 200 and "x-frame-options" not in {k.lower() for k in text.headers}
