"""PynamoDB models and queries for campaigns and call targets: a campaign's item and state changes, the
queue's reads, leases and callbacks, erasure. The other stores of this feature: activation_store.py
(creating targets), read_store.py (reads for the features above); the activation queue's SQS adapter is
activation_queue.py. They speak in the app's errors."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ..core import db
from ..core.clock import parse_iso
from ..core.errors import Conflict, NotFound
from ..core.paging import Page, PageRequest
from ..org.store import AuditModel, ContactModel
from ..reporting.counters import (
    CounterModel,
    callback_key,
    callback_remove,
    callback_set,
    day_agent,
    ensure_callbacks_map,
    lease_clear_actions,
    names_lease,
)
from ..reporting.counters import (
    agent_callbacks as callbacks_item_key,
)
from .models import CampaignModel as CampaignModel
from .models import TargetModel as TargetModel
from .rules import ist_date, queue_key, sort_at

# ---- campaigns -----------------------------------------------------------------------------


def get_campaign(campaign_id: str, *, consistent: bool = False) -> CampaignModel | None:
    try:
        return CampaignModel.get(campaign_id, consistent_read=consistent)
    except CampaignModel.DoesNotExist:
        return None


def create_campaign(campaign_id: str, fields: dict[str, Any]) -> tuple[bool, CampaignModel]:
    """Put a new campaign with these attributes, once: (False, the item not written) when one with the
    same id (the same idempotency key) exists."""
    campaign = CampaignModel(campaign_id, **fields)
    try:
        campaign.save(condition=CampaignModel.campaign_id.does_not_exist())
    except PutError as exc:
        if db.is_condition_failure(exc):
            return False, campaign
        raise db.translate(exc) from exc
    return True, campaign


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


def _try_update(campaign_id: str, contact_id: str, actions: list[Action], condition: Condition) -> TargetModel | None:
    target = TargetModel(campaign_id, contact_id)
    try:
        target.update(actions=actions, condition=condition & TargetModel.campaign_id.exists())
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return None  # lost the race, or no longer as expected: the caller moves on
        raise db.translate(exc) from exc
    return target


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
