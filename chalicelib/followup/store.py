"""Escalation records and the writes of follow-up: an escalation with its in-charge's call target,
a verification campaign and its targets. The only module of this feature that touches DynamoDB.

`escalations` items: hash `campaign_id`, range `unit_id` — one per escalated unit of a campaign, put
once (does_not_exist), in the same transaction as the call target it creates or requeues.
While an escalation is unresolved (open, or no_incharge) it carries `open_district` and `open_sort`
(`<created_at>#<campaign>#<unit>`): the sparse index `open_by_district` lists a district's unresolved
escalations of every campaign, newest first, in one Query (the supervisors' board). Resolving one
removes both attributes in the same update that sets its status.
Verification figures live in the report counters (`v#<district>#agents` / `a#<agent>` and
`v#<district>#reporters` / `r#<contact>`), added by the verification call's own transaction.
Erasure deletes the person's reporter counter and removes them as the in-charge of escalations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..campaigns.rules import queue_key, sort_at
from ..campaigns.store import TargetModel
from ..core import db
from ..core.errors import Conflict
from ..core.paging import Page, PageRequest
from ..org.store import ContactModel
from ..reporting.counters import CounterModel, add_actions


class OpenByDistrict(GlobalSecondaryIndex["EscalationModel"]):
    """Sparse: only unresolved escalations carry open_district. Newest first = scan backwards."""

    class Meta:
        index_name = "open_by_district"
        projection = AllProjection()

    open_district = UnicodeAttribute(hash_key=True)
    open_sort = UnicodeAttribute(range_key=True)


@db.table("escalations")
class EscalationModel(Model):
    class Meta:
        table_name = "escalations"

    campaign_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute(range_key=True)
    level = UnicodeAttribute()
    district_id = UnicodeAttribute()
    parent_unit_id = UnicodeAttribute(null=True)
    incharge_contact_id = UnicodeAttribute(null=True)  # None: nobody to call one level up
    trigger = UnicodeAttribute()  # unreachable | silent
    reason = JSONAttribute()  # {"hi": ..., "en": ...}
    status = UnicodeAttribute()  # open | resolved | no_incharge
    created_at = UnicodeAttribute()
    resolved_at = UnicodeAttribute(null=True)
    open_district = UnicodeAttribute(null=True)  # set while unresolved: the open_by_district index
    open_sort = UnicodeAttribute(null=True)  # <created_at>#<campaign>#<unit>

    open_by_district = OpenByDistrict()


@dataclass
class CounterAdd:
    key: tuple[str, str]
    increments: dict[str, int]
    labels: dict[str, str] = field(default_factory=dict)
    first_target: bool = False  # condition: no target counted at this unit yet


@dataclass
class TargetPut:
    """A new target, put once."""

    target: TargetModel
    counters: list[CounterAdd]


@dataclass
class TargetUpdate:
    """An existing target changed as it was read (status and attempts unchanged)."""

    campaign_id: str
    contact_id: str
    actions: list[Action]
    status: str
    attempts: int
    counters: list[CounterAdd]


class AlreadyDone(Exception):
    """The escalation (or verification target) exists: a retry or a second trigger."""


class Raced(Exception):
    """A target or counter moved since it was read: read again and retry."""


# ---- reads -----------------------------------------------------------------------------------


def incharges(district_id: str, role: str, unit_path: str, limit: int = 5) -> list[ContactModel]:
    """Contacts with `role` under `unit_path`: the role belongs to one level, so they are the unit's own."""
    result = ContactModel.by_role.query(f"{district_id}#{role}", ContactModel.tree_key.startswith(unit_path),
                                        limit=limit, page_size=limit)
    return list(result)


def unit_counters(campaign_id: str, start_key: dict[str, Any] | None) -> Page[CounterModel]:
    """One page of a campaign's per-unit counters (`c#<campaign>`): one Query."""
    result = CounterModel.query(f"c#{campaign_id}", limit=500, page_size=500, last_evaluated_key=start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def partition(pk: str, limit: int = 1000) -> list[CounterModel]:
    return list(CounterModel.query(pk, page_size=500, limit=limit))


def escalations(campaign_id: str, status: str | None, page: PageRequest, *,
                unresolved: bool = False) -> Page[EscalationModel]:
    """One campaign's escalations in unit order; `status` (or `unresolved`) filters them."""
    condition = EscalationModel.status == status if status else \
        EscalationModel.status != "resolved" if unresolved else None
    result = EscalationModel.query(campaign_id, filter_condition=condition, limit=page.limit,
                                   page_size=max(page.limit, 100) if condition is not None else page.limit,
                                   last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def open_in_district(district_id: str, limit: int) -> list[EscalationModel]:
    """The newest `limit` unresolved escalations of a district, of any campaign: one Query on the
    sparse open_by_district index (ask for one more than you show to know whether there are more)."""
    return list(EscalationModel.open_by_district.query(district_id, scan_index_forward=False, limit=limit,
                                                       page_size=limit))


def get_escalation(campaign_id: str, unit_id: str) -> EscalationModel | None:
    try:
        return EscalationModel.get(campaign_id, unit_id, consistent_read=True)
    except EscalationModel.DoesNotExist:
        return None


# ---- writes ----------------------------------------------------------------------------------


def _counter_updates(tx: Any, adds: list[CounterAdd]) -> None:
    for add in adds:
        condition: Condition | None = None
        if add.first_target:
            condition = CounterModel.targets.does_not_exist() | (CounterModel.targets == 0)
        tx.update(CounterModel(*add.key), actions=add_actions(add.increments, add.labels), condition=condition)


def _target_write(tx: Any, write: TargetPut | TargetUpdate | None) -> None:
    if isinstance(write, TargetPut):
        tx.save(write.target, condition=TargetModel.contact_id.does_not_exist())
        _counter_updates(tx, write.counters)
    elif isinstance(write, TargetUpdate):
        condition = ((TargetModel.status == write.status) & (TargetModel.attempts == write.attempts)
                     & TargetModel.campaign_id.exists())
        tx.update(TargetModel(write.campaign_id, write.contact_id), actions=write.actions, condition=condition)
        _counter_updates(tx, write.counters)


@dataclass(frozen=True)
class Escalation:
    """A unit escalated: by which trigger, why (in Hindi and English), and whom one level up to call
    (None: nobody there, `no_incharge`)."""

    campaign_id: str
    unit_id: str
    level: str
    district_id: str
    parent_unit_id: str | None
    incharge_contact_id: str | None
    trigger: str
    reason: dict[str, str]
    created_at: str


def open_escalation(facts: Escalation, write: TargetPut | TargetUpdate | None) -> EscalationModel:
    """The escalation record (new: open, or no_incharge) and its in-charge's target (escalate)."""
    record = EscalationModel(
        facts.campaign_id, facts.unit_id, level=facts.level, district_id=facts.district_id,
        parent_unit_id=facts.parent_unit_id, incharge_contact_id=facts.incharge_contact_id, trigger=facts.trigger,
        reason=facts.reason, status="open" if facts.incharge_contact_id else "no_incharge",
        created_at=facts.created_at)
    escalate(record, write)
    return record


def escalate(record: EscalationModel, write: TargetPut | TargetUpdate | None) -> None:
    """The escalation record (new) and its in-charge's target, in one transaction."""
    if record.status != "resolved":
        record.open_district = record.district_id
        record.open_sort = f"{record.created_at}#{record.campaign_id}#{record.unit_id}"
    with _once(), db.transaction() as tx:
        tx.save(record, condition=EscalationModel.unit_id.does_not_exist())
        _target_write(tx, write)


def add_target(write: TargetPut) -> None:
    """A new target and the counters it moves, once."""
    with _once(), db.transaction() as tx:
        _target_write(tx, write)


@contextmanager
def _once() -> Iterator[None]:
    """A transaction whose first item is the write that must happen once: its condition failing means
    it is done already; any other condition or a conflict means a race to read again and retry."""
    try:
        yield
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            raise AlreadyDone from exc
        if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
            raise Raced from exc
        raise db.translate(exc) from exc


def reopen_actions(campaign_id: str, contact_id: str, now: str, escalation: dict[str, Any]) -> list[Action]:
    """A finished target queued again, due now, carrying why."""
    return [TargetModel.status.set("queued"), TargetModel.outcome.remove(), TargetModel.due_at.set(now),
            TargetModel.queue_key.set(queue_key(campaign_id, contact_id)),
            TargetModel.queue_sort.set(sort_at(now, contact_id)), TargetModel.escalation.set(escalation)]


def due_now_actions(contact_id: str, now: str, escalation: dict[str, Any], leased: bool,
                    status: str) -> list[Action]:
    """An open target made due now (a queued one nobody holds, `leased`: or held to tomorrow by the daily
    cap) and marked with why."""
    actions: list[Action] = [TargetModel.escalation.set(escalation)]
    if status == "queued" and not leased:
        actions += [TargetModel.due_at.set(now), TargetModel.queue_sort.set(sort_at(now, contact_id))]
    return actions


def resolve(campaign_id: str, unit_ids: list[str], at: str) -> int:
    done = 0
    for unit_id in unit_ids:
        try:
            EscalationModel(campaign_id, unit_id).update(
                actions=[EscalationModel.status.set("resolved"), EscalationModel.resolved_at.set(at),
                         EscalationModel.open_district.remove(), EscalationModel.open_sort.remove()],
                condition=EscalationModel.status == "open")
            done += 1
        except UpdateError as exc:
            if not db.is_condition_failure(exc):
                raise db.translate(exc) from exc
    return done


# ---- erasure ---------------------------------------------------------------------------------


def targets(keys: list[tuple[str, str]]) -> list[TargetModel]:
    """The call targets with these (campaign, contact) keys: a BatchGetItem per 100."""
    return list(TargetModel.batch_get(keys)) if keys else []


def forget_incharge(campaign_id: str, unit_id: str, contact_id: str) -> bool:
    """The escalation no longer names its in-charge (erased): an open one has nobody to call now.
    The status is read and stated in the condition; resolved meanwhile, it is read again."""
    for _ in range(4):
        current = get_escalation(campaign_id, unit_id)
        if current is None or current.incharge_contact_id != contact_id:
            return False
        actions: list[Action] = [EscalationModel.incharge_contact_id.remove()]
        if current.status == "open":
            actions.append(EscalationModel.status.set("no_incharge"))
        try:
            EscalationModel(campaign_id, unit_id).update(
                actions=actions, condition=(EscalationModel.incharge_contact_id == contact_id)
                & (EscalationModel.status == current.status))
            return True
        except UpdateError as exc:
            if not db.is_condition_failure(exc):
                raise db.translate(exc) from exc
    raise Conflict("an escalation of this contact kept changing; erase again", field="contact_id")


def delete_counter(key: tuple[str, str]) -> None:
    try:
        CounterModel(*key).delete()
    except DeleteError as exc:
        raise db.translate(exc) from exc
