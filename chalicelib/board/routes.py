"""Routes of the supervisor board and of an agent's own day: parse, call one service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN, AGENT, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

board_bp = Blueprint(__name__)


@endpoint(board_bp, "/board", roles=[SUPERVISOR, ADMIN])
def board(req: Req) -> dict[str, Any]:
    return service.board(req.user)


@endpoint(board_bp, "/me/today", roles=[AGENT, SUPERVISOR])
def my_day(req: Req) -> dict[str, Any]:
    return service.my_day(req.user.username)
