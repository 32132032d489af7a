"""The digest archive: each day's digest of one audience as it was stored when built (what was sent,
with any later correction), newest first, for the leaders' dashboard. No Chalice, boto3 or PynamoDB.

A day's digest is the item `digest#<audience>#<day>` (digests/store.py), so a run of days is a run of
known keys: one BatchGetItem of at most MAX_DAYS keys, no Query and never a Scan. A day with no stored
digest (not built yet, or nothing was sent) is listed as missing. Nothing is built here: reading the
archive never creates a digest.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..core import clock
from ..core.auth import Principal
from ..core.errors import Forbidden, ValidationError
from ..core.validate import query_int
from . import rules, store

DEFAULT_DAYS = 14
MAX_DAYS = 31


def _audience(user: Principal, asked: str | None) -> str:
    allowed = rules.audiences_for(user.roles)
    if asked is None:  # a leader has one audience; the office's first is the district's
        for audience in rules.AUDIENCES:
            if audience in allowed:
                return audience
    if asked not in rules.AUDIENCES:
        raise ValidationError(f"audience is one of {list(rules.AUDIENCES)}", field="audience")
    if asked not in allowed:
        raise Forbidden("your role may not see this audience's digests")
    return asked


def archive(user: Principal, params: dict[str, str]) -> dict[str, Any]:
    """GET /digests?audience=&until=&days=: the days from `until` (default: today, IST — listed as
    missing until its digest is sent after the evening shift) back `days` days (default 14, at most 31),
    newest first; `previous_until` pages further back."""
    audience = _audience(user, params.get("audience"))
    today = clock.now_utc().astimezone(clock.IST).date()
    until = params.get("until") or today.isoformat()
    if not rules.day_in_range(until, today):
        raise ValidationError(f"until is a real day (YYYY-MM-DD) from {rules.EARLIEST_DAY.isoformat()} to tomorrow",
                              field="until")
    days = query_int(params, "days", DEFAULT_DAYS, 1, MAX_DAYS)
    last = date.fromisoformat(until)
    wanted = [(last - timedelta(days=n)).isoformat() for n in range(days)]
    wanted = [d for d in wanted if date.fromisoformat(d) >= rules.EARLIEST_DAY]
    found = store.get_many([store.digest_key(audience, d) for d in wanted])
    items = []
    for day in wanted:
        item = found.get(store.digest_key(audience, day))
        if item is None:
            items.append({"date": day, "stored": False})
            continue
        items.append({"date": day, "stored": True, "created_at": item.created_at,
                      "corrected": bool(item.version), "digest": dict(item.content or {})})
    earliest = date.fromisoformat(wanted[-1]) - timedelta(days=1) if wanted else None
    more = earliest is not None and earliest >= rules.EARLIEST_DAY
    return {"audience": audience, "until": until, "days": days, "items": items,
            "previous_until": earliest.isoformat() if more and earliest else None}
