"""Routes and the schedule of follow-up: parse, call one service function, return."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..core import clock
from ..core.auth import ADMIN, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.paging import page_request
from . import service, store

followup_bp = Blueprint(__name__)
SWEEP_FUNCTION = "escalation_sweep"
SWEEP_SCHEDULE = "cron(30 4 * * ? *)"  # 10:00 IST, daily: before the morning's calling is under way


@endpoint(followup_bp, "/campaigns/{campaign_id}/escalations", roles=[SUPERVISOR, ADMIN])
def list_escalations(req: Req, campaign_id: str) -> dict[str, Any]:
    return service.list_escalations(campaign_id, req.query.get("status"), page_request(req.query, store.LIST_KEYS))


@followup_bp.schedule(SWEEP_SCHEDULE, name=SWEEP_FUNCTION,
                      description="Escalate units of active campaigns silent for the campaign's N days; "
                                  "once per campaign and unit")
def escalation_sweep(event: Any) -> dict[str, int]:
    return service.sweep(clock.now_utc())
