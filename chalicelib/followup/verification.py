"""Verification: a verifiable field report is sampled (deterministically, at the campaign's rate) into the
campaign's verification campaign, whose call compares what the verifier hears with the report; the
verdict is counted per reporting agent and per reporter with the verification call itself. No Chalice,
boto3 or PynamoDB here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..campaigns import activation_store
from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..core import clock
from ..core.clock import iso
from ..core.observability import count
from ..org import rules as org_rules
from ..org import store as org_store
from ..reporting import counters
from . import rules, store
from .escalation import RETRIES, new_target_counters

VERIFY_DAYS = 7  # a verification campaign runs at least this long after a report is sampled


def _verification_campaign(parent: campaign_store.CampaignModel, now: datetime) -> str:
    vid = rules.verification_campaign_id(parent.campaign_id)
    if campaign_store.get_campaign(vid) is not None:
        return vid
    at = iso(now)
    until = max(parent.ends_on, (date.fromisoformat(campaign_rules.ist_date(now)) + timedelta(days=VERIFY_DAYS))
                .isoformat())
    campaign_store.create_campaign(vid, dict(
        status="active", list_sort=f"{parent.district_id}#{at}#{vid}", kind=rules.VERIFICATION_KIND,
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


def maybe_sample(campaign: campaign_store.CampaignModel, target: campaign_store.TargetModel,
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
        new = activation_store.new_target(vid, contact, iso(now), verify=verify, exclude_agent=result["agent"])
        try:
            store.add_target(store.TargetPut(new, new_target_counters(vid, contact.tree_key, contact.role)))
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


def verification_check(campaign: campaign_store.CampaignModel, target: campaign_store.TargetModel,
                       disposition: str, answers: dict[str, Any], day: str | None = None) -> Check | None:
    """A connected call on a verification target: each reported answer compared with what the
    verifier heard, and the counters of the reporting agent and of the reporter (written by the
    call's own transaction, so exactly once); with `day` (the IST day of the verification call), on the
    reporting agent's day item of that day too (the agents' performance figures)."""
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
    if day is not None and agent:
        writes.append((counters.day_agent(day, agent), dict(increments), {"agent": agent}))
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


def force_sample(call: dict[str, Any]) -> dict[str, Any]:
    """A supervisor's re-check of one call (a quality flag): the call's report goes into its campaign's
    verification campaign whatever the sampling rate says, as `maybe_sample` would have put it. `call` is
    the call log's call_id, campaign_id, contact_id, agent, disposition and answers. Idempotent: asked
    again (or for a contact already being verified) it answers `already` and adds nothing. 404 when the
    campaign or the contact is gone; 409 `not_verifiable` for a verification call, a call not connected, or
    a contact who opted out."""
    from ..core.errors import Conflict, NotFound

    campaign = campaign_store.get_campaign(str(call["campaign_id"]))
    if campaign is None:
        raise NotFound("the call's campaign is gone", field="call_id")
    if campaign.kind == rules.VERIFICATION_KIND or call.get("disposition") != "connected":
        raise Conflict("only a connected call of an outreach campaign can be re-checked", field="call_id",
                       code="not_verifiable")
    contact = org_store.get_contact(str(call["contact_id"]))
    if contact is None:
        raise NotFound("the person called is gone", field="call_id")
    if contact.opted_out:
        raise Conflict("the person called has opted out", field="call_id", code="not_verifiable")
    now = clock.now_utc()
    vid = _verification_campaign(campaign, now)
    verify = {"answers": rules.report(campaign.questions, call.get("answers") or {}), "agent": call["agent"],
              "call_id": call["call_id"], "parent_id": campaign.campaign_id, "forced": True}
    answer = {"call_id": call["call_id"], "verification_campaign_id": vid, "contact_id": contact.contact_id}
    for _ in range(RETRIES):
        if campaign_store.get_target(vid, contact.contact_id) is not None:
            return {**answer, "status": "already"}
        new = activation_store.new_target(vid, contact, iso(now), verify=verify, exclude_agent=call["agent"])
        try:
            store.add_target(store.TargetPut(new, new_target_counters(vid, contact.tree_key, contact.role)))
        except store.AlreadyDone:
            return {**answer, "status": "already"}
        except store.Raced:
            continue
        count("VerificationsForced")
        return {**answer, "status": "added"}
    return {**answer, "status": "already"}
