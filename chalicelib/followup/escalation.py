"""Escalation: a unit nobody at which can be reached is escalated to the in-charge one level up, at the call
that makes it so (service.after_call) and in a daily sweep for units silent for N days: the record and the
in-charge's call target in one transaction (followup/store.py). No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..campaigns import activation_store
from ..campaigns import read_store as campaign_read_store
from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..core import clock
from ..core.clock import iso
from ..core.observability import count, logger
from ..core.paging import PageRequest
from ..org import store as org_store
from ..reporting import counters
from . import rules, store

RETRIES = 4


def new_target_counters(campaign_id: str, tree_key: str, role: str) -> list[store.CounterAdd]:
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


def _incharge_write(campaign: campaign_store.CampaignModel, contact: Any, info: dict[str, Any],
                    now: str) -> store.TargetPut | store.TargetUpdate | None:
    """Create the in-charge's target due now, or requeue the one that exists; None if they may not be
    called (opted out, wrong number)."""
    existing = campaign_store.get_target(campaign.campaign_id, contact.contact_id)
    if existing is None:
        target = activation_store.new_target(campaign.campaign_id, contact, now, escalation=info)
        return store.TargetPut(target, new_target_counters(campaign.campaign_id, contact.tree_key, contact.role))
    units = list(dict.fromkeys([*((existing.escalation or {}).get("units") or []), info["unit_id"]]))
    info = {**info, "units": units}
    status, attempts = existing.status, int(existing.attempts or 0)
    if status in campaign_rules.OPEN:
        # a target held to tomorrow (its person called up to the daily cap today) keeps its hold: made due now,
        # the next /next would only hold it again, and count the hold twice
        held = bool(existing.held) and (existing.due_at or "") > now
        actions = store.due_now_actions(contact.contact_id, now, info, bool(existing.lease_agent) or held, status)
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
        facts = store.Escalation(campaign.campaign_id, unit_id, unit.level, campaign.district_id, parent.unit_id,
                                 incharge.contact_id if incharge else None, trigger, why, now)
        try:
            record = store.open_escalation(facts, write)
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
