"""What a recorded call does to its contact's item (issue 20: one person, one call at a time): the day's
count of calls to the person (all campaigns together; not a callback the person asked for) and the
release of the caller's lock on them. Pure rules on the contact as read with the call (calls/store.py
batch_read); calls/store.py writes it, merged with an opt-out or a wrong number, in the call's transaction,
conditional on what was read (a race re-reads and retries). No AWS, no Chalice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .plan import CallPlan


@dataclass(frozen=True)
class ContactWrite:
    """`count_day`: the IST day whose count goes up by one (None: not counted); `seen_day`: the contact's
    calls_day as read (the count starts again at 1 on another day); `release`: (agent, campaign) whose
    lock the call removes, as read."""

    count_day: str | None
    seen_day: str | None
    release: tuple[str, str] | None


def contact_write(plan: CallPlan, contact: Any, caller: str) -> ContactWrite | None:
    """The contact's part of the call, or None when the contact was not read (erased: the transaction's
    own condition says so when it flags the contact)."""
    if contact is None:
        return None
    day, seen = plan.log.day, contact.calls_day
    # a callback the person asked for is not counted; nor a call of an earlier day than the one counted now
    counted = plan.status_before != "callback" and (seen is None or seen <= day)
    release = None
    if contact.lock_agent == caller and contact.lock_campaign == plan.log.campaign_id:
        release = (caller, plan.log.campaign_id)
    return ContactWrite(day if counted else None, seen, release)
