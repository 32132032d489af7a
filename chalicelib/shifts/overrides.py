"""A supervisor's override of the roster (on duty until a time, whatever the roster says), and an agent's duty
as the office reads it. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import ValidationError
from ..core.observability import logger
from ..core.validate import Field, validate
from ..org import store as org_store
from . import agent_store, duty
from .agents import override_view, require_agent

OVERRIDE_MAX = timedelta(days=7)  # an override is for a gap in the roster, not a standing roster
OVERRIDE_SPEC = {"until": Field("datetime", required=True), "reason": Field("str", required=True, min_len=3,
                                                                           max_len=300)}


def _view(agent: agent_store.AgentModel) -> dict[str, Any]:
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
    if agent_store.set_override(username, iso(until), data["reason"], actor, at):
        org_store.audit(f"agent#{username}", actor, "duty_override", at, f"until {iso(until)}: {data['reason']}")
        logger.info("duty override set", extra={"agent": username, "until": iso(until)})
    return _view(require_agent(username))


def lift_override(actor: str, username: str) -> dict[str, Any]:
    """DELETE /agents/{username}/duty-override: back to the roster."""
    require_agent(username)
    at = iso(clock.now_utc())
    if agent_store.set_override(username, None, None, actor, at):
        org_store.audit(f"agent#{username}", actor, "duty_override_lifted", at)
    return _view(require_agent(username))


def duty_now(username: str) -> dict[str, Any]:
    """GET /agents/{username}/duty: the same answer the next call gets, and the supervisor's override
    in force (until, reason, who set it and when), or None."""
    agent = require_agent(username)
    body = duty.duty_status(username, clock.now_utc()).to_dict()
    body["override"] = override_view(agent)
    return body
