"""How long a token is worth: id and access tokens live at most 15 minutes, the authorizer caches its
answer for less than that, and the web client refreshes from the token's own expiry with a margin well
inside the token's life. A demoted or deactivated person's old token is then refused, at the gateway,
no later than the token's life plus the cache (helper-side profile checks make it sooner)."""

from __future__ import annotations

import re
from typing import Any

from infra.codemodel import ROOT
from infra.identity import TOKEN_VALIDITY

from . import cfn

MAX_TOKEN_S = 15 * 60  # issue 14 B.5: a role read from the id token is worth at most this
UNIT_S = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
API_JS = ROOT / "chalicelib" / "web" / "static" / "api.js"


def token_lives(template: dict[str, Any]) -> dict[str, int]:
    """Each token's validity in seconds, as the (one) app client declares it. Cognito's defaults when a
    property is absent: id and access tokens 1 hour, refresh tokens 30 days."""
    (client,) = cfn.resources(template, "AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    units = props.get("TokenValidityUnits", {})
    defaults = {"IdToken": (1, "hours"), "AccessToken": (1, "hours"), "RefreshToken": (30, "days")}
    lives = {}
    for token, (default, default_unit) in defaults.items():
        value = props.get(f"{token}Validity", default)
        unit = units.get(token, default_unit)  # Cognito's unit when none is given is the default's
        lives[token] = int(value) * UNIT_S[unit]
    return lives


def authorizer_ttls(template: dict[str, Any]) -> dict[str, int]:
    """Every authorizer's result cache TTL in seconds, from the REST API's definition (API Gateway's
    default is 300 s when the key is absent)."""
    (api,) = cfn.resources(template, "AWS::ApiGateway::RestApi").values()
    definitions = api["Properties"]["Body"]["securityDefinitions"]
    return {name: int(d["x-amazon-apigateway-authorizer"].get("authorizerResultTtlInSeconds", 300))
            for name, d in definitions.items() if "x-amazon-apigateway-authorizer" in d}


def test_id_and_access_tokens_live_at_most_15_minutes(expanded: dict[str, Any], stage: str) -> None:
    lives = token_lives(expanded[stage])
    assert lives["IdToken"] <= MAX_TOKEN_S and lives["AccessToken"] <= MAX_TOKEN_S, lives
    assert lives["IdToken"] == lives["AccessToken"] == TOKEN_VALIDITY.to_seconds()
    assert lives["RefreshToken"] >= 13 * 3600  # a working day (two shifts) without signing in again


def test_the_authorizer_cache_is_shorter_than_a_token(expanded: dict[str, Any], stage: str,
                                                      chalice_app: Any) -> None:
    """The relationship, read from the deployed template: a cached "allow" can outlive the token's expiry
    by at most the TTL, so the TTL stays under the token's life (and the two together under 20 minutes)."""
    lives = token_lives(expanded[stage])
    ttls = authorizer_ttls(expanded[stage])
    assert ttls, "the API has no authorizer"
    for name, ttl in ttls.items():
        assert 0 <= ttl < lives["IdToken"], (name, ttl, lives["IdToken"])
        assert lives["IdToken"] + ttl <= 20 * 60, (name, ttl)
    # The TTL in the template is the one the app declares (chalicelib/core/auth.py), not a leftover.
    declared = {a.name: a.ttl_seconds for a in chalice_app.builtin_auth_handlers}
    assert set(declared.values()) == set(ttls.values())


def test_the_web_client_refreshes_from_the_tokens_own_expiry() -> None:
    """api.js takes the expiry from the id token's `exp` claim (no fixed hour) and refreshes a margin
    before it that is well inside the token's life, so a 15-minute token is refreshed quietly."""
    source = API_JS.read_text(encoding="utf-8")
    assert re.search(r"exp:\s*claims\.exp\s*\*\s*1000", source), "the session's expiry is not the token's exp"
    match = re.search(r"const REFRESH_BEFORE_MS = ([\d\s*]+);", source)
    assert match, "api.js has no REFRESH_BEFORE_MS"
    margin_ms = 1
    for factor in match.group(1).split("*"):
        margin_ms *= int(factor)
    assert 0 < margin_ms <= TOKEN_VALIDITY.to_seconds() * 1000 / 3
    assert re.search(r"session\.exp - Date\.now\(\) < REFRESH_BEFORE_MS", source)
