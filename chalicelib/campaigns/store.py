"""PynamoDB models and queries for campaigns and call targets, the activation checkpoint and the
activation queue. The only module of this feature that touches AWS; it speaks in the app's errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from ..core import db
from ..core.clients import client
from ..core.clock import parse_iso
from ..core.errors import Conflict, NotFound
from ..core.paging import Page, PageRequest
from ..core.settings import SettingsError, get_settings
from ..org.store import AuditModel, ContactModel
from ..reporting.counters import (
    CounterModel,
    add_actions,
    callback_key,
    callback_remove,
    callback_set,
    day_agent,
    day_pacing,
    ensure_callbacks_map,
    lease_actions,
    lease_clear_actions,
    names_lease,
)
from ..reporting.counters import (
    agent_callbacks as callbacks_item_key,
)
from .queues import ACTIVATION_QUEUE as ACTIVATION_QUEUE
from .queues import activation_queue_name as activation_queue_name
from .rules import ist_date, queue_key, sort_at

LIST_FIELDS = ["title_hi", "title_en", "kind", "target_unit_id", "district_id", "starts_on", "ends_on",
               "created_at", "targets_created"]


class CampaignsByStatus(GlobalSecondaryIndex["CampaignModel"]):
    class Meta:
        index_name = "by_status"
        projection = IncludeProjection(LIST_FIELDS)

    status = UnicodeAttribute(hash_key=True)
    list_sort = UnicodeAttribute(range_key=True)  # district#created_at#campaign_id


@db.table("campaigns")
class CampaignModel(Model):
    class Meta:
        table_name = "campaigns"

    campaign_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    list_sort = UnicodeAttribute()
    kind = UnicodeAttribute()
    title_hi = UnicodeAttribute()
    title_en = UnicodeAttribute()
    script_hi = UnicodeAttribute()
    script_en = UnicodeAttribute()
    questions = JSONAttribute()
    target_unit_id = UnicodeAttribute()
    target_roles = JSONAttribute()
    target_path = UnicodeAttribute()
    target_level = UnicodeAttribute()
    district_id = UnicodeAttribute()
    starts_on = UnicodeAttribute()
    ends_on = UnicodeAttribute()
    calling_start = UnicodeAttribute()
    calling_end = UnicodeAttribute()
    max_attempts = NumberAttribute()
    retry_delay_minutes = NumberAttribute()
    lease_minutes = NumberAttribute()
    version = NumberAttribute(default=1)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    create_hash = UnicodeAttribute(null=True)
    # a programme relay: source, programme_id, date, deadline (UTC ISO), levels (chalicelib/relay)
    programme = JSONAttribute(null=True)
    # activation: a checkpoint advanced chunk by chunk, each advance conditional on the previous one
    act_seq = NumberAttribute(null=True)  # chunks committed
    act_cursor = UnicodeAttribute(null=True)  # where the next chunk starts reading contacts (JSON key)
    act_last_tree = UnicodeAttribute(null=True)  # tree_key of the last contact targeted
    act_started_at = UnicodeAttribute(null=True)
    act_updated_at = UnicodeAttribute(null=True)
    activated_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    targets_created = NumberAttribute(null=True)
    # follow-up (chalicelib/followup): escalation after N silent days, sampling of verifiable reports,
    # and, on a verification campaign, the campaign whose reports it verifies
    escalate_after_days = NumberAttribute(null=True)
    verification = JSONAttribute(null=True)
    parent_id = UnicodeAttribute(null=True)
    by_status = CampaignsByStatus()


class TargetsByQueue(GlobalSecondaryIndex["TargetModel"]):
    """Sparse: only queued targets carry queue_key. Due = queue_sort <= now."""

    class Meta:
        index_name = "by_queue"
        projection = KeysOnlyProjection()

    queue_key = UnicodeAttribute(hash_key=True)  # campaign#shard
    queue_sort = UnicodeAttribute(range_key=True)  # due_at#contact_id


class TargetsByAgent(GlobalSecondaryIndex["TargetModel"]):
    """Sparse: what one agent holds. agent_sort `0#campaign#contact` for a lease (sorts first),
    `1#callback_at#campaign#contact` for a callback due to that agent."""

    class Meta:
        index_name = "by_agent"
        projection = AllProjection()

    agent_key = UnicodeAttribute(hash_key=True)
    agent_sort = UnicodeAttribute(range_key=True)


class TargetsByContact(GlobalSecondaryIndex["TargetModel"]):
    class Meta:
        index_name = "by_contact"
        projection = KeysOnlyProjection()

    contact_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)


@db.table("call_targets")
class TargetModel(Model):
    class Meta:
        table_name = "call_targets"

    campaign_id = UnicodeAttribute(hash_key=True)
    contact_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # queued | callback | done | closed
    outcome = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    due_at = UnicodeAttribute(null=True)
    queue_key = UnicodeAttribute(null=True)
    queue_sort = UnicodeAttribute(null=True)
    agent_key = UnicodeAttribute(null=True)
    agent_sort = UnicodeAttribute(null=True)
    lease_agent = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    leased_at = UnicodeAttribute(null=True)
    callback_at = UnicodeAttribute(null=True)
    # a snapshot of the contact for lists (the call screen reads the contact itself)
    tree_key = UnicodeAttribute()
    role = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    name_hi = UnicodeAttribute()
    name_en = UnicodeAttribute()
    language = UnicodeAttribute()
    phone_last4 = UnicodeAttribute()
    last_disposition = UnicodeAttribute(null=True)
    last_notes = UnicodeAttribute(null=True)
    last_call_at = UnicodeAttribute(null=True)
    last_agent = UnicodeAttribute(null=True)
    handover = UnicodeAttribute(null=True)  # the shift handover (day#shift) that moved this callback
    # follow-up: why an in-charge is called (an escalation), the report a verification target checks,
    # and the agent who took that report (never leased this target)
    escalation = JSONAttribute(null=True)
    verify = JSONAttribute(null=True)
    exclude_agent = UnicodeAttribute(null=True)
    # the call screen's unit path, [{unit_id, level, name_hi, name_en}] from the contact's unit up to its
    # district, written at activation so that leasing need not read the units (absent: read them)
    unit_path = JSONAttribute(null=True)
    by_queue = TargetsByQueue()
    by_agent = TargetsByAgent()
    by_contact = TargetsByContact()


# ---- campaigns -----------------------------------------------------------------------------


def get_campaign(campaign_id: str, *, consistent: bool = False) -> CampaignModel | None:
    try:
        return CampaignModel.get(campaign_id, consistent_read=consistent)
    except CampaignModel.DoesNotExist:
        return None


def create_campaign(campaign: CampaignModel) -> bool:
    """Put a new campaign; False when one with the same id (same idempotency key) exists."""
    try:
        campaign.save(condition=CampaignModel.campaign_id.does_not_exist())
    except PutError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def list_campaigns(status: str, district_id: str | None, page: PageRequest) -> Page[CampaignModel]:
    condition = CampaignModel.list_sort.startswith(f"{district_id}#") if district_id else None
    result = CampaignModel.by_status.query(status, condition, scan_index_forward=False, limit=page.limit,
                                           page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


LIST_KEYS = ("campaign_id", "status", "list_sort")


def update_draft(campaign_id: str, version: int, changes: dict[str, Any]) -> CampaignModel:
    actions = [getattr(CampaignModel, name).set(value) for name, value in changes.items()]
    actions.append(CampaignModel.version.add(1))
    condition = (CampaignModel.status == "draft") & (CampaignModel.version == version)
    return _conditional_update(campaign_id, actions, condition)


def start_activation(campaign_id: str, at: str) -> CampaignModel:
    """draft → activating, with the checkpoint at the start. Only one request can win this."""
    actions: list[Action] = [CampaignModel.status.set("activating"), CampaignModel.act_seq.set(0),
               CampaignModel.act_last_tree.set(""), CampaignModel.act_started_at.set(at),
               CampaignModel.act_updated_at.set(at), CampaignModel.targets_created.set(0),
               CampaignModel.updated_at.set(at), CampaignModel.version.add(1)]
    return _conditional_update(campaign_id, actions, CampaignModel.status == "draft")


def close(campaign_id: str, at: str) -> CampaignModel:
    actions: list[Action] = [CampaignModel.status.set("closed"), CampaignModel.closed_at.set(at),
               CampaignModel.updated_at.set(at), CampaignModel.version.add(1)]
    return _conditional_update(campaign_id, actions, CampaignModel.status != "closed")


class StateChanged(Conflict):
    """The campaign was not in the state the write required."""


def _conditional_update(campaign_id: str, actions: list[Action], condition: Condition) -> CampaignModel:
    campaign = CampaignModel(campaign_id)
    try:
        campaign.update(actions=actions, condition=condition & CampaignModel.campaign_id.exists())
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            raise StateChanged("the campaign is not in a state that allows this") from exc
        raise db.translate(exc) from exc
    return campaign


# ---- activation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactPage:
    contacts: list[ContactModel]
    next_key: dict[str, Any] | None
    index_keys: tuple[str, ...]


def contacts_page(district_id: str, path: str, roles: list[str], start_key: dict[str, Any] | None,
                  limit: int) -> ContactPage:
    """Exactly one page (one Query) of the contacts under `path` with one of `roles`, in tree_key
    order. One role reads by_role; several read by_tree with a filter, so that a unit's contacts
    stay contiguous whatever their roles."""
    connection = ContactModel._get_connection()
    if len(roles) == 1:
        index, hash_key, keys = "by_role", f"{district_id}#{roles[0]}", ("contact_id", "district_role", "tree_key")
        filter_condition = None
    else:
        index, hash_key, keys = "by_tree", district_id, ("contact_id", "district_id", "tree_key")
        filter_condition = ContactModel.role.is_in(*roles)
    try:
        data = connection.query(hash_key, ContactModel.tree_key.startswith(path), filter_condition=filter_condition,
                                index_name=index, exclusive_start_key=start_key, limit=limit)
    except PynamoDBException as exc:
        raise db.translate(exc) from exc
    contacts = [ContactModel.from_raw_data(item) for item in data.get("Items", [])]
    return ContactPage(contacts, data.get("LastEvaluatedKey"), keys)


def contact_key(contact: ContactModel, index_keys: tuple[str, ...]) -> dict[str, Any]:
    """The exclusive start key that resumes a read of `contacts_page` right after `contact`."""
    return {name: {"S": getattr(contact, name)} for name in index_keys}


def commit_chunk(campaign_id: str, seq: int, targets: list[TargetModel],
                 counters: dict[tuple[str, str], tuple[dict[str, int], dict[str, str]]],
                 cursor: dict[str, Any] | None, last_tree: str, at: str) -> bool:
    """Write one chunk of targets and its counter increments, and advance the checkpoint from `seq`,
    all in one transaction. False when the checkpoint had already moved (a redelivered chunk)."""
    done = cursor is None
    actions: list[Action] = [CampaignModel.act_seq.set(seq + 1), CampaignModel.act_last_tree.set(last_tree),
               CampaignModel.act_updated_at.set(at), CampaignModel.targets_created.add(len(targets))]
    actions.append(CampaignModel.act_cursor.remove() if done else CampaignModel.act_cursor.set(json.dumps(cursor)))
    if done:
        actions += [CampaignModel.status.set("active"), CampaignModel.activated_at.set(at),
                    CampaignModel.updated_at.set(at)]
    condition = (CampaignModel.status == "activating") & (CampaignModel.act_seq == seq)
    try:
        with db.transaction() as tx:
            tx.update(CampaignModel(campaign_id), actions=actions, condition=condition)
            for target in targets:
                tx.save(target)
            for (pk, sk), (increments, labels) in counters.items():
                tx.update(CounterModel(pk, sk), actions=add_actions(increments, labels))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    return True


def enqueue_activation(campaign_id: str, seq: int) -> None:
    settings = get_settings()
    url = settings.activation_queue_url
    expected = activation_queue_name(settings.stage)
    if url.rstrip("/").rsplit("/", 1)[-1] != expected:
        raise SettingsError(f"SAMPARK_ACTIVATION_QUEUE_URL must name the queue {expected}")
    client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"campaign_id": campaign_id, "seq": seq}))


# ---- targets: the queue, leases, callbacks -------------------------------------------------


def get_target(campaign_id: str, contact_id: str) -> TargetModel | None:
    try:
        return TargetModel.get(campaign_id, contact_id, consistent_read=True)
    except TargetModel.DoesNotExist:
        return None


def target_key(campaign_id: str, contact_id: str) -> db.Key:
    return (TargetModel, campaign_id, contact_id)


def campaign_key(campaign_id: str) -> db.Key:
    return (CampaignModel, campaign_id, None)


def contact_item_key(contact_id: str) -> db.Key:
    return (ContactModel, contact_id, None)


def counter_key(key: tuple[str, str]) -> db.Key:
    return (CounterModel, key[0], key[1])


def read_keys(keys: list[db.Key], *, consistent: bool = False) -> dict[db.Key, Any]:
    """One BatchGetItem of the items named, from any table (at most 100 keys). Call targets and contacts
    are read eventually consistent, at half the read units, unless `consistent`: what a lease relies on
    in them is checked again by its transaction (the target still free for this agent; the contact there,
    not opted out, not a wrong number, the phone shown unchanged), so a stale read costs at most a lost
    race. Every other table (the campaign, the caller's duty and profile, the counters) is read consistently."""
    return db.batch_get(keys, eventual=() if consistent else (TargetModel, ContactModel))


BATCH_KEYS = 100  # DynamoDB's limit for one BatchGetItem


def due(campaign_id: str, now: str, limit: int) -> list[str]:
    """Contact ids of the oldest due targets of the campaign's queue (one Query, keys only)."""
    return due_page(campaign_id, now, limit)[0]


QUEUE_PAGE_KEYS = ("campaign_id", "contact_id", "queue_key", "queue_sort")  # a by_queue page's LastEvaluatedKey
QUEUE_PAGE_PARTITION = "queue_key"


def due_page(campaign_id: str, now: str, limit: int,
             start: dict[str, Any] | None = None) -> tuple[list[str], dict[str, Any] | None]:
    """Contact ids of the oldest due targets of the campaign's queue from `start` (one Query, keys only),
    and where the next page would start (None: the queue's due targets end here)."""
    result = TargetModel.by_queue.query(queue_key(campaign_id, ""), TargetModel.queue_sort <= f"{now}#~",
                                        limit=limit, page_size=limit, last_evaluated_key=start)
    ids = [t.contact_id for t in result]
    return ids, result.last_evaluated_key


def _lease_actions(campaign_id: str, contact_id: str, agent: str, now: str, until: str,
                   queued: bool) -> list[Action]:
    actions: list[Action] = [TargetModel.lease_agent.set(agent), TargetModel.lease_until.set(until),
               TargetModel.leased_at.set(now), TargetModel.due_at.set(until),
               TargetModel.agent_key.set(agent), TargetModel.agent_sort.set(f"0#{campaign_id}#{contact_id}")]
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


LEASED, LOST, CONTACT_CHANGED, TOO_FAST = "leased", "lost", "contact_changed", "too_fast"


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
    """The lease in one transaction: the target (its condition: still free for this agent), a check
    that the contact exists, has not opted out, is not a wrong number and has the phone read, the
    audit entry of the phone's reveal, the pacing window's count (a new contact: below the limit), the
    agent's live lease on their day item (the board), and an empty callbacks map if the agent has none.
    LEASED, or why not: LOST (the target moved: another agent, a call, a handover), CONTACT_CHANGED
    (opted out, wrong number, erased or a new phone meanwhile: read the contact again), TOO_FAST."""
    t, contact = lease.target, lease.contact
    target_actions, target_condition = _target_lease(lease)
    contact_ok = (ContactModel.contact_id.exists()
                  & (ContactModel.opted_out.does_not_exist() | (ContactModel.opted_out == False))  # noqa: E712
                  & (ContactModel.wrong_number.does_not_exist() | (ContactModel.wrong_number == False))  # noqa: E712
                  & (ContactModel.phone == contact.phone))
    audit = AuditModel(f"contact#{contact.contact_id}", lease.audit_at_id, actor=lease.agent, action="phone_revealed",
                       detail=f"campaign:{t.campaign_id}")
    try:
        with db.transaction() as tx:  # order of the cancellation reasons: check, put, then the updates
            tx.condition_check(ContactModel, contact.contact_id, condition=contact_ok)
            tx.save(audit, condition=AuditModel.subject.does_not_exist())
            tx.update(TargetModel(t.campaign_id, t.contact_id), actions=target_actions, condition=target_condition)
            if lease.pace is not None:
                key, max_leases, expires_at = lease.pace
                tx.update(CounterModel(*key), actions=[CounterModel.leases.add(1),
                                                       CounterModel.expires_at.set(expires_at)],
                          condition=CounterModel.leases.does_not_exist() | (CounterModel.leases < max_leases))
            tx.update(CounterModel(*lease.day_key), actions=lease_actions(
                agent=lease.agent, campaign_id=t.campaign_id, contact_id=t.contact_id, name_hi=t.name_hi,
                name_en=t.name_en, leased_at=lease.now, until=lease.until))
            if lease.ensure_callbacks is not None:
                tx.update(CounterModel(*lease.ensure_callbacks), actions=[ensure_callbacks_map()])
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if not codes:
            raise db.translate(exc) from exc
        if codes[0] is not None and codes[0] != "None":
            return CONTACT_CHANGED
        if len(codes) > 3 and lease.pace is not None and codes[3] == "ConditionalCheckFailed":
            return TOO_FAST
        if any(code not in (None, "None") for code in codes):
            return LOST
        raise db.translate(exc) from exc
    t.lease_agent, t.lease_until = lease.agent, lease.until
    if lease.how != "renewed":
        t.leased_at = lease.now
    return LEASED


def _try_update(campaign_id: str, contact_id: str, actions: list[Action], condition: Condition) -> TargetModel | None:
    target = TargetModel(campaign_id, contact_id)
    try:
        target.update(actions=actions, condition=condition & TargetModel.campaign_id.exists())
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return None  # lost the race, or no longer as expected: the caller moves on
        raise db.translate(exc) from exc
    return target


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


# ---- pacing (chalicelib/campaigns/pacing.py) ------------------------------------------------


def record_slowdown(agent: str, window_key: tuple[str, str], expires_at: int, day: str, at: str,
                    detail: str, audit_at_id: str) -> bool:
    """The first refusal in a pacing window, in one transaction: the window marked slowed (only if it
    was not), one more slow-down on the agent's day (the board), and the audit entry. False if the
    window was already marked (a later refusal in it writes nothing)."""
    try:
        with db.transaction() as tx:
            tx.save(AuditModel(f"agent#{agent}", audit_at_id, actor=agent, action="pacing_slowed", detail=detail),
                    condition=AuditModel.subject.does_not_exist())
            tx.update(CounterModel(*window_key), actions=[CounterModel.slowed.set(1),
                      CounterModel.expires_at.set(expires_at)], condition=CounterModel.slowed.does_not_exist())
            tx.update(CounterModel(*day_pacing(day, agent)),
                      actions=add_actions({"slowed": 1}, {"agent": agent, "slowed_at": at}))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    return True


def agent_callbacks_key(username: str) -> tuple[str, str]:
    return callbacks_item_key(username)


def agent_callbacks(agent: str, page: PageRequest) -> Page[TargetModel]:
    result = TargetModel.by_agent.query(agent, TargetModel.agent_sort.startswith("1#"), limit=page.limit,
                                        page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


AGENT_KEYS = ("campaign_id", "contact_id", "agent_key", "agent_sort")


def held_by(agent: str) -> list[TargetModel]:
    """Everything one agent holds in every campaign (leases, then callbacks by time): the handover's read."""
    return list(TargetModel.by_agent.query(agent, page_size=100))


def release_lease(target: TargetModel, agent: str, now: str) -> TargetModel | None:
    """End `agent`'s lease on a target at once: a queued target is due again now; a callback goes back
    to its owner's callbacks at its time. None if the lease is no longer this agent's."""
    campaign_id, contact_id = target.campaign_id, target.contact_id
    actions: list[Action] = [TargetModel.lease_agent.remove(), TargetModel.lease_until.remove(),
                             TargetModel.leased_at.remove()]
    if target.status == "callback" and target.callback_at:
        actions += [TargetModel.due_at.set(target.callback_at),
                    TargetModel.agent_sort.set(f"1#{target.callback_at}#{campaign_id}#{contact_id}")]
    else:
        actions += [TargetModel.due_at.set(now), TargetModel.queue_sort.set(sort_at(now, contact_id)),
                    TargetModel.agent_key.remove(), TargetModel.agent_sort.remove()]
    condition = (TargetModel.status == target.status) & (TargetModel.lease_agent == agent)
    released = _try_update(campaign_id, contact_id, actions, condition)
    if released is not None and target.leased_at:
        clear_day_lease(ist_date(parse_iso(target.leased_at)), agent, campaign_id, contact_id)
    return released


def move_callback(target: TargetModel, owner: str, to: str, handover: str) -> TargetModel | None:
    """Give an unleased callback of `owner` to `to`, marked with the handover that moved it, and move it
    between their open callbacks, in one transaction. None if it is no longer `owner`'s unleased
    callback (another run moved it, or it was called meanwhile)."""
    condition = ((TargetModel.status == "callback") & (TargetModel.agent_key == owner)
                 & TargetModel.lease_agent.does_not_exist()
                 & (TargetModel.exclude_agent.does_not_exist() | (TargetModel.exclude_agent != to))
                 & TargetModel.campaign_id.exists())
    for username in (owner, to):  # a map key can only be set inside a map: make sure both have one
        ensure_callbacks(username)
    key = callback_key(target.campaign_id, target.contact_id)
    try:
        with db.transaction() as tx:
            tx.update(TargetModel(target.campaign_id, target.contact_id),
                      actions=[TargetModel.agent_key.set(to), TargetModel.handover.set(handover)], condition=condition)
            tx.update(CounterModel(*agent_callbacks_key(owner)), actions=[callback_remove(key)])
            tx.update(CounterModel(*agent_callbacks_key(to)), actions=[callback_set(key, target.callback_at or "")])
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return None
        raise db.translate(exc) from exc
    target.agent_key = to
    return target


def ensure_callbacks(username: str) -> None:
    """An empty open-callbacks map for `username` unless there is one (one UpdateItem)."""
    try:
        CounterModel(*agent_callbacks_key(username)).update(actions=[ensure_callbacks_map()])
    except UpdateError as exc:
        raise db.translate(exc) from exc


def clear_day_lease(day: str, agent: str, campaign_id: str, contact_id: str) -> None:
    """Take a lease that ended off the agent's day item, if the item still names it (one UpdateItem)."""
    try:
        CounterModel(*day_agent(day, agent)).update(actions=lease_clear_actions(),
                                                    condition=names_lease(campaign_id, contact_id))
    except UpdateError as exc:
        if not db.is_condition_failure(exc):
            raise db.translate(exc) from exc


def handed_over(agent: str, handover: str) -> list[TargetModel]:
    """The callbacks one handover gave `agent` (a Query of the agent's callbacks, filtered)."""
    return list(TargetModel.by_agent.query(agent, TargetModel.agent_sort.startswith("1#"),
                                           filter_condition=TargetModel.handover == handover, page_size=100))


def campaign_of_contact_targets(contact_id: str) -> list[tuple[str, str]]:
    """Every (campaign, contact) target of one person, for erasure."""
    return [(t.campaign_id, t.contact_id) for t in TargetModel.by_contact.query(contact_id, page_size=100)]


def forget_leases_of(contact_id: str) -> int:
    """Erasure: take the person off every agent's day item that still names them as a lease (also a
    lapsed one, which stays named until that agent's next lease). Every lease wrote a phone_revealed
    entry on the contact's trail (who, when): one Query, then a conditional UpdateItem per (agent, day)."""
    seen = set()
    for entry in AuditModel.query(f"contact#{contact_id}", filter_condition=AuditModel.action == "phone_revealed",
                                  page_size=100):
        campaign = (entry.detail or "").removeprefix("campaign:")
        key = (ist_date(parse_iso(entry.at_id.split("#", 1)[0])), entry.actor, campaign)
        if key not in seen:
            seen.add(key)
            clear_day_lease(key[0], key[1], campaign, contact_id)
    return len(seen)


def delete_targets(keys: list[tuple[str, str]]) -> None:
    """Delete targets (erasure), first taking them off what the board reads: an open callback off its
    owner's open callbacks, a live lease off the holder's day item."""
    for target in TargetModel.batch_get(keys, consistent_read=True) if keys else []:
        if target.status == "callback" and target.agent_key:
            ensure_callbacks(target.agent_key)
            CounterModel(*agent_callbacks_key(target.agent_key)).update(
                actions=[callback_remove(callback_key(target.campaign_id, target.contact_id))])
        if target.lease_agent and target.leased_at:
            clear_day_lease(ist_date(parse_iso(target.leased_at)), target.lease_agent, target.campaign_id,
                            target.contact_id)
    with TargetModel.batch_write() as batch:
        for campaign_id, contact_id in keys:
            batch.delete(TargetModel(campaign_id, contact_id))


def not_found(campaign_id: str) -> NotFound:
    return NotFound(f"campaign {campaign_id} does not exist", field="campaign_id")
