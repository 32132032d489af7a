"""A campaign at one of its units with that unit's report counters: where progress, the campaign
overview (chalicelib/progress) and the relay tree (chalicelib/relay) start. No Chalice, boto3 or
PynamoDB here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..core.errors import NotFound, ValidationError
from ..org import rules as org_rules
from ..org import store as org_store
from ..reporting import counters
from . import read_store, store
from .settings import CAMPAIGN_ID


@dataclass(frozen=True)
class CampaignAtUnit:
    """A campaign, one unit, and the unit's counter items of the campaign that were asked for."""

    campaign: store.CampaignModel
    unit: org_store.UnitModel
    items: dict[tuple[str, str], counters.CounterModel]


def campaign_at_unit(campaign_id: str, unit_id: str | None,
                     keys_of: Callable[[str], list[tuple[str, str]]]) -> CampaignAtUnit:
    """The campaign, a unit of it (default: the unit it targets) and the counter items `keys_of(unit_id)`
    names: one BatchGetItem, two when the unit is not named."""
    if not re.fullmatch(CAMPAIGN_ID, campaign_id):
        raise store.not_found(campaign_id)
    if unit_id is not None and not re.fullmatch(org_rules.UNIT_ID_PATTERN, unit_id):
        raise ValidationError("unit is a unit id", field="unit")
    campaign = None
    if unit_id is None:
        campaign = store.get_campaign(campaign_id)
        if campaign is None:
            raise store.not_found(campaign_id)
        unit_id = campaign.target_unit_id
    found = read_store.read_figures(campaign_id=None if campaign else campaign_id, counters=keys_of(unit_id),
                               units=[unit_id])
    campaign = campaign or found.campaign
    if campaign is None:
        raise store.not_found(campaign_id)
    unit = found.units.get(unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} does not exist", field="unit")
    return CampaignAtUnit(campaign, unit, found.counters)
