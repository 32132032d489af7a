"""Use cases of calls: record one (idempotent on call_id), list an agent's calls and callbacks and a
contact's history, read a campaign's progress from the counters, and erase a person's call data.
No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..campaigns.service import CAMPAIGN_ID
from ..core import access, clock
from ..core.auth import ADMIN, AGENT, SUPERVISOR, Principal
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, validate
from ..followup import service as followup
from ..org import rules as org_rules
from ..relay import rules as relay_rules
from ..reporting import counters
from . import rules, store

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
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    data = validate({k: v for k, v in body.items() if k != "answers"}, CALL_SPEC)
    call_id, campaign_id, contact_id = data["call_id"].lower(), data["campaign_id"], data["contact_id"]
    disposition, callback_at = data["disposition"], data.get("callback_at")
    if disposition == "callback_requested" and callback_at is None:
        raise ValidationError("a callback needs callback_at", field="callback_at", code="required")
    if disposition != "callback_requested" and callback_at is not None:
        raise ValidationError("only a callback_requested call carries callback_at", field="callback_at")
    if not re.fullmatch(CAMPAIGN_ID, campaign_id):
        raise campaign_store.not_found(campaign_id)
    body_hash = _body_hash(body)
    today = campaign_rules.ist_date(now)
    own_day, own_callbacks = counters.day_agent(today, user.username), counters.agent_callbacks(user.username)
    markers: list[tuple[str, str]] | None = None  # first try: connects assumed counted already (no read)
    for _ in range(ATTEMPTS):
        snap = store.batch_read(call_id=call_id, campaign_id=campaign_id, target=(campaign_id, contact_id),
                                counters=[own_day, own_callbacks, *(markers or [])], agents=[user.username])
        agent = snap.agents.get(user.username)
        access.settle_profile(user.username, None if agent is None else access.Profile(agent.role, bool(agent.active)))
        if snap.log is not None:  # a retry: answered as the first time, however late it comes
            return _replayed(user, snap, snap.log, body_hash)
        _check_times(data, now)
        if snap.campaign is None:
            raise campaign_store.not_found(campaign_id)
        if snap.target is None:
            raise NotFound("this contact is not a target of this campaign", field="contact_id")
        answers = campaign_rules.check_answers(snap.campaign.questions, body.get("answers"),
                                               disposition == "connected")
        relay = relay_rules.check_relay_facts(data.get("relay"), kind=snap.campaign.kind, disposition=disposition)
        write = _plan(user, data, call_id, answers, body_hash, snap.campaign, snap.target, now, relay=relay,
                      markers=snap.counters if markers is not None else None)
        lease_day = _lease_release(write, snap, user.username, today, own_day)
        moves, owner_before = _callback_moves(write, snap.target)
        try:
            own_item = snap.counters.get(own_callbacks)
            own_map = own_item is not None and own_item.callbacks is not None
            for owner in sorted({m.owner for m in moves if m.owner != user.username or not own_map}):
                campaign_store.ensure_callbacks(owner)  # rare: another owner, or a map never made yet
            store.write_call(write.log, write.transition, status_before=snap.target.status,
                             attempts_before=int(snap.target.attempts or 0), lease_holder=write.lease_holder,
                             counters=write.counters, lease_free_at=write.lease_free_at, observe=write.observe,
                             callback_owner=owner_before, callbacks=moves)
        except store.DuplicateCall:
            log = store.get_log(call_id)
            if log is not None:
                return _replayed(user, snap, log, body_hash)
            continue
        except store.MarkersStale:
            count("CallWriteContended")
            markers = _marker_keys(snap.campaign.campaign_id, snap.target)
            continue
        except store.Contended:
            count("CallWriteContended")
            continue
        except store.ContactGone as exc:
            raise NotFound("the contact was erased", field="contact_id") from exc
        if lease_day is not None:  # another agent's or another day's live lease: taken off after the call
            campaign_store.clear_day_lease(lease_day[0], lease_day[1], campaign_id, contact_id)
        count("CallsRecorded")
        if write.log.late:
            count("LateCalls")
        followup.after_call(snap.campaign, snap.target, write.log.result)
        return 201, write.log.result, False
    raise Conflict("the call target changed while this call was being recorded; send it again",
                   code="contended")


def _marker_keys(campaign_id: str, target: campaign_store.TargetModel) -> list[tuple[str, str]]:
    """The counters whose figures decide a first connect or acknowledgement: the target's units."""
    return [counters.campaign_unit(campaign_id, u.unit_id)
            for u in campaign_rules.path_units(target.tree_key, target.role)]


def _lease_release(write: _Write, snap: store.Snapshot, username: str, today: str,
                   own_day: tuple[str, str]) -> tuple[str, str] | None:
    """The call ends the target's live lease (unless it only observes another agent's): take it off the
    holder's day item in the same transaction when that is the caller's item of today, read with the
    call (it must still name this contact); otherwise (day, holder) to clear after the call."""
    target = snap.target
    if write.observe or target is None or not target.lease_agent or not target.leased_at:
        return None
    lease_day = campaign_rules.ist_date(clock.parse_iso(target.leased_at))
    if target.lease_agent != username or lease_day != today:
        return lease_day, target.lease_agent
    item = snap.counters.get(own_day)
    if item is None or item.lease_contact != target.contact_id or item.lease_campaign != target.campaign_id:
        return None
    for counter in write.counters:
        if counter.key == own_day:
            counter.clear_lease = (target.campaign_id, target.contact_id)
            return None
    write.counters.append(store.CounterWrite(own_day, {}, {}, clear_lease=(target.campaign_id, target.contact_id)))
    return None


def _callback_moves(write: _Write, target: campaign_store.TargetModel) -> tuple[list[store.CallbackMove], str | None]:
    """How the call changes open callbacks: the target's callback before (owner, key) leaves its owner,
    the callback after (if any) joins its new owner at its time. With the owner before as the target's
    condition, a handover meanwhile makes the write read again."""
    if write.observe:
        return [], None
    key = counters.callback_key(target.campaign_id, target.contact_id)
    before = target.agent_key if target.status == "callback" and target.agent_key else None
    t = write.transition
    after = t.callback_agent if t.status == "callback" and t.callback_agent and t.due_at else None
    moves = []
    if before and before != after:
        moves.append(store.CallbackMove(before, key, None))
    if after and t.due_at:
        moves.append(store.CallbackMove(after, key, iso(t.due_at)))
    return moves, before


def _check_times(data: dict[str, Any], now: datetime) -> None:
    """Times checked against the clock: only for a call not recorded yet (a retry may come late)."""
    started, callback_at = data["started_at"], data.get("callback_at")
    if started > now + FUTURE_SLACK:
        raise ValidationError("started_at is in the future", field="started_at")
    if started < now - OLDEST_CALL:
        raise ValidationError("started_at is more than two days ago", field="started_at")
    if callback_at is not None and (callback_at <= now or callback_at > now + LONGEST_CALLBACK):
        raise ValidationError("callback_at must be in the next 30 days", field="callback_at")


def _replayed(user: Principal, snap: store.Snapshot, log: store.CallLogModel,
              body_hash: str) -> tuple[int, dict[str, Any], bool]:
    """A replay also runs what follows a call (escalation, sampling): each is done once, so a crash
    between the call's write and its follow-up heals when the client retries. Only the agent who
    recorded the call (or a supervisor) is answered: anyone else learns nothing and changes nothing."""
    if log.agent != user.username and not user.has(SUPERVISOR, ADMIN):
        raise Conflict("this call_id belongs to another call; make a new one", field="call_id",
                       code="call_id_taken")
    answer = _replay(log, body_hash)
    if snap.campaign is not None and snap.target is not None:
        followup.after_call(snap.campaign, snap.target, answer[1])
    return answer


def _replay(log: store.CallLogModel, body_hash: str) -> tuple[int, dict[str, Any], bool]:
    if log.body_hash != body_hash:
        raise Conflict("this call_id was already used for a different call", field="call_id",
                       code="call_id_reused")
    return 201, dict(log.result), True


class _Write:
    def __init__(self, log: store.CallLogModel, transition: rules.Transition, lease_holder: str | None,
                 writes: list[store.CounterWrite], *, lease_free_at: str | None = None, observe: bool = False) -> None:
        self.log, self.transition, self.lease_holder, self.counters = log, transition, lease_holder, writes
        self.lease_free_at, self.observe = lease_free_at, observe


def _plan(user: Principal, data: dict[str, Any], call_id: str, answers: dict[str, Any], body_hash: str,
          campaign: campaign_store.CampaignModel, target: campaign_store.TargetModel, now: Any,
          relay: dict[str, bool] | None = None,
          markers: dict[tuple[str, str], counters.CounterModel] | None = None) -> _Write:
    supervisor = user.has(SUPERVISOR)
    holds = target.lease_agent == user.username
    disposition, started = data["disposition"], data["started_at"]
    # A late call: the agent's lease lapsed before the call reached the server (a phone offline), and
    # the target may have moved on since. A call that really happened is recorded, as long as this
    # agent was handed this contact for it; anyone else is refused.
    late = not supervisor and (not holds or target.status in rules.FINAL)
    if late:
        since, until = rules.late_call_window(started, int(campaign.lease_minutes), LATE_GRACE, FUTURE_SLACK)
        if not store.was_handed(target.contact_id, user.username, campaign.campaign_id, iso(since), iso(until)):
            raise Conflict("you do not hold this call; ask for the next call", field="contact_id",
                           code="lease_not_held")
    now_s = iso(now)
    held_by_other = late and target.lease_agent not in (None, user.username) and (target.lease_until or "") > now_s
    ended = started + timedelta(seconds=data["duration_s"])
    owner = None
    if disposition == "callback_requested":
        owner = user.username if holds or not supervisor else target.lease_agent or (
            user.username if user.has(AGENT) else None)
    if held_by_other:
        transition = rules.late_on_held(disposition=disposition, status_before=target.status,
                                        attempts_before=int(target.attempts or 0), outcome_before=target.outcome)
    else:
        transition = rules.after_call(
            disposition=disposition, status_before=target.status, attempts_before=int(target.attempts or 0),
            max_attempts=int(campaign.max_attempts), retry_delay_minutes=int(campaign.retry_delay_minutes),
            ended_at=ended, callback_at=data.get("callback_at"), callback_agent=owner,
            outcome_before=target.outcome)
    day = campaign_rules.ist_date(started)
    units = campaign_rules.path_units(target.tree_key, target.role)
    connected = disposition == "connected"
    reached_before: dict[tuple[str, str], int] = {}
    received_before = 0
    assumed = connected and markers is None
    if connected:  # which units get their first connect with this call: from their markers, read on a
        # retry; the first try assumes none (each unit already reached) and states it as the condition
        keys = [counters.campaign_unit(campaign.campaign_id, u.unit_id) for u in units]
        known = markers or {}
        reached_before = {k: 1 if assumed else counters.figures(known.get(k))["connects"] for k in keys}
        if keys:  # the relay's first-acknowledgement marker: the contact's own unit
            received_before = 1 if assumed else counters.figures(known.get(keys[0]))["relay_received"]
    writes = _counter_writes(campaign.campaign_id, user.username, day, units, disposition,
                             data["duration_s"], transition.completes, reached_before,
                             relay=relay, received_before=received_before, at=iso(ended),
                             assumed=assumed, now=iso(now))
    if answers:
        _add_answer_tallies(writes, campaign, units, answers, markers)
    check = followup.verification_check(campaign, target, disposition, answers)
    if check is not None:  # a verification call: the report's verdict counted with the call, once
        writes += [store.CounterWrite(key, increments, labels) for key, increments, labels in check.counters]
    result = {
        "call_id": call_id, "campaign_id": campaign.campaign_id, "contact_id": target.contact_id,
        "agent": user.username, "disposition": disposition, "started_at": iso(started),
        "duration_s": data["duration_s"], "notes": data.get("notes") or None, "answers": answers,
        "callback_at": iso(data["callback_at"]) if data.get("callback_at") else None,
        "target": {"status": transition.status, "outcome": transition.outcome, "attempts": transition.attempts,
                   "next_attempt_at": iso(transition.due_at) if transition.due_at else None,
                   "callback_agent": transition.callback_agent},
    }
    if late:
        result["late"] = True
    if relay is not None:
        result["relay"] = relay
    if check is not None:
        result["verification"] = check.result
    log = store.CallLogModel(
        call_id, campaign_id=campaign.campaign_id, contact_id=target.contact_id, agent=user.username,
        agent_day=f"{user.username}#{day}", at_id=f"{iso(started)}#{call_id}", day=day, disposition=disposition,
        started_at=iso(started), duration_s=data["duration_s"], ended_at=iso(ended), notes=data.get("notes") or None,
        answers=answers or None, callback_at=result["callback_at"],
        contact_name=target.name_hi or target.name_en, body_hash=body_hash, result=result,
        recorded_at=iso(now), late=True if late else None,
    )
    if held_by_other:  # the other agent's lease stays exactly as it is
        return _Write(log, transition, target.lease_agent, writes, observe=True)
    if late:  # nobody holds it now (or the lease lapsed): the call moves the target on, as any call would
        return _Write(log, transition, None, writes, lease_free_at=now_s)
    return _Write(log, transition, None if supervisor else user.username, writes)


def _add_answer_tallies(writes: list[store.CounterWrite], campaign: campaign_store.CampaignModel,
                        units: list[campaign_rules.PathUnit], answers: dict[str, Any],
                        markers: dict[tuple[str, str], counters.CounterModel] | None) -> None:
    """The call's answer tallies on every unit of its path, all-time and day items (issue 19). A per-unit
    question counts when its marker is absent on the contact's own unit: the first try assumes it is
    there (stated as the condition), so the unit's first answer is refused once and written again with
    the markers read; racing first answers count once (the marker's `attribute_not_exists`). Number
    answers keep min/max on the all-time items (counters.Extreme)."""
    if not units:
        return
    questions = list(campaign.questions or [])
    cid = campaign.campaign_id
    own = counters.campaign_unit(cid, units[0].unit_id)
    known = markers or {}
    counted: set[str] = set()
    marks_new, marks_seen = [], []
    for i, q in enumerate(questions):
        if counters.per_of(q) != "unit" or q["id"] not in answers:
            continue
        name = counters.tally(i, "unit")
        if markers is not None and name not in counters.tallies_of(known.get(own)):
            marks_new.append(name)
            counted.add(q["id"])
        else:
            marks_seen.append(name)
    increments, numbers = counters.answer_increments(questions, answers, counted)
    all_time = {counters.campaign_unit(cid, u.unit_id) for u in units}
    for write in writes:
        if write.key in all_time:
            write.increments.update(increments)
            write.extremes = counters.extremes(numbers, known.get(write.key), markers is not None)
            if write.key == own:
                write.marks_new, write.marks_seen = marks_new, marks_seen
        elif write.key[0].startswith("d#") and write.key[1] == f"c#{cid}":  # the day's items of the path
            write.increments.update(increments)


def _counter_writes(campaign_id: str, agent: str, day: str, units: list[campaign_rules.PathUnit],
                    disposition: str, duration_s: int, completes: bool,
                    connects_before: dict[tuple[str, str], int], *, relay: dict[str, bool] | None = None,
                    received_before: int = 0, at: str | None = None, assumed: bool = False,
                    now: str | None = None) -> list[store.CounterWrite]:
    base = {"attempts": 1, f"d_{disposition}": 1, "talk_s": duration_s,
            "connects": 1 if disposition == "connected" else 0}
    first = [u for u in units if connects_before.get(counters.campaign_unit(campaign_id, u.unit_id)) == 0]
    writes = []
    for i, unit in enumerate(units):  # the contact's own unit first, the district last
        key = counters.campaign_unit(campaign_id, unit.unit_id)
        increments = {**base, "completed": 1 if completes else 0}
        for new in first:
            if units.index(new) <= i:  # a unit reached for the first time counts at itself and above
                increments[f"reached_{new.level}"] = increments.get(f"reached_{new.level}", 0) + 1
        first_received = False
        if relay and relay["received"]:  # the relay: facts at the contact's own unit, firsts above it
            if i == 0:
                increments["relay_received"] = 1
                increments["relay_passed_on"] = 1 if relay["passed_on"] else 0
                first_received = received_before == 0
            if received_before == 0:
                increments[f"received_{units[0].level}"] = 1
        labels = {"unit_id": unit.unit_id, "level": unit.level}
        last = {"last_connect_at": at} if at and disposition == "connected" else {}  # the escalation sweep's
        writes.append(store.CounterWrite(key, increments, {**labels, **last}, first_connect=unit in first,
                                         first_received=first_received, seen_connect=assumed,
                                         seen_received=assumed and i == 0 and bool(relay and relay["received"])))
        writes.append(store.CounterWrite(counters.day_unit(day, campaign_id, unit.unit_id), dict(base), labels))
    writes.append(store.CounterWrite(counters.day_agent(day, agent), dict(base),
                                     {"agent": agent, **({"last_active_at": now} if now else {})}))
    return writes


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

