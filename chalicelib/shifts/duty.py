"""Who may take calls now: the gate the next call passes, and a supervisor's override of the roster.
No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..core import access, clock
from ..core.clock import iso
from ..core.db import Key
from ..core.errors import Conflict, ValidationError
from ..core.observability import logger
from ..core.validate import Field, validate
from ..org import store as org_store
from . import service, store
from .agents import override_view, require_agent

OVERRIDE_MAX = timedelta(days=7)  # an override is for a gap in the roster, not a standing roster
OVERRIDE_SPEC = {"until": Field("datetime", required=True), "reason": Field("str", required=True, min_len=3,
                                                                           max_len=300)}


def duty_read(username: str, at: datetime) -> service.DutyRead:
    """The keys the gate needs, to be read with the caller's own in one BatchGetItem (service.DutyRead)."""
    return service.duty_read(username, at)


def profile_of(found: Mapping[Key, Any], username: str) -> access.Profile | None:
    """The caller's profile (core/access.py) from the agent item read with the gate's keys."""
    agent = found.get(store.agent_key(username))
    return None if agent is None else access.Profile(agent.role, bool(agent.active))


def require_on_duty(username: str, at: datetime) -> service.DutyStatus:
    """The next call's gate: a 409 `off_duty` that says why and when the agent's next window opens."""
    return require(service.duty_status(username, at))


def require(status: service.DutyStatus) -> service.DutyStatus:
    if status.on_duty:
        return status
    raise Conflict(f"you are not on duty now: {status.message}", code="off_duty", details={
        "reason": status.reason, "message_hi": status.message_hi, "shift": status.shift,
        "next_window": status.next_window.to_dict() if status.next_window else None})


def _view(agent: store.AgentModel) -> dict[str, Any]:
    now = iso(clock.now_utc())
    active = bool(agent.override_until and agent.override_until > now)
    return {"username": agent.username, "active": active, "until": agent.override_until if active else None,
            "reason": agent.override_reason if active else None, "set_by": agent.override_by,
            "set_at": agent.override_at}


def set_override(actor: str, username: str, body: Any) -> dict[str, Any]:
    """POST /agents/{username}/duty-override: on duty until `until` whatever the roster says.
    The same body again changes nothing and is not audited again."""
    data = validate(body, OVERRIDE_SPEC)
    require_agent(username)
    now = clock.now_utc()
    until: datetime = data["until"]
    if until <= now or until > now + OVERRIDE_MAX:
        raise ValidationError("until must be in the future and at most 7 days ahead", field="until")
    at = iso(now)
    if store.set_override(username, iso(until), data["reason"], actor, at):
        org_store.audit(f"agent#{username}", actor, "duty_override", at, f"until {iso(until)}: {data['reason']}")
        logger.info("duty override set", extra={"agent": username, "until": iso(until)})
    return _view(require_agent(username))


def lift_override(actor: str, username: str) -> dict[str, Any]:
    """DELETE /agents/{username}/duty-override: back to the roster."""
    require_agent(username)
    at = iso(clock.now_utc())
    if store.set_override(username, None, None, actor, at):
        org_store.audit(f"agent#{username}", actor, "duty_override_lifted", at)
    return _view(require_agent(username))


def duty_now(username: str) -> dict[str, Any]:
    """GET /agents/{username}/duty: the same answer the next call gets, and the supervisor's override
    in force (until, reason, who set it and when), or None."""
    agent = require_agent(username)
    body = service.duty_status(username, clock.now_utc()).to_dict()
    body["override"] = override_view(agent)
    return body
