"""Routes and the schedule of the shifts feature: parse, call one service function, return."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from ..core import access, clock
from ..core.auth import ADMIN, AGENT, STAFF, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import page_request
from ..core.settings import roster_schedule

if TYPE_CHECKING:
    from . import agent_store, agents, config, employers, leave_store, leaves, notices, overrides, roster_store, rosters
    from . import my_shift as own_shift
else:  # imported at first use: core/lazy.py
    agent_store = lazy(f"{__package__}.agent_store")
    agents = lazy(f"{__package__}.agents")
    config = lazy(f"{__package__}.config")
    employers = lazy(f"{__package__}.employers")
    leave_store = lazy(f"{__package__}.leave_store")
    leaves = lazy(f"{__package__}.leaves")
    own_shift = lazy(f"{__package__}.my_shift")
    notices = lazy(f"{__package__}.notices")
    overrides = lazy(f"{__package__}.overrides")
    roster_store = lazy(f"{__package__}.roster_store")
    rosters = lazy(f"{__package__}.rosters")

shifts_bp = Blueprint(__name__)
# GET /me/shift reads the caller's agent item with everything else and checks the profile from it
access.checked_by_route("GET /me/shift")
ROSTER_FUNCTION = "generate_next_roster"
NOTICES_FUNCTION = "send_roster_notices"


# ---- agents and leave ----------------------------------------------------------------------


@endpoint(shifts_bp, "/agents", methods=["POST"], roles=[ADMIN])
def create_agent(req: Req) -> tuple[int, dict[str, Any]]:
    return agents.create_agent(req.user.username, req.body)


@endpoint(shifts_bp, "/agents", roles=STAFF)
def list_agents(req: Req) -> dict[str, Any]:
    return agents.list_agents(req.query.get("role") or None, page_request(req.query, agent_store.LOGIN_KEYS),
                              req.query.get("q"), req.query.get("employer") or None)


@endpoint(shifts_bp, "/agents/{username}", roles=STAFF)
def get_agent(req: Req, username: str) -> dict[str, Any]:
    return agents.get_agent(username)


@endpoint(shifts_bp, "/agents/{username}", methods=["PATCH"], roles=[ADMIN])
def update_agent(req: Req, username: str) -> dict[str, Any]:
    return agents.update_agent(req.user.username, username, req.body)


@endpoint(shifts_bp, "/agents/{username}/password-reset", methods=["POST"], roles=[ADMIN])
def reset_password(req: Req, username: str) -> dict[str, Any]:
    return agents.reset_password(req.user.username, username)


@endpoint(shifts_bp, "/agents/{username}/leaves", methods=["POST"], roles=[ADMIN])
def add_leave(req: Req, username: str) -> tuple[int, dict[str, Any]]:
    return leaves.add_leave(req.user.username, username, req.body, req.headers.get("idempotency-key"))


@endpoint(shifts_bp, "/agents/{username}/leaves", roles=STAFF)
def list_leaves(req: Req, username: str) -> dict[str, Any]:
    return leaves.list_leaves(username, page_request(req.query, leave_store.LEAVE_KEYS))


@endpoint(shifts_bp, "/agents/{username}/leaves/{leave_id}", methods=["DELETE"], roles=[ADMIN])
def withdraw_leave(req: Req, username: str, leave_id: str) -> dict[str, Any]:
    return leaves.withdraw_leave(req.user.username, username, leave_id)


@endpoint(shifts_bp, "/agents/{username}/duty", roles=STAFF)
def agent_duty(req: Req, username: str) -> dict[str, Any]:
    return overrides.duty_now(username)


@endpoint(shifts_bp, "/agents/{username}/duty-override", methods=["POST"], roles=[SUPERVISOR, ADMIN])
def set_duty_override(req: Req, username: str) -> dict[str, Any]:
    return overrides.set_override(req.user.username, username, req.body)


@endpoint(shifts_bp, "/agents/{username}/duty-override", methods=["DELETE"], roles=[SUPERVISOR, ADMIN])
def lift_duty_override(req: Req, username: str) -> dict[str, Any]:
    return overrides.lift_override(req.user.username, username)


# ---- configuration -------------------------------------------------------------------------


@endpoint(shifts_bp, "/settings/seats", roles=STAFF)
def get_seats(req: Req) -> dict[str, Any]:
    return config.get_seats()


@endpoint(shifts_bp, "/settings/seats", methods=["PUT"], roles=[ADMIN])
def put_seats(req: Req) -> dict[str, Any]:
    return config.put_seats(req.user.username, req.body)


@endpoint(shifts_bp, "/settings/shifts", roles=STAFF)
def get_shifts(req: Req) -> dict[str, Any]:
    return config.get_shifts()


@endpoint(shifts_bp, "/settings/shifts", methods=["PUT"], roles=[ADMIN])
def put_shifts(req: Req) -> dict[str, Any]:
    return config.put_shifts(req.user.username, req.body)


@endpoint(shifts_bp, "/settings/employers", roles=STAFF)
def get_employers(req: Req) -> dict[str, Any]:
    return employers.get_employers()


@endpoint(shifts_bp, "/settings/employers", methods=["PUT"], roles=[ADMIN])
def put_employers(req: Req) -> dict[str, Any]:
    return employers.put_employers(req.user.username, req.body)


@endpoint(shifts_bp, "/settings/calling", roles=STAFF)
def get_calling(req: Req) -> dict[str, Any]:
    return config.get_calling()


@endpoint(shifts_bp, "/settings/calling", methods=["PUT"], roles=[ADMIN])
def put_calling(req: Req) -> dict[str, Any]:
    return config.put_calling(req.user.username, req.body)


# ---- rosters -------------------------------------------------------------------------------


@endpoint(shifts_bp, "/rosters/{period}/generate", methods=["POST"], roles=[ADMIN])
def generate_roster(req: Req, period: str) -> tuple[int, dict[str, Any]]:
    return rosters.generate_roster(period, req.user.username, req.body)


@endpoint(shifts_bp, "/rosters/{period}", roles=STAFF)
def get_roster(req: Req, period: str) -> dict[str, Any]:
    return rosters.get_roster(period, req.query.get("rev"), page_request(req.query, roster_store.ROSTER_KEYS))


@endpoint(shifts_bp, "/me/shift", roles=[AGENT, SUPERVISOR])
def my_shift(req: Req) -> dict[str, Any]:
    return own_shift.my_shift(req.user.username)


@shifts_bp.schedule(roster_schedule(), name=ROSTER_FUNCTION,
                    description="Next period's roster, ahead of time; keyed on the period")
def generate_next_roster(event: Any) -> dict[str, Any]:
    fired = getattr(event, "time", None)
    at = clock.parse_iso(fired) if isinstance(fired, str) and fired else clock.now_utc()
    return rosters.scheduled_roster(at if isinstance(at, datetime) else clock.now_utc())


@shifts_bp.schedule(Rate(1, unit=Rate.MINUTES), name=NOTICES_FUNCTION,
                    description="Roster notices (email, SMS) of committed revisions; keyed per message in the outbox")
def send_roster_notices(event: Any) -> dict[str, Any]:
    return notices.send_pending_notices()
