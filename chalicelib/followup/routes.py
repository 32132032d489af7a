"""Routes and the schedule of follow-up: parse, call one service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core import clock
from ..core.auth import ADMIN, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import page_request

if TYPE_CHECKING:
    from . import escalation, service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")
    escalation = lazy(f"{__package__}.escalation")

followup_bp = Blueprint(__name__)
SWEEP_FUNCTION = "escalation_sweep"
SWEEP_SCHEDULE = "cron(30 4 * * ? *)"  # 10:00 IST, daily: before the morning's calling is under way
LIST_KEYS = ("campaign_id", "unit_id")  # the escalations table's key: a list's cursor


@endpoint(followup_bp, "/campaigns/{campaign_id}/escalations", roles=[SUPERVISOR, ADMIN])
def list_escalations(req: Req, campaign_id: str) -> dict[str, Any]:
    return service.list_escalations(campaign_id, req.query.get("status"), page_request(req.query, LIST_KEYS))


@followup_bp.schedule(SWEEP_SCHEDULE, name=SWEEP_FUNCTION,
                      description="Escalate units of active campaigns silent for the campaign's N days; "
                                  "once per campaign and unit")
def escalation_sweep(event: Any) -> dict[str, int]:
    return escalation.sweep(clock.now_utc())
