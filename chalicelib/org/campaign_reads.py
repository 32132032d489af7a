"""Read-only queries of the campaigns' tables for a contact's page (`GET /contacts/{id}/campaigns`):
the campaigns whose call targets hold this contact. It sits above `campaigns` (imported when used, as
`campaigns/overview.py` reads org's tables): the calling workflow keeps owning the tables, this only reads.

One Query of the call targets' `by_contact` index (keys only: campaign id, contact id), then one
BatchGetItem of those targets and their campaigns together. A page holds at most 50 targets, so the
BatchGetItem holds at most 100 keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..campaigns.store import CampaignModel, TargetModel
from ..core import db
from ..core.paging import Page, PageRequest

PAGE_MAX = 50  # targets + their campaigns: at most 100 keys, one BatchGetItem
CURSOR_KEYS = ("campaign_id", "contact_id")  # by_contact's keys are the table's keys


@dataclass(frozen=True)
class Enrolment:
    campaign_id: str
    target: TargetModel | None  # None: gone between the Query and the read (closed and deleted, erased)
    campaign: CampaignModel | None


def campaign_ids_of(contact_id: str, page: PageRequest) -> Page[str]:
    """The campaigns targeting the contact, in campaign id order: one Query of the keys-only index."""
    result = TargetModel.by_contact.query(contact_id, limit=page.limit, page_size=page.limit,
                                          last_evaluated_key=page.start_key)
    ids = [t.campaign_id for t in result]
    return Page(ids, result.last_evaluated_key)


def enrolments(contact_id: str, campaign_ids: list[str]) -> list[Enrolment]:
    """Each campaign's target of this contact and the campaign itself: one BatchGetItem."""
    if not campaign_ids:
        return []
    if len(campaign_ids) > PAGE_MAX:
        raise ValueError(f"at most {PAGE_MAX} campaigns a read")
    keys: list[db.Key] = [(TargetModel, cid, contact_id) for cid in campaign_ids]
    keys += [(CampaignModel, cid, None) for cid in campaign_ids]
    found: dict[db.Key, Any] = db.batch_get(keys, consistent=False)
    return [Enrolment(cid, found.get((TargetModel, cid, contact_id)), found.get((CampaignModel, cid, None)))
            for cid in campaign_ids]
