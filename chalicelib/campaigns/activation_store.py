"""The writes that create call targets: activation's chunks (a page of contacts read, its targets and
counter increments written with the checkpoint in one transaction) and a single new target (follow-up's
in-charges and verification targets). PynamoDB; it speaks in the app's errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action

from ..core import db
from ..org.store import ContactModel
from ..reporting.counters import CounterModel, add_actions
from .models import CampaignModel, TargetModel
from .rules import queue_key, sort_at


def new_target(campaign_id: str, contact: Any, due: str, **extra: Any) -> TargetModel:
    """A queued call target of `contact`, due at `due`, with the contact's snapshot for lists; `extra`:
    unit_path (activation), escalation, verify, exclude_agent (follow-up)."""
    return TargetModel(
        campaign_id, contact.contact_id, status="queued", attempts=0, due_at=due,
        queue_key=queue_key(campaign_id, contact.contact_id), queue_sort=sort_at(due, contact.contact_id),
        tree_key=contact.tree_key, role=contact.role, unit_id=contact.unit_id, name_hi=contact.name_hi,
        name_en=contact.name_en, language=contact.language, phone_last4=contact.phone_last4, **extra)


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


@dataclass(frozen=True)
class ChunkWrite:
    """One chunk to commit: its targets and counter increments, and where the next chunk starts."""

    targets: list[TargetModel]
    counters: dict[tuple[str, str], tuple[dict[str, int], dict[str, str]]]
    cursor: dict[str, Any] | None  # None: this was the last chunk
    last_tree: str


def commit_chunk(campaign_id: str, seq: int, chunk: ChunkWrite, at: str) -> bool:
    """Write one chunk of targets and its counter increments, and advance the checkpoint from `seq`,
    all in one transaction. False when the checkpoint had already moved (a redelivered chunk)."""
    done = chunk.cursor is None
    actions: list[Action] = [
        CampaignModel.act_seq.set(seq + 1), CampaignModel.act_last_tree.set(chunk.last_tree),
        CampaignModel.act_updated_at.set(at), CampaignModel.targets_created.add(len(chunk.targets)),
        CampaignModel.act_cursor.remove() if done else CampaignModel.act_cursor.set(json.dumps(chunk.cursor))]
    if done:
        actions += [CampaignModel.status.set("active"), CampaignModel.activated_at.set(at),
                    CampaignModel.updated_at.set(at)]
    condition = (CampaignModel.status == "activating") & (CampaignModel.act_seq == seq)
    try:
        with db.transaction() as tx:
            tx.update(CampaignModel(campaign_id), actions=actions, condition=condition)
            for target in chunk.targets:
                tx.save(target)
            for (pk, sk), (increments, labels) in chunk.counters.items():
                tx.update(CounterModel(pk, sk), actions=add_actions(increments, labels))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    return True
