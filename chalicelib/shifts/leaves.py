"""Use cases of an agent's leave, by IST dates (both included): recording it idempotently, listing it,
withdrawing a leave that has not started. No Chalice, no boto3, no PynamoDB here: leave is stored through
leave_store (each leave with its span on the agent's item, which the duty gate reads)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, validate
from . import leave_store, rules
from .agents import require_agent

LEAVE_ID = r"lv_[0-9a-f]{24}"
IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
DATE = Field("str", required=True, pattern=r"\d{4}-\d{2}-\d{2}", max_len=10)
LEAVE_SPEC = {"from": DATE, "to": DATE, "reason": Field("str", required=True, max_len=200)}
MAX_LEAVE_DAYS = 366


def _today() -> date:
    return rules.ist_date(clock.now_utc())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()



def leave_view(leave: leave_store.LeaveModel) -> dict[str, Any]:
    return {"leave_id": leave.leave_id, "username": leave.username, "from": leave.from_date, "to": leave.to_date,
            "reason": leave.reason, "created_at": leave.created_at, "created_by": leave.created_by}


def _day(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{field_name} must be a date YYYY-MM-DD", field=field_name) from exc


def add_leave(actor: str, username: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    """Record leave (IST dates, both included). Idempotent on the Idempotency-Key header, or, without
    one, on the dates: the same request again returns the same leave."""
    if idempotency_key is not None and not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError("Idempotency-Key must be 8-64 letters, digits, '-' or '_'", field="Idempotency-Key")
    data = validate(body, LEAVE_SPEC)
    first, last = _day(data["from"], "from"), _day(data["to"], "to")
    if last < first:
        raise ValidationError("to must not be before from", field="to")
    if (last - first).days >= MAX_LEAVE_DAYS:
        raise ValidationError(f"a leave is at most {MAX_LEAVE_DAYS} days; record a longer one in parts", field="to")
    agent = require_agent(username)
    seed = f"key:{idempotency_key}" if idempotency_key else f"dates:{first}:{last}"
    leave_id = "lv_" + hashlib.sha256(f"{username}#{seed}".encode()).hexdigest()[:24]
    body_hash = _hash({"from": first.isoformat(), "to": last.isoformat(), "reason": data["reason"]})
    fields = {"username": username, "leave_id": leave_id, "from_date": first.isoformat(),
              "to_date": last.isoformat(), "reason": data["reason"], "body_hash": body_hash,
              "created_at": iso(clock.now_utc()), "created_by": actor}
    created = leave_store.record_leave(fields, agent, (_today() - timedelta(days=1)).isoformat())
    if created is not None:
        return 201, leave_view(created)
    existing = leave_store.get_leave(username, leave_id)
    if existing is None or existing.body_hash != body_hash:
        if idempotency_key:
            raise Conflict("this Idempotency-Key was used for a different leave", field="Idempotency-Key",
                           code="idempotency_key_reused")
        raise Conflict("a leave for these dates exists with another reason", field="from", code="leave_exists")
    return 201, leave_view(existing)


def list_leaves(username: str, page: PageRequest) -> dict[str, Any]:
    require_agent(username)
    result = leave_store.agent_leaves(username, page)
    return page_body([leave_view(lv) for lv in result.items], result.next_key)


def withdraw_leave(actor: str, username: str, leave_id: str) -> dict[str, Any]:
    """Only a leave that has not started (it begins after today, IST) can be withdrawn."""
    if not re.fullmatch(LEAVE_ID, leave_id):
        raise NotFound("leave not found", field="leave_id")
    agent = require_agent(username)
    leave_store.delete_leave(username, leave_id, _today().isoformat(), agent)
    logger.info("leave withdrawn", extra={"agent": username, "leave_id": leave_id, "by": actor})
    return {"leave_id": leave_id, "withdrawn": True}
