"""Routes and the schedule of the shift handover: parse, call one service function, return."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core import clock
from ..core.auth import ADMIN
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.settings import handover_schedule

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

handover_bp = Blueprint(__name__)
HANDOVER_FUNCTION = "hand_over_shift"


@endpoint(handover_bp, "/handovers/{day}/{shift}", methods=["POST"], roles=[ADMIN])
def run_handover(req: Req, day: str, shift: str) -> dict[str, Any]:
    return service.run_handover(day, shift, req.user.username)


@handover_bp.schedule(handover_schedule(), name=HANDOVER_FUNCTION,
                      description="Shift handover: leases released, callbacks to the seat partner; keyed on the shift")
def hand_over_shift(event: Any) -> dict[str, Any]:
    fired = getattr(event, "time", None)
    at = clock.parse_iso(fired) if isinstance(fired, str) and fired else clock.now_utc()
    return service.scheduled_handover(at if isinstance(at, datetime) else clock.now_utc())
