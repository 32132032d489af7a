"""The audit trail's reads: who saw or changed a contact's personal data, and what one person saw or
changed. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

import re
from typing import Any

from ..core.clock import iso
from ..core.errors import ValidationError
from ..core.paging import PageRequest, page_body
from . import audit_store, store
from .service import require_contact

ACTOR = r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}"


def audit_view(entry: store.AuditModel) -> dict[str, Any]:
    return {"subject": entry.subject, "at": entry.at_id.split("#", 1)[0], "actor": entry.actor,
            "action": entry.action, "detail": entry.detail}


def contact_audit(contact_id: str, page: PageRequest) -> dict[str, Any]:
    """Who saw or changed a contact's personal data, newest first."""
    require_contact(contact_id)
    result = audit_store.audit_trail(f"contact#{contact_id}", page)
    return page_body([audit_view(e) for e in result.items], result.next_key)


def actor_audit(actor: str | None, start: str | None, end: str | None, page: PageRequest) -> dict[str, Any]:
    """What one person saw or changed, newest first, between two IST days (both included) or two
    instants with their offsets."""
    if not actor:
        raise ValidationError("name the person whose trail to read (actor)", field="actor")
    if not re.fullmatch(ACTOR, actor):
        raise ValidationError("actor is a login name", field="actor")
    low = _audit_bound(start, "from", end_of_day=False) if start else "0"
    high = _audit_bound(end, "to", end_of_day=True) if end else "~"
    if start and end and low >= high:
        raise ValidationError("to is before from", field="to")
    result = audit_store.audit_of_actor(actor, low, high, page)
    return page_body([audit_view(e) for e in result.items], result.next_key)


def _audit_bound(value: str, field: str, *, end_of_day: bool) -> str:
    """A day (YYYY-MM-DD, an IST day: its start, or the start of the next for `to`) or an ISO-8601
    instant with its offset, as the UTC text the audit's sort key starts with."""
    from datetime import date, datetime, time, timedelta

    from ..core.clock import IST, parse_iso

    bad = ValidationError(f"{field} must be a date (YYYY-MM-DD) or a time with its offset, years 2000-2100",
                          field=field)
    if len(value) > 40:
        raise bad
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            instant = datetime.combine(day + timedelta(days=1 if end_of_day else 0), time(), IST)
        else:
            instant = parse_iso(value)
    except (ValueError, OverflowError) as exc:
        raise bad from exc
    if not 2000 <= instant.year <= 2100:
        raise bad
    return iso(instant)
