"""Tokens are checked by the built-in authorizer against the pool's JWKS: signature, issuer,
audience, expiry, token_use. Refusals are 401; a valid token with the wrong role is 403."""

from __future__ import annotations

import gzip
import json
import time
from importlib import resources
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core.http import ROUTE_ROLES
from tests.api.conftest import PASSWORD, Api, Env


def _moto_private_key() -> Any:
    raw = resources.files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz").read_bytes()
    return jwt.PyJWK(json.loads(gzip.decompress(raw)), "RS256").key


def _claims(aws: Env, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": f"https://cognito-idp.ap-south-1.amazonaws.com/{aws.pool_id}", "sub": "s-1",
              "aud": aws.client_id, "token_use": "id", "iat": now, "exp": now + 600,
              "cognito:username": "forged", "cognito:groups": ["admin"]}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict[str, Any], key: Any = None, kid: str = "dummy", alg: str = "RS256") -> str:
    return jwt.encode(claims, key or _moto_private_key(), algorithm=alg, headers={"kid": kid})


def test_login_returns_tokens_that_the_api_accepts(api: Api, aws: Env) -> None:
    aws.user("someone", "agent")
    r = api.post("/auth/login", {"username": "someone", "password": PASSWORD}, role=None)
    assert r.status == 200, r.body
    assert {"id_token", "access_token", "refresh_token", "expires_in"} <= set(r.json)
    me = api.get("/me", token=r.json["id_token"])
    assert me.status == 200 and me.json == {"username": "someone", "roles": ["agent"]}
    refreshed = api.post("/auth/refresh", {"refresh_token": r.json["refresh_token"]}, role=None)
    assert refreshed.status == 200, refreshed.body
    assert api.get("/me", token=refreshed.json["id_token"]).status == 200


def test_wrong_password_and_unknown_user_are_401_alike(api: Api, aws: Env) -> None:
    aws.user("someone", "agent")
    a = api.post("/auth/login", {"username": "someone", "password": "wrong-password-1"}, role=None)
    b = api.post("/auth/login", {"username": "nobody", "password": PASSWORD}, role=None)
    assert a.status == b.status == 401
    assert a.error["message"] == b.error["message"]


def test_login_input_is_validated(api: Api) -> None:
    assert api.post("/auth/login", {"username": "x"}, role=None).error["field"] == "password"
    assert api.post("/auth/login", {"username": "x", "password": "y", "z": 1}, role=None).status == 400
    assert api.post("/auth/login", raw=b"{not json", role=None).error["code"] == "malformed_json"


def test_a_forged_token_signed_with_the_pool_key_is_accepted(api: Api, aws: Env) -> None:
    """Guards the tests below: they change one thing each from a token that works."""
    r = api.get("/me", token=_sign(_claims(aws)))
    assert r.status == 200 and r.json["username"] == "forged"


@pytest.mark.parametrize("case", ["expired", "wrong_audience", "wrong_issuer", "access_token", "no_exp",
                                  "wrong_signature", "unknown_kid", "hs256", "malformed", "not_bearer"])
def test_bad_tokens_are_401(api: Api, aws: Env, case: str) -> None:
    now = int(time.time())
    tokens = {
        "expired": lambda: _sign(_claims(aws, iat=now - 7200, exp=now - 3600)),
        "wrong_audience": lambda: _sign(_claims(aws, aud="another-client")),
        "wrong_issuer": lambda: _sign(_claims(aws, iss="https://cognito-idp.ap-south-1.amazonaws.com/other")),
        "access_token": lambda: _sign(_claims(aws, token_use="access")),
        "no_exp": lambda: _sign(_claims(aws, exp=None)),
        "wrong_signature": lambda: _sign(_claims(aws), rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "unknown_kid": lambda: _sign(_claims(aws), kid="other"),
        "hs256": lambda: jwt.encode(_claims(aws), "secret" * 8, algorithm="HS256", headers={"kid": "dummy"}),
        "malformed": lambda: "not.a.token",
    }
    if case == "not_bearer":
        r = api.get("/me", role=None, headers={"authorization": f"Basic {_sign(_claims(aws))}"})
    else:
        r = api.get("/me", token=tokens[case]())
    assert r.status == 401, r.body
    assert r.error["code"] == "unauthorized"


def test_missing_token_is_401(api: Api) -> None:
    # Chalice's local gateway answers this one itself, before the authorizer runs; API Gateway's
    # UNAUTHORIZED gateway response (infra/) carries the app's error shape in AWS.
    assert api.get("/me", role=None).status == 401


def _path(template: str) -> str:
    return template.replace("{", "").replace("}", "")


def test_route_role_matrix(api: Api) -> None:
    """Every route declares its roles; every other role is refused with 403 before any work."""
    from app import app

    declared = {(m, p) for p, methods in app.routes.items() for m in methods}
    assert declared == set(ROUTE_ROLES), "every route must be registered through core.http.endpoint"
    checked = 0
    for (method, path), allowed in sorted(ROUTE_ROLES.items()):
        if allowed is None:
            continue
        for role in sorted(api.tokens):
            r = api.call(method, _path(path), {}, role=role)
            if role in allowed:
                assert r.status not in (401, 403), (method, path, role, r.body)
            else:
                assert r.status == 403, (method, path, role, r.body)
                assert r.error["code"] == "forbidden"
            checked += 1
    assert checked >= 5 * 10


def test_public_routes_are_only_these() -> None:
    public = {k for k, v in ROUTE_ROLES.items() if v is None}
    assert public == {("GET", "/health"), ("POST", "/auth/login"), ("POST", "/auth/refresh"),
                      ("POST", "/auth/new-password"),
                      ("GET", "/"), ("GET", "/sw.js"), ("GET", "/app/{name}")}  # the web client's static files
