"""Activating a campaign: its call targets created chunk by chunk behind a queue (one SQS message per
chunk, campaigns/activation_queue.py), each chunk written with the checkpoint in one transaction
(campaigns/activation_store.py), so a redelivered or repeated chunk writes nothing twice. No Chalice,
boto3 or PynamoDB here."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict
from ..core.observability import count, logger
from ..org import rules as org_rules
from ..org import store as org_store
from ..reporting.counters import campaign_unit
from . import activation_queue, activation_store, definition, rules, store
from .settings import CAMPAIGN_ID

STALLED_AFTER = timedelta(seconds=30)  # an activation whose checkpoint has not moved for this long is resumed
CHUNK_READ = 100  # contacts read per activation chunk (one Query)
TX_ITEMS = 100  # DynamoDB's limit of items in one transaction


def activate(campaign_id: str) -> tuple[int, dict[str, Any]]:
    """Start creating the targets, chunk by chunk, behind a queue. Idempotent: a second call on an
    activating campaign only resumes a stalled activation, on an active one it does nothing."""
    now = clock.now_utc()
    campaign = definition.require_campaign(campaign_id, consistent=True)
    if campaign.status == "draft":
        if rules.ist_date(now) > campaign.ends_on:
            raise Conflict(f"the campaign's window ended on {campaign.ends_on}", code="campaign_ended")
        try:
            campaign = store.start_activation(campaign_id, iso(now))
        except store.StateChanged:
            campaign = definition.require_campaign(campaign_id, consistent=True)  # someone else activated it first
        else:
            activation_queue.enqueue_activation(campaign_id, 0)
            count("CampaignActivations")
            return 202, definition.campaign_view(campaign)
    if campaign.status == "activating":
        stalled = clock.parse_iso(campaign.act_updated_at or campaign.updated_at) < now - STALLED_AFTER
        if stalled:  # a lost message: send the current chunk again (a duplicate is dropped by the checkpoint)
            activation_queue.enqueue_activation(campaign_id, int(campaign.act_seq or 0))
        return 202, definition.campaign_view(campaign)
    if campaign.status == "closed":
        raise Conflict("the campaign is closed", code="campaign_closed")
    return 200, definition.campaign_view(campaign)


def process_activation_chunk(message: dict[str, Any]) -> dict[str, Any]:
    """One chunk of an activation: read one page of matching contacts from the checkpoint, write
    their targets and the targeted-unit counts, and advance the checkpoint, in one transaction
    conditional on the checkpoint being where this message says. Then hand the next chunk on."""
    campaign_id, seq = str(message.get("campaign_id", "")), message.get("seq")
    campaign = store.get_campaign(campaign_id, consistent=True) if re.fullmatch(CAMPAIGN_ID, campaign_id) else None
    if campaign is None or not isinstance(seq, int) or campaign.status != "activating" or campaign.act_seq != seq:
        logger.info("activation chunk skipped", extra={"campaign_id": campaign_id, "seq": seq,
                                                       "status": campaign.status if campaign else None})
        return {"skipped": True}
    cursor = json.loads(campaign.act_cursor) if campaign.act_cursor else None
    page = activation_store.contacts_page(campaign.district_id, campaign.target_path, list(campaign.target_roles),
                                          cursor, CHUNK_READ)
    unit_ids = {uid for c in page.contacts for uid in org_rules.ancestor_ids(c.tree_key.rsplit("/", 1)[0] + "/")}
    units = org_store.get_units(sorted(unit_ids)) if unit_ids else {}
    chunk = build_chunk(campaign, page.contacts, units)
    if chunk.consumed == len(page.contacts):
        next_cursor = page.next_key
    else:
        next_cursor = activation_store.contact_key(page.contacts[chunk.consumed - 1], page.index_keys)
    now = iso(clock.now_utc())
    write = activation_store.ChunkWrite(chunk.targets, chunk.counters, next_cursor, chunk.last_tree)
    if not activation_store.commit_chunk(campaign_id, seq, write, now):
        logger.info("activation chunk already committed", extra={"campaign_id": campaign_id, "seq": seq})
        return {"skipped": True}
    if next_cursor is not None:
        activation_queue.enqueue_activation(campaign_id, seq + 1)
    count("ActivationTargets", len(chunk.targets))
    return {"seq": seq, "targets": len(chunk.targets), "done": next_cursor is None}


class Chunk:
    def __init__(self, last_tree: str) -> None:
        self.targets: list[store.TargetModel] = []
        self.counters: dict[tuple[str, str], tuple[dict[str, int], dict[str, str]]] = {}
        self.consumed = 0
        self.last_tree = last_tree

    def bump(self, key: tuple[str, str], figure: str, unit: rules.PathUnit) -> None:
        increments, _ = self.counters.setdefault(key, ({}, {"unit_id": unit.unit_id, "level": unit.level}))
        increments[figure] = increments.get(figure, 0) + 1


def build_chunk(campaign: store.CampaignModel, contacts: list[org_store.ContactModel],
                unit_items: dict[str, Any] | None = None) -> Chunk:
    """Targets for the contacts in order, stopping before the transaction would pass 100 items.
    A unit is counted as targeted once, when its first targeted contact is met (tree_key order).
    Each target carries the call screen's unit path from `units` (by id), so leasing reads no unit."""
    chunk = Chunk(campaign.act_last_tree or "")
    due = campaign.act_started_at or iso(clock.now_utc())
    for contact in contacts:
        if contact.opted_out:
            chunk.consumed += 1
            continue
        units = rules.path_units(contact.tree_key, contact.role)
        keys = [campaign_unit(campaign.campaign_id, u.unit_id) for u in units]
        added = len([k for k in keys if k not in chunk.counters])
        if 1 + len(chunk.targets) + len(chunk.counters) + added + 1 > TX_ITEMS:
            break
        chunk.targets.append(activation_store.new_target(
            campaign.campaign_id, contact, due,
            unit_path=rules.unit_path_of(unit_items, contact.tree_key) if unit_items else None))
        for unit, key in zip(units, keys, strict=True):
            chunk.bump(key, "targets", unit)
        for new in rules.new_units(chunk.last_tree, units):
            for ancestor, key in list(zip(units, keys, strict=True))[units.index(new):]:
                chunk.bump(key, f"targeted_{new.level}", ancestor)
        chunk.last_tree = contact.tree_key
        chunk.consumed += 1
    return chunk
