"""Read-only reads of the campaigns' tables, with the report counters and units they are shown with, for
the features above (progress, relay, follow-up): a campaign with units and counter items in one
BatchGetItem, and a contact's call targets with their campaigns. Only the store modules of campaigns touch
DynamoDB."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import db
from ..core.paging import Page, PageRequest
from ..org.store import UnitModel
from ..reporting.counters import CounterModel
from .models import CampaignModel, TargetModel
from .store import BATCH_KEYS, campaign_key, counter_key, target_key


@dataclass(frozen=True)
class Figures:
    """A campaign (when asked for), units by id and report counter items by key, read together."""

    campaign: CampaignModel | None
    units: dict[str, UnitModel]
    counters: dict[tuple[str, str], CounterModel]


def read_figures(*, campaign_id: str | None = None, counters: list[tuple[str, str]] | None = None,
                 units: list[str] | None = None) -> Figures:
    """The campaign, the units and the counter items named (at most 100 keys), read consistently in one
    BatchGetItem (none when nothing is named): what progress, the overview, the relay tree and
    follow-up's counts start from."""
    keys: list[db.Key] = [campaign_key(campaign_id)] if campaign_id else []
    keys += [counter_key(k) for k in counters or []] + [(UnitModel, u, None) for u in units or []]
    found: dict[db.Key, Any] = db.batch_get(keys) if keys else {}
    campaign = found.get(campaign_key(campaign_id)) if campaign_id else None
    return Figures(campaign, {u: found[(UnitModel, u, None)] for u in units or [] if (UnitModel, u, None) in found},
                   {k: found[counter_key(k)] for k in counters or [] if counter_key(k) in found})


# ---- a contact's campaigns (chalicelib/progress) ------------------------------------------


def campaign_ids_of_contact(contact_id: str, page: PageRequest) -> Page[str]:
    """The campaigns targeting the contact, in campaign id order: one Query of the keys-only index."""
    result = TargetModel.by_contact.query(contact_id, limit=page.limit, page_size=page.limit,
                                          last_evaluated_key=page.start_key)
    ids = [t.campaign_id for t in result]
    return Page(ids, result.last_evaluated_key)


CONTACT_TARGET_KEYS = ("campaign_id", "contact_id")  # by_contact's keys are the table's keys


def targets_with_campaigns(contact_id: str, campaign_ids: list[str]) -> list[tuple[str, TargetModel | None,
                                                                                     CampaignModel | None]]:
    """Each campaign's target of this contact and the campaign itself (None: gone between the Query and
    the read): one BatchGetItem, eventually consistent (at most 50 campaigns)."""
    if not campaign_ids:
        return []
    if len(campaign_ids) > BATCH_KEYS // 2:
        raise ValueError(f"at most {BATCH_KEYS // 2} campaigns a read")
    keys = [target_key(cid, contact_id) for cid in campaign_ids] + [campaign_key(cid) for cid in campaign_ids]
    found: dict[db.Key, Any] = db.batch_get(keys, consistent=False)
    return [(cid, found.get(target_key(cid, contact_id)), found.get(campaign_key(cid))) for cid in campaign_ids]


def campaigns_by_id(campaign_ids: list[str]) -> dict[str, CampaignModel]:
    """The campaigns named, eventually consistent: one BatchGetItem per 100."""
    ids = list(dict.fromkeys(campaign_ids))
    out: dict[str, CampaignModel] = {}
    for start in range(0, len(ids), BATCH_KEYS):
        found: dict[db.Key, Any] = db.batch_get([campaign_key(c) for c in ids[start:start + BATCH_KEYS]],
                                                consistent=False)
        out.update((item.campaign_id, item) for item in found.values())
    return out
