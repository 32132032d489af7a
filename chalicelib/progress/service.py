"""What a campaign has reached, read from the report counters (never a call log): its progress at a unit
(`GET /campaigns/{id}/progress`), and a contact's campaigns (`GET /contacts/{id}/campaigns`: where the
person's call targets stand). The campaign page's overview is overview.py. It sits above the features
whose tables it reads (campaigns, calls, relay, follow-up) and reads them through their stores.
No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

from typing import Any

from ..calls import rules as call_rules
from ..campaigns import read_store as campaign_read_store
from ..campaigns import rules as campaign_rules
from ..campaigns.reads import campaign_at_unit
from ..core import clock
from ..core.auth import Principal
from ..core.clock import iso
from ..core.errors import ValidationError
from ..core.paging import PageRequest, decode_cursor, page_body
from ..core.validate import query_int
from ..org import store as org_store
from ..org.service import require_contact
from ..reporting import counters

CONTACT_PAGE_MAX = 50  # targets + their campaigns: at most 100 keys, one BatchGetItem


# ---- a contact's campaigns ------------------------------------------------------------------


def contact_campaigns_page(params: dict[str, str], contact_id: str) -> PageRequest:
    """A page of at most 50 (the targets and their campaigns are read in one BatchGetItem of up to 100
    keys), behind a cursor that must be this contact's."""
    limit = query_int(params, "limit", 20, 1, CONTACT_PAGE_MAX)
    start = decode_cursor(params.get("cursor") or None, campaign_read_store.CONTACT_TARGET_KEYS)
    if start is not None and start["contact_id"]["S"] != contact_id:
        raise ValidationError("cursor is not valid for this list", field="cursor")
    return PageRequest(limit, start)


def _live_lease(target: Any, now: str) -> bool:
    return bool(target.lease_agent and target.lease_until and target.lease_until > now)


def contact_campaigns(contact_id: str, page: PageRequest) -> dict[str, Any]:
    """The campaigns this person is in, with where their call target stands: status, attempts, the last
    disposition and when, the callback time, and who holds it now (a live lease). No phone, no notes.
    Three DynamoDB calls: the contact (404), one Query of the targets' by_contact index, one
    BatchGetItem of the page's targets and campaigns."""
    require_contact(contact_id)
    ids = campaign_read_store.campaign_ids_of_contact(contact_id, page)
    now = iso(clock.now_utc())
    items = []
    for campaign_id, t, c in campaign_read_store.targets_with_campaigns(contact_id, ids.items):
        if t is None:
            continue
        leased = _live_lease(t, now)
        held = bool(t.held) and t.status == "queued" and not leased and (t.due_at or "") > now
        items.append({
            "campaign_id": campaign_id,
            "title_hi": c.title_hi if c else None, "title_en": c.title_en if c else None,
            "kind": c.kind if c else None, "campaign_status": c.status if c else None,
            "starts_on": c.starts_on if c else None, "ends_on": c.ends_on if c else None,
            "status": t.status, "outcome": t.outcome, "attempts": int(t.attempts or 0),
            "last_disposition": t.last_disposition, "last_call_at": t.last_call_at,
            "callback_at": t.callback_at if t.status == "callback" else None,
            "held_by": t.lease_agent if leased else None, "lease_until": t.lease_until if leased else None,
            # held to the next IST day: the person was called up to the daily cap (issue 20)
            "state": "held" if held else t.status, "held": t.held if held else None,
            "held_day": t.held_day if held else None, "due_at": t.due_at if held else None,
        })
    return page_body(items, ids.next_key)


# ---- a campaign's progress ------------------------------------------------------------------


PROGRESS_CHILDREN = 45  # children per page: with a date, each has two counter items (one BatchGetItem of ≤ 100)


def progress(user: Principal, campaign_id: str, unit_id: str | None, date: str | None,
             page: PageRequest | None = None) -> dict[str, Any]:
    """Figures of a campaign at a unit (default: the unit it targets) and one page of its children,
    read from counters: one BatchGetItem (two when the unit is not named), one Query of the children
    and one BatchGetItem of their counters (none for a booth). `answers`: the answer tallies (the
    day's when `date` is given). Aggregates only: no person appears here."""
    if date is not None:
        campaign_rules.parse_date(date, "date")

    def keys_of(unit: str) -> list[tuple[str, str]]:
        return [counters.campaign_unit(campaign_id, unit)] + (
            [counters.day_unit(date, campaign_id, unit)] if date else [])

    today = campaign_rules.ist_date(clock.now_utc())

    def own_keys(unit: str) -> list[tuple[str, str]]:  # today's too: the targets held today (issue 20)
        return keys_of(unit) + ([counters.day_unit(today, campaign_id, unit)] if date != today else [])

    found = campaign_at_unit(campaign_id, unit_id, own_keys)
    campaign, unit = found.campaign, found.unit
    if unit.district_id != campaign.district_id:
        raise ValidationError("that unit is outside the campaign's district", field="unit")
    keys = keys_of(unit.unit_id)
    held_today = found.items.get(counters.day_unit(today, campaign_id, unit.unit_id))
    totals = counters.figures(found.items.get(keys[0]))
    calls = counters.figures(found.items.get(keys[-1])) if date else totals
    level = unit.level if unit.level in counters.LEVELS else "district"
    questions = list(campaign.questions or [])
    wanted = PageRequest(min(page.limit, PROGRESS_CHILDREN), page.start_key) if page else \
        PageRequest(PROGRESS_CHILDREN, None)
    kids = org_store.children(unit.unit_id, wanted) if unit.level != "booth" else None
    kid_keys = {k.unit_id: keys_of(k.unit_id) for k in (kids.items if kids else [])}
    below = campaign_read_store.read_figures(counters=[k for pair in kid_keys.values() for k in pair]).counters \
        if kid_keys else {}
    rows = []
    for kid in kids.items if kids else []:
        kid_all_time, kid_shown = kid_keys[kid.unit_id][0], kid_keys[kid.unit_id][-1]
        all_time, shown = below.get(kid_all_time), below.get(kid_shown)
        kid_totals, kid_calls = counters.figures(all_time), counters.figures(shown)
        rows.append({"unit_id": kid.unit_id, "level": kid.level, "name_hi": kid.name_hi, "name_en": kid.name_en,
                     "targets": kid_totals["targets"], "completed": kid_totals["completed"],
                     "attempts": kid_calls["attempts"], "connects": kid_calls["connects"],
                     "answers": counters.answers_view(shown, questions)})
    return {
        "campaign_id": campaign_id, "status": campaign.status, "date": date,
        "unit": {"unit_id": unit.unit_id, "level": unit.level, "name_hi": unit.name_hi, "name_en": unit.name_en},
        "targets": totals["targets"], "completed": totals["completed"],
        "remaining": max(totals["targets"] - totals["completed"], 0),
        "attempts": calls["attempts"], "connects": calls["connects"], "talk_s": calls["talk_s"],
        "by_disposition": {d: calls[f"d_{d}"] for d in call_rules.DISPOSITIONS},
        "held_today": int(held_today.held or 0) if held_today is not None else 0,
        "coverage": call_rules.coverage(counters.LEVELS, level, totals),
        "activation": {"targets_created": int(campaign.targets_created or 0), "status": campaign.status},
        "answers": counters.answers_view(found.items.get(keys[-1]), questions),
        "children": page_body(rows, kids.next_key if kids else None),
    }
