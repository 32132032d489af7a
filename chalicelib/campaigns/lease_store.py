"""The lease of the next call and what goes with it (campaigns/leasing.py, pacing.py): the lease in one
transaction (the target, the contact's check, the audit of the phone's reveal, the pacing window, the
agent's day item), a target closed because its contact must not be called, and a pacing slow-down.
PynamoDB; it speaks in the app's errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ..core import db
from ..org.store import AuditModel, ContactModel
from ..reporting.activity import Step
from ..reporting.counters import (
    CounterModel,
    activity_condition,
    add_actions,
    callback_key,
    callback_remove,
    day_agent,
    day_pacing,
    ensure_callbacks_map,
    lease_actions,
)
from .models import TargetModel
from .rules import sort_at
from .store import agent_callbacks_key


def _lease_actions(campaign_id: str, contact_id: str, agent: str, now: str, until: str,
                   queued: bool) -> list[Action]:
    actions: list[Action] = [TargetModel.lease_agent.set(agent), TargetModel.lease_until.set(until),
               TargetModel.leased_at.set(now), TargetModel.due_at.set(until),
               TargetModel.agent_key.set(agent), TargetModel.agent_sort.set(f"0#{campaign_id}#{contact_id}"),
               TargetModel.held.remove(), TargetModel.held_day.remove()]
    if queued:  # an unrecorded lease comes back to the queue by itself once it expires
        actions.append(TargetModel.queue_sort.set(sort_at(until, contact_id)))
    return actions


@dataclass
class Lease:
    """One lease to write: `how` is renewed (the agent's live lease, again), callback (the agent's due
    callback, or its own expired lease on one), or queue (a queued target that is due)."""

    target: TargetModel  # as read, consistently, in this request
    contact: ContactModel  # as read: the phone shown is checked unchanged in the transaction
    agent: str
    how: str
    now: str
    until: str
    day_key: tuple[str, str]  # the agent's day item: the live lease for the board
    audit_at_id: str
    pace: tuple[tuple[str, str], int, int] | None = None  # (window key, max leases, expires_at): new contacts
    ensure_callbacks: tuple[str, str] | None = None  # the agent's callbacks item, when it has no map yet
    activity: Step | None = None  # the lease as the day's activity, from the day item as read (attendance)
    day: str = ""  # the IST day of `now`: the daily cap counts the contact's calls of this day
    cap: int = 2  # calls to one person per IST day (shifts/calling.py daily_call_cap)
    seen: ContactModel | None = None  # after LOCKED or CAPPED: the contact as the transaction found it


LEASED, LOST, CONTACT_CHANGED, TOO_FAST = "leased", "lost", "contact_changed", "too_fast"
LOCKED, CAPPED = "locked", "capped"  # another agent holds the person (any campaign); called up to the cap today
CAP_FREE = ("callback", "renewed")  # leases the daily cap does not stop: a callback asked for, a renewal


def locked_by_other(contact: ContactModel, agent: str, now: str) -> bool:
    """Does another agent's live lease hold this person (in any campaign)?"""
    return bool(contact.lock_agent and contact.lock_agent != agent and (contact.lock_until or "") > now)


def at_cap(contact: ContactModel, day: str, cap: int) -> bool:
    """Has this person been called `cap` times on the IST `day` (all campaigns, callbacks asked for not counted)?"""
    return contact.calls_day == day and int(contact.calls_n or 0) >= cap


def _contact_lock(lease: Lease) -> tuple[list[Action], Condition]:
    """The contact's part of the lease: the lock set (this agent, this campaign, until the lease ends) on
    condition that the contact may be called (there, not opted out, not a wrong number, the phone shown
    unchanged), that no other agent's live lease holds it, and (unless CAP_FREE) that it is below the cap."""
    contact, agent, now = lease.contact, lease.agent, lease.now
    actions: list[Action] = [ContactModel.lock_agent.set(agent),
                             ContactModel.lock_campaign.set(lease.target.campaign_id),
                             ContactModel.lock_until.set(lease.until)]
    condition = (ContactModel.contact_id.exists()
                 & (ContactModel.opted_out.does_not_exist() | (ContactModel.opted_out == False))  # noqa: E712
                 & (ContactModel.wrong_number.does_not_exist() | (ContactModel.wrong_number == False))  # noqa: E712
                 & (ContactModel.phone == contact.phone)
                 & (ContactModel.lock_until.does_not_exist() | (ContactModel.lock_until <= now)
                    | (ContactModel.lock_agent == agent)))
    if lease.how not in CAP_FREE:
        condition = condition & (ContactModel.calls_day.does_not_exist() | (ContactModel.calls_day != lease.day)
                                 | ContactModel.calls_n.does_not_exist() | (ContactModel.calls_n < lease.cap))
    return actions, condition


def _contact_refusal(lease: Lease, raw: dict[str, Any] | None) -> str:
    """Why the contact's condition failed, from the item as the transaction found it (ALL_OLD)."""
    if not raw:
        return CONTACT_CHANGED
    seen = ContactModel.from_raw_data(raw)
    if seen.opted_out or seen.wrong_number or seen.phone != lease.contact.phone:
        return CONTACT_CHANGED
    lease.seen = seen
    if locked_by_other(seen, lease.agent, lease.now):
        return LOCKED
    if lease.how not in CAP_FREE and at_cap(seen, lease.day, lease.cap):
        return CAPPED
    return CONTACT_CHANGED


def _target_lease(lease: Lease) -> tuple[list[Action], Condition]:
    t, agent, now, until = lease.target, lease.agent, lease.now, lease.until
    if lease.how == "renewed":
        actions: list[Action] = [TargetModel.lease_until.set(until), TargetModel.due_at.set(until)]
        if t.status == "queued":
            actions.append(TargetModel.queue_sort.set(sort_at(until, t.contact_id)))
        condition = ((TargetModel.status == t.status) & (TargetModel.lease_agent == agent)
                     & (TargetModel.lease_until > now))
    elif lease.how == "callback":
        actions = _lease_actions(t.campaign_id, t.contact_id, agent, now, until, False)
        condition = (TargetModel.status == "callback") & (TargetModel.agent_key == agent) & (TargetModel.due_at <= now)
    else:
        actions = _lease_actions(t.campaign_id, t.contact_id, agent, now, until, True)
        condition = ((TargetModel.status == "queued") & (TargetModel.due_at <= now)
                     & (TargetModel.exclude_agent.does_not_exist() | (TargetModel.exclude_agent != agent)))
    return actions, condition & TargetModel.campaign_id.exists()


def lease(lease: Lease) -> str:
    """The lease in one transaction: the target (its condition: still free for this agent), the
    contact's lock (_contact_lock: one person, one call at a time across campaigns, and the daily cap),
    the audit entry of the phone's reveal, the pacing window's count (a new contact: below the limit), the
    agent's live lease on their day item (the board), and an empty callbacks map if the agent has none.
    LEASED, or why not: LOST (the target moved: another agent, a call, a handover), CONTACT_CHANGED
    (opted out, wrong number, erased or a new phone meanwhile: read the contact again), LOCKED (another
    agent holds the person, `lease.seen`), CAPPED (called up to the cap today, `lease.seen`), TOO_FAST."""
    t, contact = lease.target, lease.contact
    target_actions, target_condition = _target_lease(lease)
    contact_actions, contact_condition = _contact_lock(lease)
    audit = AuditModel(f"contact#{contact.contact_id}", lease.audit_at_id, actor=lease.agent, action="phone_revealed",
                       detail=f"campaign:{t.campaign_id}")
    try:
        with db.transaction() as tx:  # order of the cancellation reasons: the put, then the updates as added
            tx.save(audit, condition=AuditModel.subject.does_not_exist())
            tx.update(ContactModel(contact.contact_id), actions=contact_actions, condition=contact_condition,
                      return_values="ALL_OLD")
            tx.update(TargetModel(t.campaign_id, t.contact_id), actions=target_actions, condition=target_condition)
            if lease.pace is not None:
                key, max_leases, expires_at = lease.pace
                tx.update(CounterModel(*key), actions=[CounterModel.leases.add(1),
                                                       CounterModel.expires_at.set(expires_at)],
                          condition=CounterModel.leases.does_not_exist() | (CounterModel.leases < max_leases))
            tx.update(CounterModel(*lease.day_key), actions=lease_actions(
                agent=lease.agent, campaign_id=t.campaign_id, contact_id=t.contact_id, name_hi=t.name_hi,
                name_en=t.name_en, leased_at=lease.now, until=lease.until, activity=lease.activity),
                condition=activity_condition(lease.activity) if lease.activity is not None else None)
            if lease.ensure_callbacks is not None:
                tx.update(CounterModel(*lease.ensure_callbacks), actions=[ensure_callbacks_map()])
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if not codes:
            raise db.translate(exc) from exc
        if len(codes) > 2 and codes[1] == "ConditionalCheckFailed":  # the contact's (updates: in the order added)
            reason = exc.cancellation_reasons[1]
            why = _contact_refusal(lease, reason.raw_item if reason else None)
            return why if why == CONTACT_CHANGED or codes[2] in (None, "None") else LOST
        if len(codes) > 3 and lease.pace is not None and codes[3] == "ConditionalCheckFailed":
            return TOO_FAST
        if any(code not in (None, "None") for code in codes):
            return LOST
        raise db.translate(exc) from exc
    t.lease_agent, t.lease_until = lease.agent, lease.until
    if lease.how != "renewed":
        t.leased_at = lease.now
    return LEASED


CLOSE_REMOVE = ("due_at", "queue_key", "queue_sort", "agent_key", "agent_sort", "lease_agent", "lease_until",
                "leased_at")


def close_skipped(target: TargetModel, agent: str, outcome: str, at: str, counter_keys: list[tuple[str, str]],
                  callback_owner: str | None = None) -> bool:
    """Close a target that must not be called (opted out, wrong number, erased), count it completed,
    and (`callback_owner`, whose callbacks map exists) take the callback off that agent's open
    callbacks, in one transaction. The target must be as read: its status, and no other agent's live
    lease. False if it moved meanwhile."""
    if target.status not in ("queued", "callback"):
        return False
    actions: list[Action] = [TargetModel.status.set("closed"), TargetModel.outcome.set(outcome),
                             TargetModel.last_call_at.set(TargetModel.last_call_at | at)]
    actions += [getattr(TargetModel, name).remove() for name in CLOSE_REMOVE]
    condition = (TargetModel.status == target.status) & (
        TargetModel.lease_agent.does_not_exist() | (TargetModel.lease_agent == agent) | (TargetModel.lease_until <= at))
    try:
        with db.transaction() as tx:
            tx.update(TargetModel(target.campaign_id, target.contact_id), actions=actions, condition=condition)
            for pk, sk in counter_keys:
                tx.update(CounterModel(pk, sk), actions=add_actions({"completed": 1}))
            if callback_owner:
                tx.update(CounterModel(*agent_callbacks_key(callback_owner)),
                          actions=[callback_remove(callback_key(target.campaign_id, target.contact_id))])
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    return True


HELD_CALLED_TODAY = "called_today"


def hold_target(target: TargetModel, day: str, until: str, now: str, counter_keys: list[tuple[str, str]]) -> bool:
    """Hold a queued, due target whose contact was called up to the daily cap on `day` (IST): due again at
    `until` (the start of the next IST day), `held` = called_today and `held_day` = `day`, and one more
    held target on each of `counter_keys` (the day's counter items of its units: progress shows them), in
    one transaction. Conditional on the target still queued and due (no live lease): held once. False if
    it moved meanwhile."""
    actions: list[Action] = [TargetModel.due_at.set(until),
                             TargetModel.queue_sort.set(sort_at(until, target.contact_id)),
                             TargetModel.held.set(HELD_CALLED_TODAY), TargetModel.held_day.set(day)]
    condition = ((TargetModel.status == "queued") & (TargetModel.due_at <= now) & TargetModel.queue_key.exists())
    try:
        with db.transaction() as tx:
            tx.update(TargetModel(target.campaign_id, target.contact_id), actions=actions, condition=condition)
            for pk, sk in counter_keys:
                tx.update(CounterModel(pk, sk), actions=add_actions({"held": 1}))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    target.due_at, target.held, target.held_day = until, HELD_CALLED_TODAY, day
    return True


# ---- pacing (chalicelib/campaigns/pacing.py) ------------------------------------------------


def record_slowdown(agent: str, window_key: tuple[str, str], expires_at: int, day: str, at: str,
                    detail: str, audit_at_id: str) -> bool:
    """The first refusal in a pacing window, in one transaction: the window marked slowed (only if it
    was not), one more slow-down on the agent's day (the board) and on the agent's day item (`paced`:
    the performance figures), and the audit entry. False if the window was already marked (a later
    refusal in it writes nothing)."""
    try:
        with db.transaction() as tx:
            tx.save(AuditModel(f"agent#{agent}", audit_at_id, actor=agent, action="pacing_slowed", detail=detail),
                    condition=AuditModel.subject.does_not_exist())
            tx.update(CounterModel(*window_key), actions=[CounterModel.slowed.set(1),
                      CounterModel.expires_at.set(expires_at)], condition=CounterModel.slowed.does_not_exist())
            tx.update(CounterModel(*day_pacing(day, agent)),
                      actions=add_actions({"slowed": 1}, {"agent": agent, "slowed_at": at}))
            tx.update(CounterModel(*day_agent(day, agent)), actions=add_actions({"paced": 1}, {"agent": agent}))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    return True
