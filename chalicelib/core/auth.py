"""Authentication: the built-in authorizer that verifies Cognito id tokens, and the principal.

The same check runs in AWS, under `chalice local` and in tests: signature (RS256) against the pool's
JWKS (fetched once per container, refetched at most every 5 minutes for an unknown key id), issuer,
audience (the app client id), expiry and token_use. Groups in the token are the user's roles.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from chalice import AuthResponse, Blueprint

from .errors import Unauthorized
from .observability import logger
from .settings import get_settings

AGENT, SUPERVISOR, ADMIN, STATE_LEADER, CENTRAL_LEADER = (
    "agent", "supervisor", "admin", "state_leader", "central_leader"
)
ALL_ROLES = frozenset({AGENT, SUPERVISOR, ADMIN, STATE_LEADER, CENTRAL_LEADER})
LEADERS = frozenset({STATE_LEADER, CENTRAL_LEADER})
STAFF = frozenset({SUPERVISOR, ADMIN})

auth_bp = Blueprint(__name__)


@dataclass(frozen=True)
class Principal:
    username: str
    sub: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class _Jwks:
    """The pool's signing keys, cached per container."""

    REFRESH_AFTER_S = 300

    def __init__(self) -> None:
        self._keys: dict[str, Any] = {}
        self._url = ""
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def key(self, kid: str, url: str) -> Any:
        with self._lock:
            stale = url != self._url
            if stale or (kid not in self._keys and time.monotonic() - self._fetched_at > self.REFRESH_AFTER_S):
                self._load(url)
            return self._keys.get(kid)

    def _load(self, url: str) -> None:
        import jwt
        import requests

        response = requests.get(url, timeout=5)
        response.raise_for_status()
        jwks = response.json()
        self._keys = {k["kid"]: jwt.PyJWK(k, "RS256").key for k in jwks.get("keys", []) if "kid" in k}
        self._url = url
        self._fetched_at = time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._keys, self._url, self._fetched_at = {}, "", 0.0


JWKS = _Jwks()


def verify_token(token: str) -> Principal:
    """Return the principal of a valid id token, or raise Unauthorized."""
    import jwt

    settings = get_settings()
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise Unauthorized("token must be signed with RS256")
        key = JWKS.key(str(header.get("kid", "")), settings.jwks_url)
        if key is None:
            raise Unauthorized("token signed by an unknown key")
        claims = jwt.decode(
            token, key, algorithms=["RS256"], audience=settings.user_pool_client_id,
            issuer=settings.issuer, options={"require": ["exp", "iss", "aud", "sub", "token_use"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {type(exc).__name__}") from exc
    if claims.get("token_use") != "id":
        raise Unauthorized("an id token is required")
    roles = frozenset(g for g in claims.get("cognito:groups", []) if g in ALL_ROLES)
    username = claims.get("cognito:username") or claims["sub"]
    return Principal(username=str(username), sub=str(claims["sub"]), roles=roles)


def bearer_token(header_value: str | None) -> str:
    parts = (header_value or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or len(parts[1]) > 8192:
        raise Unauthorized("send Authorization: Bearer <id token>")
    return parts[1]


class _Unauthorized(Exception):
    """What API Gateway needs from a Lambda authorizer to answer 401: the message 'Unauthorized'."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _reject(reason: str) -> Exception:
    body = json.dumps({"error": {"code": "unauthorized", "message": reason, "field": None}}).encode()
    try:  # under `chalice local` and chalice.test the local gateway turns this into a 401 with our body
        from chalice.local import NotAuthorizedError
    except ImportError:  # in AWS: API Gateway answers 401 (its gateway response carries our shape)
        return _Unauthorized()
    return NotAuthorizedError({"x-amzn-ErrorType": "UnauthorizedException",
                               "Content-Type": "application/json"}, body)


@auth_bp.authorizer(ttl_seconds=300)
def jwt_authorizer(auth_request: Any) -> AuthResponse:
    try:
        principal = verify_token(bearer_token(auth_request.token))
    except Unauthorized as exc:
        logger.info("token refused", extra={"reason": exc.message})
        raise _reject(exc.message) from None
    except Exception:
        logger.exception("token check failed")
        raise _reject("token could not be checked") from None
    return AuthResponse(
        routes=["*"],
        principal_id=principal.sub,
        context={"username": principal.username, "roles": ",".join(sorted(principal.roles))},
    )


def principal_from_context(context: dict[str, Any]) -> Principal:
    """The principal the authorizer attached to the request."""
    authorizer = (context or {}).get("authorizer") or {}
    if "username" not in authorizer:
        raise Unauthorized("not signed in")
    roles = frozenset(r for r in str(authorizer.get("roles", "")).split(",") if r)
    return Principal(username=authorizer["username"], sub=str(authorizer.get("principalId", "")), roles=roles)
