"""Routes of erasure: parse, call one service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN
from ..core.http import Req, endpoint
from ..core.lazy import lazy

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

privacy_bp = Blueprint(__name__)


@endpoint(privacy_bp, "/contacts/{contact_id}", methods=["DELETE"], roles=[ADMIN])
def erase_contact(req: Req, contact_id: str) -> tuple[int, dict[str, Any]]:
    return 200, service.erase_contact(req.user.username, contact_id)
