"""Use cases of calls: record one (idempotent on call_id: read, plan with calls/plan.py, write with
calls/store.py), list an agent's calls and callbacks and a contact's history, and erase a person's call
data. No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..campaigns.settings import CAMPAIGN_ID
from ..core import access, clock
from ..core.auth import ADMIN, AGENT, SUPERVISOR, Principal
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, validate
from ..followup import service as followup
from ..followup import verification
from ..org import rules as org_rules
from ..relay import rules as relay_rules
from ..reporting import counters
from . import contact_count, plan, rules, store

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CALL_SPEC = {
    "call_id": Field("str", required=True, max_len=36, pattern=UUID),
    "campaign_id": Field("str", required=True, max_len=40),
    "contact_id": Field("str", required=True, max_len=40, pattern=r"[A-Za-z0-9_-]{1,40}"),
    "disposition": Field("str", required=True, choices=rules.DISPOSITIONS),
    "started_at": Field("datetime", required=True),
    "duration_s": Field("int", required=True, minimum=0, maximum=4 * 3600),
    "notes": Field("str", nullable=True, max_len=2000),
    "callback_at": Field("datetime", nullable=True),
    # a programme relay's facts (chalicelib/relay): only on a connected call
    "relay": Field("object", fields={"received": Field("bool", required=True), "passed_on": Field("bool")}),
}
FUTURE_SLACK = timedelta(minutes=5)  # clocks on cheap phones drift
OLDEST_CALL = timedelta(days=2)  # a call recorded later than this is refused (counters are per day)
LONGEST_CALLBACK = timedelta(days=30)
# A late call (the phone was offline past its lease) is the agent's if they were handed the contact at
# most one lease plus this long before the call started.
LATE_GRACE = timedelta(hours=1)
# A transaction that loses a race is re-read and retried. The races it can lose are another call
# reaching one of the (at most five) units on its path first, or a conflicting transaction on a shared
# counter; each lost first-connect race removes a unit from the ones still to reach, so 6 is enough.
ATTEMPTS = 6


# ---- recording a call ----------------------------------------------------------------------


def _body_hash(body: dict[str, Any]) -> str:
    canonical = {**body, "call_id": str(body.get("call_id", "")).lower()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def record_call(user: Principal, body: Any) -> tuple[int, dict[str, Any], bool]:
    """Returns (status, result, replayed). The same body under the same call_id returns the stored
    result and changes nothing; a different body under it is a 409."""
    now = clock.now_utc()
    data, call = _validated(user, body)
    campaign_id, contact_id = data["campaign_id"], data["contact_id"]
    today = campaign_rules.ist_date(now)
    own_day, own_callbacks = counters.day_agent(today, user.username), counters.agent_callbacks(user.username)
    call_day = counters.day_agent(campaign_rules.ist_date(call.started_at), user.username)  # its figures' day
    markers: list[tuple[str, str]] | None = None  # first try: connects assumed counted already (no read)
    for _ in range(ATTEMPTS):
        days = [own_day] if call_day == own_day else [own_day, call_day]
        snap = store.batch_read(call_id=call.call_id, campaign_id=campaign_id, target=(campaign_id, contact_id),
                                counters=[*days, own_callbacks, *(markers or [])], agents=[user.username])
        agent = snap.agents.get(user.username)
        access.settle_profile(user.username, None if agent is None else access.Profile(agent.role, bool(agent.active)))
        if snap.log is not None:  # a retry: answered as the first time, however late it comes
            return _replayed(user, snap, snap.log, call.body_hash)
        campaign, target = _read_ok(data, snap, now)
        call_plan = _plan(call, data, campaign, target, now, snap.counters if markers is not None else None, snap)
        lease_day = plan.release_lease(call_plan, target, snap.counters.get(own_day), user.username, today, own_day)
        plan.move_callbacks(call_plan, target)
        try:
            _ensure_callback_maps(call_plan, snap.counters.get(own_callbacks), user.username)
            store.write_call(call_plan, contact_count.contact_write(call_plan, snap.contact, user.username))
        except store.DuplicateCall:
            log = store.get_log(call.call_id)
            if log is not None:
                return _replayed(user, snap, log, call.body_hash)
            continue
        except store.MarkersStale:
            count("CallWriteContended")
            markers = _marker_keys(campaign_id, target)
            continue
        except store.Contended:
            count("CallWriteContended")
            continue
        except store.ContactGone as exc:
            raise NotFound("the contact was erased", field="contact_id") from exc
        if lease_day is not None:  # another agent's or another day's live lease: taken off after the call
            campaign_store.clear_day_lease(lease_day[0], lease_day[1], campaign_id, contact_id)
        count("CallsRecorded")
        if call_plan.log.late:
            count("LateCalls")
        followup.after_call(campaign, target, call_plan.log.result)
        return 201, call_plan.log.result, False
    raise Conflict("the call target changed while this call was being recorded; send it again",
                   code="contended")


def _validated(user: Principal, body: Any) -> tuple[dict[str, Any], plan.Call]:
    """The request checked on its own (the answers and relay facts need the campaign: _plan)."""
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    data = validate({k: v for k, v in body.items() if k != "answers"}, CALL_SPEC)
    disposition, callback_at = data["disposition"], data.get("callback_at")
    if disposition == "callback_requested" and callback_at is None:
        raise ValidationError("a callback needs callback_at", field="callback_at", code="required")
    if disposition != "callback_requested" and callback_at is not None:
        raise ValidationError("only a callback_requested call carries callback_at", field="callback_at")
    if not re.fullmatch(CAMPAIGN_ID, data["campaign_id"]):
        raise campaign_store.not_found(data["campaign_id"])
    caller = plan.Caller(user.username, user.has(SUPERVISOR), user.has(AGENT))
    call = plan.Call(data["call_id"].lower(), caller, disposition, data["started_at"], data["duration_s"],
                     data.get("notes"), callback_at, {}, None, _body_hash(body))
    return {**data, "answers": body.get("answers")}, call


def _read_ok(data: dict[str, Any], snap: store.Snapshot, now: datetime) -> tuple[Any, Any]:
    """A call not recorded yet: its times against the clock, and its campaign and target read."""
    _check_times(data, now)
    if snap.campaign is None:
        raise campaign_store.not_found(data["campaign_id"])
    if snap.target is None:
        raise NotFound("this contact is not a target of this campaign", field="contact_id")
    return snap.campaign, snap.target


def _plan(call: plan.Call, data: dict[str, Any], campaign: Any, target: Any, now: datetime,
          markers: dict[tuple[str, str], Any] | None, snap: store.Snapshot) -> plan.CallPlan:
    """The call's answers and relay facts checked against its campaign, a late call's hand-over checked
    on the contact's trail, then the plan (calls/plan.py); on a retry, with the markers read."""
    answers = campaign_rules.check_answers(campaign.questions, data["answers"], call.disposition == "connected")
    relay = relay_rules.check_relay_facts(data.get("relay"), kind=campaign.kind, disposition=call.disposition)
    call = replace(call, answers=answers, relay=relay)
    if plan.is_late(call.caller, target):
        since, until = rules.late_call_window(call.started_at, int(campaign.lease_minutes), LATE_GRACE, FUTURE_SLACK)
        if not store.was_handed(target.contact_id, call.caller.username, campaign.campaign_id, iso(since),
                                iso(until)):
            raise Conflict("you do not hold this call; ask for the next call", field="contact_id",
                           code="lease_not_held")
    check = verification.verification_check(campaign, target, call.disposition, answers,
                                            day=campaign_rules.ist_date(call.started_at))
    return plan.plan_call(call, campaign, target, now, markers, check, read=snap.counters, settings=snap.settings)


def _ensure_callback_maps(call_plan: plan.CallPlan, own_item: Any, username: str) -> None:
    """A map key can only be set inside a map: make the owners' maps the call writes into (rare: another
    owner, or a map never made yet)."""
    own_map = own_item is not None and own_item.callbacks is not None
    for owner in sorted({m.owner for m in call_plan.callbacks if m.owner != username or not own_map}):
        campaign_store.ensure_callbacks(owner)


def _marker_keys(campaign_id: str, target: Any) -> list[tuple[str, str]]:
    """The counters whose figures decide a first connect or acknowledgement: the target's units."""
    return [counters.campaign_unit(campaign_id, u.unit_id)
            for u in campaign_rules.path_units(target.tree_key, target.role)]


def _check_times(data: dict[str, Any], now: datetime) -> None:
    """Times checked against the clock: only for a call not recorded yet (a retry may come late)."""
    started, callback_at = data["started_at"], data.get("callback_at")
    if started > now + FUTURE_SLACK:
        raise ValidationError("started_at is in the future", field="started_at")
    if started < now - OLDEST_CALL:
        raise ValidationError("started_at is more than two days ago", field="started_at")
    if callback_at is not None and (callback_at <= now or callback_at > now + LONGEST_CALLBACK):
        raise ValidationError("callback_at must be in the next 30 days", field="callback_at")


def _replayed(user: Principal, snap: store.Snapshot, log: Any, body_hash: str) -> tuple[int, dict[str, Any], bool]:
    """A replay also runs what follows a call (escalation, sampling): each is done once, so a crash
    between the call's write and its follow-up heals when the client retries. Only the agent who
    recorded the call (or a supervisor) is answered: anyone else learns nothing and changes nothing."""
    if log.agent != user.username and not user.has(SUPERVISOR, ADMIN):
        raise Conflict("this call_id belongs to another call; make a new one", field="call_id",
                       code="call_id_taken")
    if log.body_hash != body_hash:
        raise Conflict("this call_id was already used for a different call", field="call_id",
                       code="call_id_reused")
    answer = dict(log.result)
    if snap.campaign is not None and snap.target is not None:
        followup.after_call(snap.campaign, snap.target, answer)
    return 201, answer, True


# ---- lists ---------------------------------------------------------------------------------


def call_view(log: store.CallLogModel) -> dict[str, Any]:
    return {**dict(log.result), "contact_name": log.contact_name, "recorded_at": log.recorded_at}


def my_calls(agent: str, date: str | None, page: PageRequest) -> dict[str, Any]:
    day = date or campaign_rules.ist_date(clock.now_utc())
    campaign_rules.parse_date(day, "date")
    result = store.calls_of_agent_day(agent, day, page)
    return {"date": day, **page_body([call_view(c) for c in result.items], result.next_key)}


def contact_calls(contact_id: str, page: PageRequest) -> dict[str, Any]:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", contact_id):
        raise NotFound("contact not found", field="contact_id")
    result = store.calls_of_contact(contact_id, page)
    return page_body([call_view(c) for c in result.items], result.next_key)


def my_callbacks(agent: str, page: PageRequest) -> dict[str, Any]:
    result = campaign_store.agent_callbacks(agent, page)
    items = [{"campaign_id": t.campaign_id, "contact_id": t.contact_id, "callback_at": t.callback_at,
              "name_hi": t.name_hi, "name_en": t.name_en, "role": t.role, "unit_id": t.unit_id,
              "language": t.language, "phone_masked": org_rules.mask_phone(t.phone_last4),
              "attempts": int(t.attempts or 0), "last_notes": t.last_notes} for t in result.items]
    return page_body(items, result.next_key)


# ---- erasure -------------------------------------------------------------------------------


def erase_contact_history(contact_id: str) -> dict[str, int]:
    """Delete a person's call logs (notes, answers) and call targets. Counters stay: they hold no
    personal data."""
    call_ids = store.call_ids_of_contact(contact_id)
    store.delete_logs(call_ids)
    targets = campaign_store.campaign_of_contact_targets(contact_id)
    campaign_store.forget_leases_of(contact_id)
    campaign_store.delete_targets(targets)
    logger.info("call history erased", extra={"calls": len(call_ids), "targets": len(targets)})
    return {"calls": len(call_ids), "targets": len(targets)}

