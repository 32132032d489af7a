"""Routes and the schedule of the performance room: parse, call one service function, return."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core import clock
from ..core.auth import ADMIN, CENTRAL_LEADER, STATE_LEADER, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import DEFAULT_PAGE, MAX_PAGE, decode_cursor, encode_cursor
from ..core.validate import query_int

if TYPE_CHECKING:
    from . import service, vendor
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")
    vendor = lazy(f"{__package__}.vendor")

performance_bp = Blueprint(__name__)
VENDOR_FUNCTION = "vendor_report"
# 00:30 IST on the 1st of each month is 19:00 UTC on the last day of the month before (EventBridge's L)
VENDOR_SCHEDULE = "cron(0 19 L * ? *)"
FLAG_KEYS = ("pk", "sk")


def _cursor(value: str | None) -> str | None:
    key = decode_cursor(value, ("username",))
    return None if key is None else str(key["username"]["S"])


@endpoint(performance_bp, "/reports/agents", roles=[SUPERVISOR, ADMIN])
def agents_report(req: Req) -> dict[str, Any]:
    q = req.query
    body = service.agents_report(service.AgentsQuery(
        q.get("from"), q.get("to"), q.get("employer"), _cursor(q.get("cursor")),
        query_int(q, "limit", DEFAULT_PAGE, 1, MAX_PAGE)))
    last = body["cursor"]
    body["cursor"] = encode_cursor({"username": {"S": last}}) if last else None
    return body


@endpoint(performance_bp, "/reports/flags", roles=[SUPERVISOR, ADMIN])
def flags(req: Req) -> dict[str, Any]:
    q = req.query
    body = service.flags(q.get("day"), q.get("agent"), decode_cursor(q.get("cursor"), FLAG_KEYS),
                         query_int(q, "limit", DEFAULT_PAGE, 1, MAX_PAGE))
    body["cursor"] = encode_cursor(body.pop("next_key"))
    return body


@endpoint(performance_bp, "/reports/flags/{call_id}/recheck", methods=["POST"], roles=[SUPERVISOR, ADMIN])
def recheck(req: Req, call_id: str) -> dict[str, Any]:
    return service.recheck(call_id)


@endpoint(performance_bp, "/reports/vendor", roles=[SUPERVISOR, ADMIN, STATE_LEADER, CENTRAL_LEADER])
def vendor_report(req: Req) -> dict[str, Any]:
    return service.vendor_report(req.query.get("month"), names=req.user.has(SUPERVISOR, ADMIN))


def _fired(event: Any) -> datetime:
    fired = getattr(event, "time", None)
    return clock.parse_iso(fired) if isinstance(fired, str) and fired else clock.now_utc()


@performance_bp.schedule(VENDOR_SCHEDULE, name=VENDOR_FUNCTION,
                         description="The month's vendor report to the admins and district recipients; keyed on month")
def send_vendor_report(event: Any) -> dict[str, Any]:
    return vendor.scheduled(_fired(event))
