"""PynamoDB models and queries for call logs, and the one transaction that records a call: the log,
the target, the contact (opt-out, wrong number) and every report counter it moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import GetError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..campaigns.rules import queue_key, sort_at
from ..campaigns.store import CampaignModel, TargetModel
from ..core import db
from ..core.clock import iso
from ..core.errors import TooManyRequests
from ..core.paging import Page, PageRequest
from ..org.store import AuditModel, ContactModel, UnitModel, opt_out_actions, wrong_number_actions
from ..reporting.counters import (
    CounterModel,
    Extreme,
    add_actions,
    agent_callbacks,
    callback_remove,
    callback_set,
    extreme_update,
    lease_clear_actions,
    marker_seen,
    marker_set,
    names_lease,
    raw_key,
)
from ..shifts.store import AgentModel
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
    units: dict[str, UnitModel] = field(default_factory=dict)
    agents: dict[str, AgentModel] = field(default_factory=dict)


def batch_read(*, call_id: str | None = None, campaign_id: str | None = None,
               target: tuple[str, str] | None = None, counters: list[tuple[str, str]] | None = None,
               units: list[str] | None = None, agents: list[str] | None = None) -> Snapshot:
    """One BatchGetItem across tables (at most 100 keys), retrying unprocessed keys."""
    wanted: dict[str, tuple[type[Model], list[dict[str, Any]]]] = {}

    def want(model: type[Model], key: dict[str, Any]) -> None:
        wanted.setdefault(model.Meta.table_name, (model, []))[1].append(key)

    if call_id:
        want(CallLogModel, {"call_id": {"S": call_id}})
    if campaign_id:
        want(CampaignModel, {"campaign_id": {"S": campaign_id}})
    if target:
        want(TargetModel, {"campaign_id": {"S": target[0]}, "contact_id": {"S": target[1]}})
    for key in dict.fromkeys(counters or []):
        want(CounterModel, raw_key(key))
    for unit_id in dict.fromkeys(units or []):
        want(UnitModel, {"unit_id": {"S": unit_id}})
    for username in dict.fromkeys(agents or []):
        want(AgentModel, {"username": {"S": username}})
    snap = Snapshot()
    request = {name: {"Keys": keys, "ConsistentRead": True} for name, (_, keys) in wanted.items()}
    models = {name: model for name, (model, _) in wanted.items()}
    for _ in range(5):
        if not request:
            return snap
        try:
            response = db.connection().dispatch("BatchGetItem", {"RequestItems": request})
        except (BotoCoreError, ClientError) as exc:
            raise db.translate(GetError("batch get failed", exc)) from exc
        for name, items in response.get("Responses", {}).items():
            for raw in items:
                _place(snap, models[name].from_raw_data(raw))
        request = response.get("UnprocessedKeys") or {}
    raise TooManyRequests("the database is busy; retry in a moment")


def _place(snap: Snapshot, item: Model) -> None:
    if isinstance(item, CallLogModel):
        snap.log = item
    elif isinstance(item, CampaignModel):
        snap.campaign = item
    elif isinstance(item, TargetModel):
        snap.target = item
    elif isinstance(item, CounterModel):
        snap.counters[(item.pk, item.sk)] = item
    elif isinstance(item, UnitModel):
        snap.units[item.unit_id] = item
    elif isinstance(item, AgentModel):
        snap.agents[item.username] = item


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


@dataclass
class CounterWrite:
    key: tuple[str, str]
    increments: dict[str, Any]  # figure -> amount (answer sums may be decimals)
    labels: dict[str, str] = field(default_factory=dict)
    first_connect: bool = False  # condition: no connect counted here yet (exact coverage)
    first_received: bool = False  # condition: no relay acknowledgement counted here yet (chalicelib/relay)
    seen_connect: bool = False  # condition: a connect is counted here already (assumed without reading)
    seen_received: bool = False  # condition: an acknowledgement is counted here already (assumed)
    clear_lease: tuple[str, str] | None = None  # (campaign, contact): the live lease to take off this day item
    extremes: list[Extreme] = field(default_factory=list)  # number answers' min/max (conditioned)
    marks_new: list[str] = field(default_factory=list)  # per-unit markers set now (condition: absent)
    marks_seen: list[str] = field(default_factory=list)  # per-unit markers assumed there (condition: present)


@dataclass(frozen=True)
class CallbackMove:
    """One change to an agent's open callbacks: `at` set under `key`, or (at None) the key removed."""

    owner: str
    key: str
    at: str | None


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


def target_actions(log: CallLogModel, t: Transition, notes: str | None) -> list[Action]:
    """The target after this call: attempts, status, when it may be called again and by whom; the
    lease released. Sparse index keys are set or removed so the target is in exactly the right lists."""
    campaign_id, contact_id = log.campaign_id, log.contact_id
    ended = log.ended_at
    actions: list[Action] = [
        TargetModel.status.set(t.status), TargetModel.attempts.set(t.attempts),
        TargetModel.last_disposition.set(log.disposition), TargetModel.last_call_at.set(ended),
        TargetModel.last_agent.set(log.agent),
        TargetModel.lease_agent.remove(), TargetModel.lease_until.remove(), TargetModel.leased_at.remove(),
        TargetModel.outcome.set(t.outcome) if t.outcome else TargetModel.outcome.remove(),
    ]
    if notes:
        actions.append(TargetModel.last_notes.set(notes))
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


def observed_actions(log: CallLogModel, t: Transition, notes: str | None) -> list[Action]:
    """A late call on a target another agent holds now: counted on the target, which is otherwise
    left as it is (status, queue and the other agent's lease)."""
    actions: list[Action] = [TargetModel.attempts.set(t.attempts), TargetModel.last_disposition.set(log.disposition),
                             TargetModel.last_call_at.set(log.ended_at), TargetModel.last_agent.set(log.agent)]
    if notes:
        actions.append(TargetModel.last_notes.set(notes))
    return actions


def write_call(log: CallLogModel, transition: Transition, *, status_before: str, attempts_before: int,
               lease_holder: str | None, counters: list[CounterWrite], lease_free_at: str | None = None,
               observe: bool = False, callback_owner: str | None = None,
               callbacks: list[CallbackMove] | None = None) -> None:
    """Everything one call changes, in one transaction: the log (new: the idempotency), the target
    (as read: status and attempts unchanged, and the lease still `lease_holder`'s; with
    `lease_free_at`, held live by nobody else at that time), the contact (opt-out or wrong number),
    and the counters (a first connect at a unit: none counted there yet). `observe`: a late call on a
    target another agent holds, which only counts the attempt on it (observed_actions).
    `call_id` is the client request token, so a retry of the same transaction within ten minutes is
    a no-op success in DynamoDB. `callback_owner`: the callback's owner as read (the target must still
    be theirs); `callbacks`: the changes to open callbacks this call makes (idempotent map writes)."""
    at = log.recorded_at
    condition = (TargetModel.status == status_before) & (TargetModel.attempts == attempts_before)
    if lease_holder is not None:
        condition = condition & (TargetModel.lease_agent == lease_holder)
    if lease_free_at is not None:
        condition = condition & (TargetModel.lease_agent.does_not_exist() | (TargetModel.lease_until <= lease_free_at)
                                 | (TargetModel.lease_agent == log.agent))
    if callback_owner is not None:
        condition = condition & (TargetModel.agent_key == callback_owner)
    contact_flag = transition.contact_flag
    target_update = observed_actions(log, transition, log.notes) if observe \
        else target_actions(log, transition, log.notes)
    try:
        with db.transaction(log.call_id) as tx:
            tx.save(log, condition=CallLogModel.call_id.does_not_exist())
            tx.update(TargetModel(log.campaign_id, log.contact_id), actions=target_update,
                      condition=condition & TargetModel.campaign_id.exists())
            if contact_flag:
                actions = opt_out_actions(at, f"call:{log.call_id}") if contact_flag == "opt_out" \
                    else wrong_number_actions(at)
                tx.update(ContactModel(log.contact_id), actions=actions, condition=ContactModel.contact_id.exists())
            for write in counters:
                counter_condition = None
                if write.first_connect:
                    counter_condition = CounterModel.connects.does_not_exist() | (CounterModel.connects == 0)
                if write.first_received:
                    received = CounterModel.relay_received.does_not_exist() | (CounterModel.relay_received == 0)
                    counter_condition = received if counter_condition is None else counter_condition & received
                assumed: list[Condition] = []
                if write.seen_connect:
                    assumed.append(CounterModel.connects > 0)
                if write.seen_received:
                    assumed.append(CounterModel.relay_received > 0)
                if write.clear_lease is not None:
                    assumed.append(names_lease(*write.clear_lease))
                actions = add_actions(write.increments, write.labels)
                for name in write.marks_new:
                    action, holds = marker_set(name)
                    actions.append(action)
                    assumed.append(holds)
                assumed += [marker_seen(name) for name in write.marks_seen]
                for extreme in write.extremes:
                    action, holds = extreme_update(extreme)
                    actions.append(action)
                    assumed.append(holds)
                for extra in assumed:
                    counter_condition = extra if counter_condition is None else counter_condition & extra
                if write.clear_lease is not None:
                    actions += lease_clear_actions()
                tx.update(CounterModel(*write.key), actions=actions, condition=counter_condition)
            for move in callbacks or []:
                tx.update(CounterModel(*agent_callbacks(move.owner)),
                          actions=[callback_set(move.key, move.at) if move.at else callback_remove(move.key)])
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)  # order: puts (the log), then updates in the order added
        code = db.error_code(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            raise DuplicateCall from exc
        if code in ("IdempotentParameterMismatchException", "IdempotentParameterMismatch"):
            raise DuplicateCall from exc
        if code == "TransactionInProgressException":
            raise TooManyRequests("this call is being recorded; retry in a moment") from exc
        if code == "ValidationException" and callbacks:
            raise NoCallbacksMap from exc
        if contact_flag and len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
            raise ContactGone from exc
        if "ConditionalCheckFailed" in codes[2 if not contact_flag else 3:]:
            raise MarkersStale from exc
        if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
            raise Contended from exc
        raise db.translate(exc) from exc


# ---- erasure -------------------------------------------------------------------------------


def call_ids_of_contact(contact_id: str) -> list[str]:
    return [c.call_id for c in CallLogModel.by_contact.query(contact_id, page_size=100,
                                                            attributes_to_get=["call_id"])]


def delete_logs(call_ids: list[str]) -> None:
    with CallLogModel.batch_write() as batch:
        for call_id in call_ids:
            batch.delete(CallLogModel(call_id))
