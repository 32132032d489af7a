"""Use cases of follow-up: what follows a recorded call (an escalation, its resolution, a report sampled
for verification), the escalations listed, a person's follow-up data erased, and the district digest's
sections. Escalation is escalation.py, verification verification.py. No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import re
from typing import Any

from ..campaigns import read_store as campaign_read_store
from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..core import clock
from ..core.clock import iso
from ..core.errors import ValidationError
from ..core.paging import PageRequest, page_body
from ..reporting import counters
from . import rules, store
from .escalation import escalate_unit
from .verification import maybe_sample, reporters_key, verification_rows

CAMPAIGN_ID = r"cp_[a-z0-9]{26}"
ESCALATION_STATUSES = ("open", "resolved", "no_incharge")


def after_call(campaign: campaign_store.CampaignModel, target: campaign_store.TargetModel,
               result: dict[str, Any]) -> None:
    """What follows a recorded call (also run for a replay, so a crash between the two heals): an
    escalation when the call left the contact's unit with every target finished and none reached,
    the escalation resolved when the in-charge was reached, and a verifiable report sampled."""
    if campaign.kind == rules.VERIFICATION_KIND:
        return
    connected = result.get("disposition") == "connected"
    final = (result.get("target") or {}).get("status") in campaign_rules.FINAL
    if not connected and final:
        key = counters.campaign_unit(campaign.campaign_id, target.unit_id)
        figures = counters.figures(campaign_read_store.read_figures(counters=[key]).counters.get(key))
        if rules.unreachable(figures):
            escalate_unit(campaign, target.unit_id, "unreachable", attempts=int(campaign.max_attempts))
    if connected and target.escalation:
        units = list((target.escalation or {}).get("units") or [target.escalation.get("unit_id")])
        store.resolve(campaign.campaign_id, [u for u in units if u], iso(clock.now_utc()))
    if connected:
        maybe_sample(campaign, target, result)


# ---- views ---------------------------------------------------------------------------------------


def escalation_view(e: store.EscalationModel) -> dict[str, Any]:
    return {"campaign_id": e.campaign_id, "unit_id": e.unit_id, "level": e.level,
            "parent_unit_id": e.parent_unit_id, "incharge_contact_id": e.incharge_contact_id,
            "trigger": e.trigger, "reason_hi": e.reason.get("hi"), "reason_en": e.reason.get("en"),
            "status": e.status, "created_at": e.created_at, "resolved_at": e.resolved_at}


def list_escalations(campaign_id: str, status: str | None, page: PageRequest) -> dict[str, Any]:
    if not re.fullmatch(CAMPAIGN_ID, campaign_id) or campaign_store.get_campaign(campaign_id) is None:
        raise campaign_store.not_found(campaign_id)
    if status is not None and status not in ESCALATION_STATUSES:
        raise ValidationError(f"status must be one of: {', '.join(ESCALATION_STATUSES)}", field="status")
    result = store.escalations(campaign_id, status, page)
    return page_body([escalation_view(e) for e in result.items], result.next_key)


def open_escalations(campaign_id: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The first open (or unassignable) escalations of a campaign, and whether there are more."""
    result = store.escalations(campaign_id, None, PageRequest(limit + 1, None), unresolved=True)
    items = [escalation_view(e) for e in result.items]
    return items[:limit], len(items) > limit


def open_in_districts(district_ids: list[str], limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The newest unresolved escalations of every campaign of these districts (one Query per district on
    the sparse open_by_district index: a call centre serves one district), and whether there are more."""
    found = [e for d in dict.fromkeys(district_ids) for e in store.open_in_district(d, limit + 1)]
    found.sort(key=lambda e: e.open_sort or "", reverse=True)
    return [escalation_view(e) for e in found[:limit]], len(found) > limit


def forget_contact(contact_id: str, district_id: str) -> None:
    """Erasure: follow-up keeps nothing that identifies the person. The escalations they were the
    in-charge of (found through their call targets' escalation marks, so this runs before the targets
    are deleted) drop the id, and their reporter counter (keyed by them, with unit and role) goes."""
    keys = campaign_store.campaign_of_contact_targets(contact_id)
    for target in store.targets(keys):
        info = target.escalation or {}
        for unit_id in dict.fromkeys([*(info.get("units") or []), info.get("unit_id")]):
            if unit_id:
                store.forget_incharge(target.campaign_id, str(unit_id), contact_id)
    store.delete_counter(reporters_key(district_id, contact_id))


# ---- the district digest's sections ----------------------------------------------------------------


def digest_sections(campaigns: list[campaign_store.CampaignModel], limit: int) -> dict[str, Any]:
    """Escalations of the campaigns (a Query per 100 escalations of each) and verification rates per
    agent and per reporter of their districts (a Query each): counts, and the first `limit` rows."""
    counts = dict.fromkeys(ESCALATION_STATUSES, 0)
    listed: list[dict[str, Any]] = []
    for c in campaigns:
        if c.kind == rules.VERIFICATION_KIND:
            continue
        start: dict[str, Any] | None = None
        while True:
            page = store.escalations(c.campaign_id, None, PageRequest(100, start))
            for e in page.items:
                counts[e.status] = counts.get(e.status, 0) + 1
                if e.status != "resolved":
                    listed.append(escalation_view(e))
            start = page.next_key
            if start is None:
                break
    listed.sort(key=lambda e: (e["created_at"], e["unit_id"]))
    agents: list[dict[str, Any]] = []
    reporters: list[dict[str, Any]] = []
    for district_id in sorted({c.district_id for c in campaigns}):
        rows = verification_rows(district_id)
        agents += rows["agents"]
        reporters += rows["reporters"]
    return {
        "escalations": {"open": counts["open"], "no_incharge": counts["no_incharge"],
                        "resolved": counts["resolved"], "items": listed[:limit], "more": max(len(listed) - limit, 0)},
        "verification": {"verified": sum(r["verified"] for r in agents),
                         "discrepant": sum(r["discrepant"] for r in agents),
                         "agents": rules.top_rows(agents, rules.TOP),
                         "reporters": rules.top_rows(reporters, rules.TOP)},
    }
