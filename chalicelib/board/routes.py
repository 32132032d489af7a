"""Routes of the supervisor board and of an agent's own day: parse, call one service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN, AGENT, SUPERVISOR
from ..core.errors import ValidationError
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import MAX_PAGE, PageRequest, decode_cursor
from ..core.validate import query_int

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

board_bp = Blueprint(__name__)
CAMPAIGN_KEYS = ("campaign_id", "status", "list_sort")  # the campaigns' status index: the cursor of their page


@endpoint(board_bp, "/board", roles=[SUPERVISOR, ADMIN])
def board(req: Req) -> dict[str, Any]:
    agents = PageRequest(query_int(req.query, "limit", MAX_PAGE, 1, MAX_PAGE),
                         decode_cursor(req.query.get("cursor"), service.AGENT_KEYS))
    try:
        campaigns = PageRequest(service.CAMPAIGNS_PAGE, decode_cursor(req.query.get("campaigns_cursor"), CAMPAIGN_KEYS))
    except ValidationError as exc:
        raise ValidationError("campaigns_cursor is not valid for this list", field="campaigns_cursor") from exc
    return service.board(service.BoardRequest(agents, campaigns))


@endpoint(board_bp, "/me/today", roles=[AGENT, SUPERVISOR])
def my_day(req: Req) -> dict[str, Any]:
    return service.my_day(req.user.username)
