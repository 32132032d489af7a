"""Use cases of follow-up: escalate a unit nobody at which can be reached (at the call that makes it so,
and in a daily sweep for units silent for N days), list escalations, sample verifiable field reports
into a verification campaign, and judge a verification call against the report it checks.
No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..campaigns import read_store as campaign_read_store
from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..core import clock
from ..core.clock import iso
from ..core.errors import ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..org import rules as org_rules
from ..org import store as org_store
from ..reporting import counters
from . import rules, store

CAMPAIGN_ID = r"cp_[a-z0-9]{26}"
RETRIES = 4
VERIFY_DAYS = 7  # a verification campaign runs at least this long after a report is sampled
ESCALATION_STATUSES = ("open", "resolved", "no_incharge")


# ---- counters of a new target ------------------------------------------------------------------


def _new_target_counters(campaign_id: str, tree_key: str, role: str) -> list[store.CounterAdd]:
    """What activation would have counted for this target: targets at every unit on its path, and a
    unit targeted for the first time counted at its level at itself and above (conditional on it
    still having no target, so that a racing writer is caught)."""
    units = campaign_rules.path_units(tree_key, role)
    keys = [counters.campaign_unit(campaign_id, u.unit_id) for u in units]
    snap = campaign_read_store.read_figures(counters=keys)
    before = {k: counters.figures(snap.counters.get(k))["targets"] for k in keys}
    first = [u for u, k in zip(units, keys, strict=True) if before[k] == 0]
    adds = []
    for i, (unit, key) in enumerate(zip(units, keys, strict=True)):
        increments = {"targets": 1}
        for new in first:
            if units.index(new) <= i:
                increments[f"targeted_{new.level}"] = increments.get(f"targeted_{new.level}", 0) + 1
        adds.append(store.CounterAdd(key, increments, {"unit_id": unit.unit_id, "level": unit.level},
                                     first_target=unit in first))
    return adds


def _new_target(campaign_id: str, contact: Any, now: str, **extra: Any) -> campaign_store.TargetModel:
    return campaign_store.TargetModel(
        campaign_id, contact.contact_id, status="queued", attempts=0, due_at=now,
        queue_key=campaign_rules.queue_key(campaign_id, contact.contact_id),
        queue_sort=campaign_rules.sort_at(now, contact.contact_id), tree_key=contact.tree_key, role=contact.role,
        unit_id=contact.unit_id, name_hi=contact.name_hi, name_en=contact.name_en, language=contact.language,
        phone_last4=contact.phone_last4, **extra)


# ---- escalation ----------------------------------------------------------------------------------


def _incharge_write(campaign: campaign_store.CampaignModel, contact: Any, info: dict[str, Any],
                    now: str) -> store.TargetPut | store.TargetUpdate | None:
    """Create the in-charge's target due now, or requeue the one that exists; None if they may not be
    called (opted out, wrong number)."""
    existing = campaign_store.get_target(campaign.campaign_id, contact.contact_id)
    if existing is None:
        target = _new_target(campaign.campaign_id, contact, now, escalation=info)
        return store.TargetPut(target, _new_target_counters(campaign.campaign_id, contact.tree_key, contact.role))
    units = list(dict.fromkeys([*((existing.escalation or {}).get("units") or []), info["unit_id"]]))
    info = {**info, "units": units}
    status, attempts = existing.status, int(existing.attempts or 0)
    if status in campaign_rules.OPEN:
        actions = store.due_now_actions(contact.contact_id, now, info, bool(existing.lease_agent), status)
        return store.TargetUpdate(campaign.campaign_id, contact.contact_id, actions, status, attempts, [])
    if (existing.outcome or "") in rules.NOT_REOPENED:
        return None
    # a finished target is reopened: it leaves the completed count on its path until it is final again
    adds = [store.CounterAdd(counters.campaign_unit(campaign.campaign_id, u.unit_id), {"completed": -1})
            for u in campaign_rules.path_units(existing.tree_key, existing.role)]
    actions = store.reopen_actions(campaign.campaign_id, contact.contact_id, now, info)
    return store.TargetUpdate(campaign.campaign_id, contact.contact_id, actions, status, attempts, adds)


def escalate_unit(campaign: campaign_store.CampaignModel, unit_id: str, trigger: str, *,
                  attempts: int = 0, days: int = 0) -> store.EscalationModel | None:
    """Escalate one unit of a campaign, once: the record and its in-charge's call target in one
    transaction. None when it was escalated before (a retry, a replay, a second sweep) or cannot be
    (a district has nobody above it here)."""
    if store.get_escalation(campaign.campaign_id, unit_id) is not None:
        return None
    unit = org_store.get_unit(unit_id)
    parent = org_store.get_unit(unit.parent_id) if unit is not None and unit.parent_id else None
    if unit is None or parent is None or parent.level not in campaign_rules.COUNTED_LEVELS:
        return None
    role = rules.incharge_role(parent.level)
    why = rules.reason(trigger, unit.level, unit.name_hi, unit.name_en, attempts=attempts, days=days)
    for _ in range(RETRIES):
        now = iso(clock.now_utc())
        info = {"unit_id": unit_id, "level": unit.level, "trigger": trigger, "reason_hi": why["hi"],
                "reason_en": why["en"], "at": now}
        found = org_store.contacts_in_subtree(campaign.district_id, parent.path, role, PageRequest(5, None)).items \
            if role else []
        write, incharge = None, None
        for contact in found:
            if contact.opted_out:
                continue
            write = _incharge_write(campaign, contact, info, now)
            if write is not None:
                incharge = contact
                break
        record = store.EscalationModel(
            campaign.campaign_id, unit_id, level=unit.level, district_id=campaign.district_id,
            parent_unit_id=parent.unit_id, incharge_contact_id=incharge.contact_id if incharge else None,
            trigger=trigger, reason=why, status="open" if incharge else "no_incharge", created_at=now)
        try:
            store.escalate(record, write)
        except store.AlreadyDone:
            return None
        except store.Raced:
            count("EscalationRaced")
            continue
        count("Escalations")
        logger.info("unit escalated", extra={"campaign_id": campaign.campaign_id, "unit_id": unit_id,
                                             "trigger": trigger, "incharge": bool(incharge)})
        return record
    logger.warning("escalation kept racing; the sweep will try again",
                   extra={"campaign_id": campaign.campaign_id, "unit_id": unit_id})
    return None


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
        _maybe_sample(campaign, target, result)


# ---- the sweep -----------------------------------------------------------------------------------


def sweep(now: datetime) -> dict[str, int]:
    """Escalate the units of active campaigns with no connected call for the campaign's N days.
    Reads: active campaigns (a Query per 100), each campaign's unit counters (a Query per 500 units),
    and for each candidate its escalation record (a GetItem); idempotent: an escalated unit is skipped."""
    checked = escalated = 0
    start: dict[str, Any] | None = None
    while True:
        page = campaign_store.list_campaigns("active", None, PageRequest(100, start))
        for listed in page.items:
            if listed.kind == rules.VERIFICATION_KIND:
                continue
            campaign = campaign_store.get_campaign(listed.campaign_id)
            if campaign is None or campaign.status != "active":
                continue
            if not campaign.starts_on <= campaign_rules.ist_date(now) <= campaign.ends_on:
                continue  # outside its window nobody is being called: silence means nothing
            days = int(campaign.escalate_after_days or rules.DEFAULT_ESCALATE_AFTER_DAYS)
            levels = rules.sweep_levels(list(campaign.target_roles))
            cursor: dict[str, Any] | None = None
            while True:
                units = store.unit_counters(campaign.campaign_id, cursor)
                for item in units.items:
                    if item.level not in levels or not item.unit_id:
                        continue
                    f = counters.figures(item)
                    if f["targets"] and f["completed"] >= f["targets"] and f["connects"]:
                        continue  # the unit's work is done
                    if not rules.silent(item.last_connect_at, campaign.activated_at, now, days):
                        continue
                    checked += 1
                    if escalate_unit(campaign, item.unit_id, "silent", days=days) is not None:
                        escalated += 1
                cursor = units.next_key
                if cursor is None:
                    break
        start = page.next_key
        if start is None:
            break
    return {"checked": checked, "escalated": escalated}


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


# ---- verification --------------------------------------------------------------------------------


def _verification_campaign(parent: campaign_store.CampaignModel, now: datetime) -> str:
    vid = rules.verification_campaign_id(parent.campaign_id)
    if campaign_store.get_campaign(vid) is not None:
        return vid
    at = iso(now)
    until = max(parent.ends_on, (date.fromisoformat(campaign_rules.ist_date(now)) + timedelta(days=VERIFY_DAYS))
                .isoformat())
    campaign_store.create_campaign(campaign_store.CampaignModel(
        vid, status="active", list_sort=f"{parent.district_id}#{at}#{vid}", kind=rules.VERIFICATION_KIND,
        title_hi=f"सत्यापन: {parent.title_hi}"[:200], title_en=f"Verification: {parent.title_en}"[:200],
        script_hi="नमस्ते, हम पार्टी कार्यालय से आपकी दी हुई जानकारी की पुष्टि के लिए बोल रहे हैं।",
        script_en="Hello, this is the party office, calling to confirm what you told us.",
        questions=rules.verification_questions(parent.questions), target_unit_id=parent.target_unit_id,
        target_roles=list(parent.target_roles), target_path=parent.target_path, target_level=parent.target_level,
        district_id=parent.district_id, starts_on=parent.starts_on, ends_on=until,
        calling_start=parent.calling_start, calling_end=parent.calling_end, max_attempts=parent.max_attempts,
        retry_delay_minutes=parent.retry_delay_minutes, lease_minutes=parent.lease_minutes, version=1,
        created_by="system", created_at=at, updated_at=at, activated_at=at, targets_created=0,
        parent_id=parent.campaign_id))  # False when a concurrent report created it first: the same campaign
    return vid


def _maybe_sample(campaign: campaign_store.CampaignModel, target: campaign_store.TargetModel,
                  result: dict[str, Any]) -> None:
    config = campaign.verification or {}
    reported = rules.report(campaign.questions, result.get("answers") or {})
    if not reported or not rules.sampled(str(config.get("seed", "")), result["call_id"],
                                         float(config.get("rate") or 0)):
        return
    now = clock.now_utc()
    vid = _verification_campaign(campaign, now)
    contact = org_store.get_contact(target.contact_id)
    if contact is None or contact.opted_out:
        return
    verify = {"answers": reported, "agent": result["agent"], "call_id": result["call_id"],
              "parent_id": campaign.campaign_id}
    for _ in range(RETRIES):
        if campaign_store.get_target(vid, contact.contact_id) is not None:
            return  # this report (or an earlier one of this contact) is being verified already
        new = _new_target(vid, contact, iso(now), verify=verify, exclude_agent=result["agent"])
        try:
            store.add_target(store.TargetPut(new, _new_target_counters(vid, contact.tree_key, contact.role)))
        except store.AlreadyDone:
            return
        except store.Raced:
            continue
        count("VerificationsSampled")
        return


@dataclass(frozen=True)
class Check:
    result: dict[str, Any]
    counters: list[tuple[tuple[str, str], dict[str, int], dict[str, str]]]


def agents_key(district_id: str, agent: str) -> tuple[str, str]:
    return f"v#{district_id}#agents", f"a#{agent}"


def reporters_key(district_id: str, contact_id: str) -> tuple[str, str]:
    return f"v#{district_id}#reporters", f"r#{contact_id}"


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


def verification_check(campaign: campaign_store.CampaignModel, target: campaign_store.TargetModel,
                       disposition: str, answers: dict[str, Any]) -> Check | None:
    """A connected call on a verification target: each reported answer compared with what the
    verifier heard, and the counters of the reporting agent and of the reporter (written by the
    call's own transaction, so exactly once)."""
    if campaign.kind != rules.VERIFICATION_KIND or disposition != "connected" or not target.verify:
        return None
    reported = dict(target.verify.get("answers") or {})
    compared = rules.compare(reported, answers)
    bad = 1 if rules.discrepant(compared) else 0
    agent = str(target.verify.get("agent") or "")
    increments = {"verified": 1, "discrepant": bad}
    writes = [(agents_key(campaign.district_id, agent), dict(increments), {"agent": agent}),
              (reporters_key(campaign.district_id, target.contact_id), dict(increments),
               {"unit_id": target.unit_id, "role": target.role,
                "level": org_rules.ROLE_LEVEL.get(target.role, "booth")})]
    return Check({"reported_by": agent, "questions": compared, "discrepant": bool(bad)}, writes)


def verification_rows(district_id: str) -> dict[str, list[dict[str, Any]]]:
    """Rates per agent and per reporter of a district (one Query each), highest discrepancy first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, pk in (("agents", f"v#{district_id}#agents"), ("reporters", f"v#{district_id}#reporters")):
        rows = []
        for item in store.partition(pk):
            verified, bad = int(item.verified or 0), int(item.discrepant or 0)
            rows.append({"key": item.sk[2:], "verified": verified, "discrepant": bad,
                         "rate": rules.rate(bad, verified), "unit_id": item.unit_id, "role": item.role,
                         "agent": item.agent})
        out[kind] = rows
    return out


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
