"""PynamoDB models and queries for call logs, and the one transaction that records a call: the log,
the target, the contact (opt-out, wrong number) and every report counter it moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..campaigns import store as campaign_store
from ..campaigns.rules import queue_key, sort_at
from ..campaigns.store import CampaignModel, TargetModel
from ..core import db
from ..core.clock import iso
from ..core.errors import TooManyRequests
from ..core.paging import Page, PageRequest
from ..org.store import AuditModel, ContactModel, opt_out_actions, wrong_number_actions
from ..reporting.counters import (
    CounterModel,
    activity_update,
    add_actions,
    agent_callbacks,
    callback_remove,
    callback_set,
    extreme_update,
    flag_item,
    lease_clear_actions,
    marker_seen,
    marker_set,
    names_lease,
    unchanged,
)
from ..shifts import agent_store as shifts_store
from ..shifts import calling
from ..shifts.agent_store import AgentModel
from .contact_count import ContactWrite
from .counting import CounterWrite
from .plan import CallPlan, LogEntry
from .rules import Transition


class CallsByAgentDay(GlobalSecondaryIndex["CallLogModel"]):
    class Meta:
        index_name = "by_agent_day"
        projection = AllProjection()

    agent_day = UnicodeAttribute(hash_key=True)  # username#IST day
    at_id = UnicodeAttribute(range_key=True)  # started_at#call_id


class CallsByContact(GlobalSecondaryIndex["CallLogModel"]):
    class Meta:
        index_name = "by_contact"
        projection = AllProjection()

    contact_id = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


@db.table("calls")
class CallLogModel(Model):
    """One call attempt. Notes and answers are personal data: erased with the contact."""

    class Meta:
        table_name = "calls"

    call_id = UnicodeAttribute(hash_key=True)  # client-generated UUID: the idempotency key
    campaign_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    agent = UnicodeAttribute()
    agent_day = UnicodeAttribute()
    at_id = UnicodeAttribute()
    day = UnicodeAttribute()
    disposition = UnicodeAttribute()
    started_at = UnicodeAttribute()
    duration_s = NumberAttribute()
    ended_at = UnicodeAttribute()
    notes = UnicodeAttribute(null=True)
    answers = JSONAttribute(null=True)
    callback_at = UnicodeAttribute(null=True)
    contact_name = UnicodeAttribute(null=True)
    body_hash = UnicodeAttribute()
    result = JSONAttribute()  # what the request answered: replayed verbatim for a retry
    recorded_at = UnicodeAttribute()
    late = BooleanAttribute(null=True)  # recorded after the agent's lease on the target had lapsed
    leased_at = UnicodeAttribute(null=True)  # the target's lease as read (when it was handed): attendance
    by_agent_day = CallsByAgentDay()
    by_contact = CallsByContact()


# ---- reads ---------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What recording a call needs to read first, in one BatchGetItem (consistent)."""

    log: CallLogModel | None = None
    campaign: CampaignModel | None = None
    target: TargetModel | None = None
    counters: dict[tuple[str, str], CounterModel] = field(default_factory=dict)
    agents: dict[str, AgentModel] = field(default_factory=dict)
    settings: calling.CallingSettings = calling.DEFAULT  # the calling settings (the agent's day figures)
    contact: ContactModel | None = None  # its lock and day's count of calls (issue 20)


def batch_read(*, call_id: str, campaign_id: str, target: tuple[str, str], counters: list[tuple[str, str]],
               agents: list[str]) -> Snapshot:
    """The call's log (a retry), its campaign, target and contact, the counter items and agents named, and
    the calling settings: one BatchGetItem across tables (at most 100 keys), consistent, retrying unprocessed
    keys."""
    log_key: db.Key = (CallLogModel, call_id, None)
    contact_key = campaign_store.contact_item_key(target[1])
    keys = [log_key, campaign_store.campaign_key(campaign_id), campaign_store.target_key(*target)]
    keys += [campaign_store.counter_key(k) for k in counters] + [shifts_store.agent_key(a) for a in agents]
    keys.append(calling.calling_key())
    keys.append(contact_key)
    found: dict[db.Key, Any] = db.batch_get(keys)
    items = {k: found.get(campaign_store.counter_key(k)) for k in counters}
    people = {a: found.get(shifts_store.agent_key(a)) for a in agents}
    return Snapshot(found.get(log_key), found.get(keys[1]), found.get(keys[2]),
                    {k: v for k, v in items.items() if v is not None},
                    {a: v for a, v in people.items() if v is not None}, calling.calling_of(found),
                    found.get(contact_key))


def get_log(call_id: str) -> CallLogModel | None:
    try:
        return CallLogModel.get(call_id, consistent_read=True)
    except CallLogModel.DoesNotExist:
        return None


def calls_of_agent_day(agent: str, day: str, page: PageRequest) -> Page[CallLogModel]:
    result = CallLogModel.by_agent_day.query(f"{agent}#{day}", limit=page.limit, page_size=page.limit,
                                             last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def calls_of_contact(contact_id: str, page: PageRequest) -> Page[CallLogModel]:
    result = CallLogModel.by_contact.query(contact_id, scan_index_forward=False, limit=page.limit,
                                           page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def was_handed(contact_id: str, agent: str, campaign_id: str, since: str, until: str) -> bool:
    """Was `agent` handed this contact's number for this campaign between `since` and `until` (UTC ISO)?
    Every lease writes a `phone_revealed` entry to the contact's audit trail (campaigns/service.py), so
    this is one Query on the contact's trail over that span."""
    result = AuditModel.query(
        f"contact#{contact_id}", AuditModel.at_id.between(since, f"{until}~"),
        filter_condition=(AuditModel.actor == agent) & (AuditModel.action == "phone_revealed")
        & (AuditModel.detail == f"campaign:{campaign_id}"), limit=1, page_size=100)
    return any(True for _ in result)


AGENT_DAY_KEYS = ("call_id", "agent_day", "at_id")
CONTACT_KEYS = ("call_id", "contact_id", "at_id")


# ---- the recording transaction -------------------------------------------------------------


class DuplicateCall(Exception):
    """A log with this call_id exists already (a retry, or a reuse)."""


class Contended(Exception):
    """The target or a first-connect marker moved since it was read: read again and retry."""


class MarkersStale(Contended):
    """A counter was not as assumed or read (a first connect, a lease moved): read them and retry."""


class NoCallbacksMap(Exception):
    """An owner's open-callbacks map does not exist yet (made before it was kept): make it, retry."""


class ContactGone(Exception):
    """The contact was erased meanwhile."""


def target_actions(log: LogEntry, t: Transition) -> list[Action]:
    """The target after this call: attempts, status, when it may be called again and by whom; the
    lease released. Sparse index keys are set or removed so the target is in exactly the right lists."""
    campaign_id, contact_id = log.campaign_id, log.contact_id
    actions: list[Action] = [
        TargetModel.status.set(t.status), TargetModel.attempts.set(t.attempts),
        TargetModel.last_disposition.set(log.disposition), TargetModel.last_call_at.set(log.ended_at),
        TargetModel.last_agent.set(log.agent),
        TargetModel.lease_agent.remove(), TargetModel.lease_until.remove(), TargetModel.leased_at.remove(),
        TargetModel.outcome.set(t.outcome) if t.outcome else TargetModel.outcome.remove(),
        TargetModel.held.remove(), TargetModel.held_day.remove(),
    ]
    if log.notes:
        actions.append(TargetModel.last_notes.set(log.notes))
    due = iso(t.due_at) if t.due_at else None
    if t.status == "queued" and due:
        actions += [TargetModel.due_at.set(due), TargetModel.queue_key.set(queue_key(campaign_id, contact_id)),
                    TargetModel.queue_sort.set(sort_at(due, contact_id)), TargetModel.agent_key.remove(),
                    TargetModel.agent_sort.remove(), TargetModel.callback_at.remove()]
    elif t.status == "callback" and due and t.callback_agent:
        actions += [TargetModel.due_at.set(due), TargetModel.callback_at.set(due),
                    TargetModel.agent_key.set(t.callback_agent),
                    TargetModel.agent_sort.set(f"1#{due}#{campaign_id}#{contact_id}"),
                    TargetModel.queue_key.remove(), TargetModel.queue_sort.remove()]
    else:
        actions += [TargetModel.due_at.remove(), TargetModel.queue_key.remove(), TargetModel.queue_sort.remove(),
                    TargetModel.agent_key.remove(), TargetModel.agent_sort.remove(), TargetModel.callback_at.remove()]
    return actions


def observed_actions(log: LogEntry, t: Transition) -> list[Action]:
    """A late call on a target another agent holds now: counted on the target, which is otherwise
    left as it is (status, queue and the other agent's lease)."""
    actions: list[Action] = [TargetModel.attempts.set(t.attempts), TargetModel.last_disposition.set(log.disposition),
                             TargetModel.last_call_at.set(log.ended_at), TargetModel.last_agent.set(log.agent)]
    if log.notes:
        actions.append(TargetModel.last_notes.set(log.notes))
    return actions


def _log_item(log: LogEntry) -> CallLogModel:
    return CallLogModel(
        log.call_id, campaign_id=log.campaign_id, contact_id=log.contact_id, agent=log.agent,
        agent_day=f"{log.agent}#{log.day}", at_id=f"{log.started_at}#{log.call_id}", day=log.day,
        disposition=log.disposition, started_at=log.started_at, duration_s=log.duration_s, ended_at=log.ended_at,
        notes=log.notes, answers=log.answers, callback_at=log.callback_at, contact_name=log.contact_name,
        body_hash=log.body_hash, result=log.result, recorded_at=log.recorded_at, late=log.late,
        leased_at=log.leased_at)


def _target_condition(plan: CallPlan) -> Condition:
    """The target as read: status and attempts unchanged, and the lease still `lease_holder`'s; with
    `lease_free_at`, held live by nobody else at that time; the callback still its owner's."""
    condition: Condition = (TargetModel.status == plan.status_before) & (TargetModel.attempts == plan.attempts_before)
    if plan.lease_holder is not None:
        condition = condition & (TargetModel.lease_agent == plan.lease_holder)
    if plan.lease_free_at is not None:
        condition = condition & (TargetModel.lease_agent.does_not_exist()
                                 | (TargetModel.lease_until <= plan.lease_free_at)
                                 | (TargetModel.lease_agent == plan.log.agent))
    if plan.callback_owner is not None:
        condition = condition & (TargetModel.agent_key == plan.callback_owner)
    condition = condition & TargetModel.campaign_id.exists()
    return condition


def _counter_update(write: CounterWrite) -> tuple[list[Action], Condition | None]:
    """One counter's actions and its condition: a first connect or acknowledgement (none counted there
    yet), what the first try assumed, the lease the day item must still name, markers and extremes."""
    conditions: list[Condition] = []
    if write.first_connect:
        conditions.append(CounterModel.connects.does_not_exist() | (CounterModel.connects == 0))
    if write.first_received:
        conditions.append(CounterModel.relay_received.does_not_exist() | (CounterModel.relay_received == 0))
    if write.seen_connect:
        conditions.append(CounterModel.connects > 0)
    if write.seen_received:
        conditions.append(CounterModel.relay_received > 0)
    if write.clear_lease is not None:
        conditions.append(names_lease(*write.clear_lease))
    actions = add_actions(write.increments, write.labels)
    for name in write.marks_new:
        action, holds = marker_set(name)
        actions.append(action)
        conditions.append(holds)
    conditions += [marker_seen(name) for name in write.marks_seen]
    for extreme in write.extremes:
        action, holds = extreme_update(extreme)
        actions.append(action)
        conditions.append(holds)
    if write.clear_lease is not None:
        actions += lease_clear_actions()
    if write.activity is not None:  # the agent's day: the call as activity, the runs it keeps as read
        moved, holds = activity_update(write.activity)
        actions += moved
        conditions.append(holds)
    conditions += unchanged(write.expect)
    condition: Condition | None = None
    for extra in conditions:
        condition = extra if condition is None else condition & extra
    return actions, condition


def _contact_update(log: LogEntry, flag: str | None, contact: ContactWrite | None) -> tuple[list[Action], Condition]:
    """The contact's one update: an opt-out or a wrong number (`flag`), the day's count of calls to the
    person (conditional on the calls_day read) and the release of the caller's lock (conditional on it
    still being theirs). Empty actions: nothing to write."""
    actions: list[Action] = []
    condition: Condition = ContactModel.contact_id.exists()
    if flag:
        actions += opt_out_actions(log.recorded_at, f"call:{log.call_id}") if flag == "opt_out" \
            else wrong_number_actions(log.recorded_at)
    if contact is not None and contact.count_day is not None:
        if contact.seen_day == contact.count_day:
            actions.append(ContactModel.calls_n.add(1))
            condition = condition & (ContactModel.calls_day == contact.count_day)
        else:
            actions += [ContactModel.calls_day.set(contact.count_day), ContactModel.calls_n.set(1)]
            condition = condition & (ContactModel.calls_day.does_not_exist() if contact.seen_day is None
                                     else ContactModel.calls_day == contact.seen_day)
    if contact is not None and contact.release is not None:
        actions += [ContactModel.lock_agent.remove(), ContactModel.lock_campaign.remove(),
                    ContactModel.lock_until.remove()]
        condition = condition & (ContactModel.lock_agent == contact.release[0]) \
            & (ContactModel.lock_campaign == contact.release[1])
    return actions, condition


def write_call(plan: CallPlan, contact: ContactWrite | None = None) -> None:
    """Everything one call changes, in one transaction: the log (new: the idempotency), the target
    (as read: _target_condition), the contact (opt-out or wrong number, the day's count of calls to the
    person, the caller's lock released: _contact_update with `contact`), the counters (with their
    conditions: _counter_update) and the open callbacks it moves (idempotent map writes). `observe`:
    a late call on a target another agent holds, which only counts the attempt on it (observed_actions).
    `call_id` is the client request token, so a retry of the same transaction within ten minutes is
    a no-op success in DynamoDB."""
    log, flag = plan.log, plan.transition.contact_flag
    target_update = observed_actions(log, plan.transition) if plan.observe else target_actions(log, plan.transition)
    contact_actions, contact_condition = _contact_update(log, flag, contact)
    try:
        with db.transaction(log.call_id) as tx:
            tx.save(_log_item(log), condition=CallLogModel.call_id.does_not_exist())
            tx.update(TargetModel(log.campaign_id, log.contact_id), actions=target_update,
                      condition=_target_condition(plan))
            if contact_actions:  # the second update: _refusal finds it there
                tx.update(ContactModel(log.contact_id), actions=contact_actions, condition=contact_condition,
                          return_values="ALL_OLD")
            for write in plan.counters:
                actions, condition = _counter_update(write)
                tx.update(CounterModel(*write.key), actions=actions, condition=condition)
            for move in plan.callbacks:
                tx.update(CounterModel(*agent_callbacks(move.owner)),
                          actions=[callback_set(move.key, move.at) if move.at else callback_remove(move.key)])
            if plan.flag is not None:  # a flagged call, listed for the supervisors (once: the log's condition)
                tx.save(flag_item(*plan.flag))
    except TransactWriteError as exc:
        # the items in the order sent: condition checks, deletes, puts (the log first), then the updates
        # in the order added (the target, the contact's if any, the counters, the callbacks)
        first_update = len(tx._condition_check_items) + len(tx._delete_items) + len(tx._put_items)
        raise _refusal(exc, first_update, bool(contact_actions), bool(plan.callbacks)) from exc


def _refusal(exc: TransactWriteError, first_update: int, contact_update: bool, callbacks: bool) -> Exception:
    """Why the transaction was cancelled, from its reasons in order: the log (a duplicate call), the
    target (the first update), the contact (the second, when written: erased, or its count or lock
    moved since it was read), then the counters."""
    codes = db.cancellation_codes(exc)
    code = db.error_code(exc)
    if codes and codes[0] == "ConditionalCheckFailed":
        return DuplicateCall()
    if code in ("IdempotentParameterMismatchException", "IdempotentParameterMismatch"):
        return DuplicateCall()
    if code == "TransactionInProgressException":
        return TooManyRequests("this call is being recorded; retry in a moment")
    if code == "ValidationException" and callbacks:
        return NoCallbacksMap()
    contact_at = first_update + 1
    if contact_update and len(codes) > contact_at and codes[contact_at] == "ConditionalCheckFailed":
        reason = exc.cancellation_reasons[contact_at]
        return ContactGone() if reason is None or not reason.raw_item else Contended()
    if "ConditionalCheckFailed" in codes[contact_at + contact_update:]:
        return MarkersStale()
    if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
        return Contended()
    return db.translate(exc)


# ---- erasure -------------------------------------------------------------------------------


def call_ids_of_contact(contact_id: str) -> list[str]:
    return [c.call_id for c in CallLogModel.by_contact.query(contact_id, page_size=100,
                                                            attributes_to_get=["call_id"])]


def delete_logs(call_ids: list[str]) -> None:
    with CallLogModel.batch_write() as batch:
        for call_id in call_ids:
            batch.delete(CallLogModel(call_id))
