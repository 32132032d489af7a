"""The plan of one recorded call (`CallPlan`): the log, what the call does to its target, the conditions
the target must still meet, and every report counter it moves, built by pure rules from what was read
(calls/service.py reads, calls/store.py writes the plan in one transaction; the counters part is
calls/counting.py). No AWS, no Chalice.

A late call (the agent's lease lapsed before the call reached the server: a phone offline) is recorded
as long as this agent was handed this contact for it (the service checks that first); on a target
another agent holds now it only counts the attempt (`observe`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..campaigns import rules as campaign_rules
from ..core.clock import iso, parse_iso
from ..reporting import counters
from ..shifts.calling import DEFAULT as DEFAULT_CALLING
from ..shifts.calling import CallingSettings
from . import rules
from .counting import (
    CallFacts,
    CallPath,
    Counted,
    CounterWrite,
    Firsts,
    add_to,
    agent_day,
    answer_tallies,
    counter_writes,
    write_for,
)


@dataclass(frozen=True)
class Caller:
    username: str
    supervisor: bool
    agent: bool


@dataclass(frozen=True)
class Call:
    """One call as the client sent it, validated."""

    call_id: str
    caller: Caller
    disposition: str
    started_at: datetime
    duration_s: int
    notes: str | None
    callback_at: datetime | None
    answers: dict[str, Any]
    relay: dict[str, bool] | None
    body_hash: str

    @property
    def ended_at(self) -> datetime:
        return self.started_at + timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class CallbackMove:
    """One change to an agent's open callbacks: `at` set under `key`, or (at None) the key removed."""

    owner: str
    key: str
    at: str | None


@dataclass(frozen=True)
class LogEntry:
    """The call log as it is stored (the store derives its index keys)."""

    call_id: str
    campaign_id: str
    contact_id: str
    agent: str
    day: str  # the IST day the call started
    disposition: str
    started_at: str
    duration_s: int
    ended_at: str
    notes: str | None
    answers: dict[str, Any] | None
    callback_at: str | None
    contact_name: str | None
    body_hash: str
    result: dict[str, Any]  # what the request answers: replayed verbatim for a retry
    recorded_at: str
    late: bool | None
    leased_at: str | None = None  # the target's leased_at as read (attendance recomputed from the logs)


@dataclass
class CallPlan:
    """Everything one call changes, and the state it relies on: the target as read (status, attempts;
    the lease still `lease_holder`'s; with `lease_free_at`, held live by nobody else then; the callback
    still `callback_owner`'s), the counters with their conditions, and the open callbacks it moves."""

    log: LogEntry
    transition: rules.Transition
    status_before: str
    attempts_before: int
    counters: list[CounterWrite]
    lease_holder: str | None = None
    lease_free_at: str | None = None
    observe: bool = False  # a late call on a target another agent holds: only the attempt is counted on it
    callback_owner: str | None = None
    callbacks: list[CallbackMove] = field(default_factory=list)
    flag: tuple[tuple[str, str], dict[str, Any]] | None = None  # a flagged call's item (key, attributes)


# ---- the plan --------------------------------------------------------------------------------


def is_late(caller: Caller, target: Any) -> bool:
    """Not the agent's live lease (or the target finished meanwhile): the call must have been handed to
    this agent (rules.late_call_window) to be theirs. A supervisor's call is never late."""
    return not caller.supervisor and (target.lease_agent != caller.username or target.status in rules.FINAL)


def plan_call(call: Call, campaign: Any, target: Any, now: datetime,
              markers: dict[tuple[str, str], Any] | None, verification: Any = None,
              read: Mapping[tuple[str, str], Any] | None = None, settings: CallingSettings | None = None) -> CallPlan:
    """The plan of `call` on `target` as read. `markers`: the counter items read on a retry (None on the
    first try); `verification`: follow-up's verdict of a verification call (its result and counters);
    `read`: the counter items read with the call (the agent's day items: today's, and the call's day's when
    it started on another day) and `settings` the calling settings, for the agent's day figures."""
    late, now_s = is_late(call.caller, target), iso(now)
    held_by_other = late and target.lease_agent not in (None, call.caller.username) \
        and (target.lease_until or "") > now_s
    transition = _transition(call, campaign, target, held_by_other)
    path = CallPath(campaign.campaign_id, call.caller.username, campaign_rules.ist_date(call.started_at),
                    campaign_rules.path_units(target.tree_key, target.role))
    counted = Counted(call.disposition, call.duration_s, transition.completes, call.relay, iso(call.ended_at))
    writes = counter_writes(path, counted, _firsts(call, path, markers))
    if call.answers:
        answer_tallies(writes, path, list(campaign.questions or []), call.answers, markers)
    if verification is not None:  # a verification call: the report's verdict counted with the call, once
        for key, increments, labels in verification.counters:
            write = write_for(writes, key)
            add_to(write, increments)
            write.labels.update(labels)
    owned = target.status == "callback" and target.agent_key == call.caller.username and target.callback_at
    facts = CallFacts(call.disposition, call.duration_s, call.started_at, call.answers or None,
                      len(campaign.questions or []), target.callback_at if owned else None)
    reasons = agent_day(writes, path, facts, settings or DEFAULT_CALLING, read or {}, campaign_rules.ist_date(now),
                        now_s)
    result = _result(call, target, transition, late, verification)
    log = LogEntry(call.call_id, campaign.campaign_id, target.contact_id, call.caller.username, path.day,
                   call.disposition, iso(call.started_at), call.duration_s, iso(call.ended_at), call.notes or None,
                   call.answers or None, result["callback_at"], target.name_hi or target.name_en, call.body_hash,
                   result, now_s, True if late else None, target.leased_at)
    plan = CallPlan(log, transition, target.status, int(target.attempts or 0), writes)
    if reasons:
        plan.flag = (counters.flag_key(path.day, log.started_at, call.call_id), {
            "agent": call.caller.username, "campaign_id": campaign.campaign_id, "contact_id": target.contact_id,
            "call_id": call.call_id, "disposition": call.disposition, "duration_s": call.duration_s,
            "started_at": log.started_at, "reasons": reasons, "name_hi": target.name_hi, "name_en": target.name_en})
    if held_by_other:  # the other agent's lease stays exactly as it is
        plan.lease_holder, plan.observe = target.lease_agent, True
    elif late:  # nobody holds it now (or the lease lapsed): the call moves the target on, as any call would
        plan.lease_free_at = now_s
    else:
        plan.lease_holder = None if call.caller.supervisor else call.caller.username
    return plan


def _transition(call: Call, campaign: Any, target: Any, held_by_other: bool) -> rules.Transition:
    caller, attempts = call.caller, int(target.attempts or 0)
    if held_by_other:
        return rules.late_on_held(disposition=call.disposition, status_before=target.status,
                                  attempts_before=attempts, outcome_before=target.outcome)
    owner = None
    if call.disposition == "callback_requested":
        holds = target.lease_agent == caller.username
        owner = caller.username if holds or not caller.supervisor else target.lease_agent or (
            caller.username if caller.agent else None)
    return rules.after_call(
        disposition=call.disposition, status_before=target.status, attempts_before=attempts,
        max_attempts=int(campaign.max_attempts), retry_delay_minutes=int(campaign.retry_delay_minutes),
        ended_at=call.ended_at, callback_at=call.callback_at, callback_agent=owner, outcome_before=target.outcome)


def _firsts(call: Call, path: CallPath, markers: dict[tuple[str, str], Any] | None) -> Firsts:
    """Which units get their first connect with this call: from their markers, read on a retry; the
    first try assumes none (each unit already reached) and states it as the condition."""
    if call.disposition != "connected":
        return Firsts({})
    assumed = markers is None
    keys = [counters.campaign_unit(path.campaign_id, u.unit_id) for u in path.units]
    known = markers or {}
    before = {k: 1 if assumed else counters.figures(known.get(k))["connects"] for k in keys}
    received = 0
    if keys:  # the relay's first-acknowledgement marker: the contact's own unit
        received = 1 if assumed else counters.figures(known.get(keys[0]))["relay_received"]
    return Firsts(before, received, assumed)


def _result(call: Call, target: Any, transition: rules.Transition, late: bool,
            verification: Any) -> dict[str, Any]:
    result = {
        "call_id": call.call_id, "campaign_id": target.campaign_id, "contact_id": target.contact_id,
        "agent": call.caller.username, "disposition": call.disposition, "started_at": iso(call.started_at),
        "duration_s": call.duration_s, "notes": call.notes or None, "answers": call.answers,
        "callback_at": iso(call.callback_at) if call.callback_at else None,
        "target": {"status": transition.status, "outcome": transition.outcome, "attempts": transition.attempts,
                   "next_attempt_at": iso(transition.due_at) if transition.due_at else None,
                   "callback_agent": transition.callback_agent},
    }
    if late:
        result["late"] = True
    if call.relay is not None:
        result["relay"] = call.relay
    if verification is not None:
        result["verification"] = verification.result
    return result


# ---- what the call ends: the lease on the day item, the callback ------------------------------------


def release_lease(plan: CallPlan, target: Any, own_day_item: Any, caller: str, today: str,
                  own_day: tuple[str, str]) -> tuple[str, str] | None:
    """The call ends the target's live lease (unless it only observes another agent's): take it off the
    holder's day item in the same transaction when that is the caller's item of today, read with the
    call (it must still name this contact); otherwise (day, holder) to clear after the call."""
    if plan.observe or target is None or not target.lease_agent or not target.leased_at:
        return None
    lease_day = campaign_rules.ist_date(parse_iso(target.leased_at))
    if target.lease_agent != caller or lease_day != today:
        return lease_day, target.lease_agent
    item = own_day_item
    if item is None or item.lease_contact != target.contact_id or item.lease_campaign != target.campaign_id:
        return None
    for counter in plan.counters:
        if counter.key == own_day:
            counter.clear_lease = (target.campaign_id, target.contact_id)
            return None
    plan.counters.append(CounterWrite(own_day, {}, {}, clear_lease=(target.campaign_id, target.contact_id)))
    return None


def move_callbacks(plan: CallPlan, target: Any) -> None:
    """How the call changes open callbacks: the target's callback before (owner, key) leaves its owner,
    the callback after (if any) joins its new owner at its time. With the owner before as the target's
    condition, a handover meanwhile makes the write read again."""
    if plan.observe:
        return
    key = counters.callback_key(target.campaign_id, target.contact_id)
    before = target.agent_key if target.status == "callback" and target.agent_key else None
    t = plan.transition
    after = t.callback_agent if t.status == "callback" and t.callback_agent and t.due_at else None
    if before and before != after:
        plan.callbacks.append(CallbackMove(before, key, None))
    if after and t.due_at:
        plan.callbacks.append(CallbackMove(after, key, iso(t.due_at)))
    plan.callback_owner = before
