"""Sign-in routes: login and refresh are public; /me tells a signed-in user who they are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ALL_ROLES
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.validate import Field, validate

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

accounts_bp = Blueprint(__name__)

LOGIN = {
    "username": Field("str", required=True, max_len=128, pattern=r"[\w.@+-]+"),
    "password": Field("str", required=True, max_len=256, strip=False),
}
REFRESH = {"refresh_token": Field("str", required=True, max_len=4096)}
NEW_PASSWORD = {
    "username": LOGIN["username"],
    "session": Field("str", required=True, min_len=20, max_len=2048),  # Cognito's bounds
    "new_password": Field("str", required=True, min_len=10, max_len=256, strip=False),
}


@endpoint(accounts_bp, "/auth/login", methods=["POST"], public=True)
def login(req: Req) -> dict[str, Any]:
    """Throttled in 15-minute windows: 5 refused passwords or 30 attempts per username from one address,
    50 refused passwords per username from all addresses, 300 attempts per address; then 429
    `too_many_attempts` with Retry-After (the seconds left in the window)."""
    body = validate(req.body, LOGIN)
    return service.password_login(body["username"], body["password"], source_address())


def source_address() -> str | None:
    """The caller's address as API Gateway saw it (requestContext.identity.sourceIp; `chalice local`
    and chalice.test put 127.0.0.1 there). Never X-Forwarded-For: a client can write that header."""
    identity = (accounts_bp.current_request.context or {}).get("identity") or {}
    address = identity.get("sourceIp")
    return str(address) if address else None


@endpoint(accounts_bp, "/auth/refresh", methods=["POST"], public=True)
def refresh(req: Req) -> dict[str, Any]:
    body = validate(req.body, REFRESH)
    return service.refresh(body["refresh_token"])


@endpoint(accounts_bp, "/auth/new-password", methods=["POST"], public=True)
def new_password(req: Req) -> dict[str, Any]:
    """First sign-in with a temporary password: /auth/login answers 409 challenge_required with a
    session; this sets the new password and returns the tokens."""
    body = validate(req.body, NEW_PASSWORD)
    return service.complete_new_password(body["username"], body["session"], body["new_password"])


@endpoint(accounts_bp, "/me", roles=ALL_ROLES)
def me(req: Req) -> dict[str, Any]:
    return {"username": req.user.username, "roles": sorted(req.user.roles)}
