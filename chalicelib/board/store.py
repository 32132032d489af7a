"""Reads of the supervisor board that no other feature's store offers, each one request whatever the
number of agents and campaigns:

* `snapshot`: one BatchGetItem across three tables: the seat and shift settings (`config`), the roster
  head of the period in force for every period length an admin may choose (`rosters`: the settings
  are read in the same request, so the period is not known yet; 3 keys), and each active campaign's
  counter at its target unit (`counters`). At most MAX_KEYS keys: the caller pages campaigns.
* `active_campaigns`: a page of the active campaigns (one Query, through the campaigns' store);
  `on_leave`: the agents on leave today (one Query, through the shifts' store);
* `day_slowdowns`: one Query on the day's pacing partition (the day's agents and their open
  callbacks are read through chalicelib/reporting/counters.py: one Query each).
* `roster_lines`: one Query for a roster revision's lines; lines are content-addressed (the set's
  hash is in their key), so a revision's lines never change and are kept per container.
Read-only; no writes here."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import GetError
from pynamodb.models import Model

from ..campaigns.store import CampaignModel, list_campaigns
from ..core import db
from ..core.errors import TooManyRequests
from ..core.paging import Page, PageRequest
from ..reporting.counters import CounterModel, day_agent, day_pacing, raw_key
from ..shifts.store import HEAD, ConfigModel, RosterItem, leaves_overlapping, lines

MAX_KEYS = 100  # BatchGetItem's limit
LINES_KEPT = 8  # roster revisions whose lines a container keeps


@dataclass
class Snapshot:
    config: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)  # name -> (body, version)
    heads: dict[str, RosterItem] = field(default_factory=dict)  # period -> head
    counters: dict[tuple[str, str], CounterModel] = field(default_factory=dict)
    questions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # campaign id -> its questions


def snapshot(config_names: list[str], periods: list[str], counter_keys: list[tuple[str, str]],
             campaign_ids: list[str] | None = None) -> Snapshot:
    """One BatchGetItem (eventually consistent: a board is a view of the last seconds), retrying
    unprocessed keys. The campaigns' items are read for their questions only (the answers of the day)."""
    keys: dict[type[Model], list[dict[str, Any]]] = {
        ConfigModel: [{"name": {"S": n}} for n in dict.fromkeys(config_names)],
        RosterItem: [{"period": {"S": p}, "sk": {"S": HEAD}} for p in dict.fromkeys(periods)],
        CounterModel: [raw_key(k) for k in dict.fromkeys(counter_keys)],
        CampaignModel: [{"campaign_id": {"S": c}} for c in dict.fromkeys(campaign_ids or [])],
    }
    assert sum(len(v) for v in keys.values()) <= MAX_KEYS, "page the campaigns"
    models = {m.Meta.table_name: m for m in keys}
    request: dict[str, Any] = {m.Meta.table_name: {"Keys": k} for m, k in keys.items() if k}
    if keys[CampaignModel]:
        request[CampaignModel.Meta.table_name].update(ProjectionExpression="campaign_id, questions")
    snap = Snapshot()
    for _ in range(5):
        if not request:
            return snap
        try:
            response = db.connection().dispatch("BatchGetItem", {"RequestItems": request})
        except (BotoCoreError, ClientError) as exc:
            raise db.translate(GetError("batch get failed", exc)) from exc
        for name, items in response.get("Responses", {}).items():
            for raw in items:
                item = models[name].from_raw_data(raw)
                if isinstance(item, ConfigModel):
                    snap.config[item.name] = (json.loads(item.body), int(item.version))
                elif isinstance(item, RosterItem):
                    snap.heads[item.period] = item
                elif isinstance(item, CounterModel):
                    snap.counters[(item.pk, item.sk)] = item
                elif isinstance(item, CampaignModel):
                    snap.questions[item.campaign_id] = list(item.questions or [])
        request = response.get("UnprocessedKeys") or {}
    raise TooManyRequests("the database is busy; retry in a moment")


_lines: dict[tuple[str, str], list[RosterItem]] = {}
_lines_lock = threading.Lock()


def roster_lines(period: str, set_hash: str) -> list[RosterItem]:
    """A roster revision's lines: one Query the first time in a container, none after (immutable)."""
    key = (period, set_hash)
    with _lines_lock:
        kept = _lines.get(key)
    if kept is not None:
        return kept
    read = lines(period, set_hash)
    with _lines_lock:
        if len(_lines) >= LINES_KEPT:
            _lines.pop(next(iter(_lines)))
        _lines[key] = read
    return read


def forget_lines() -> None:
    with _lines_lock:
        _lines.clear()


def day_slowdowns(day: str) -> dict[str, dict[str, Any]]:
    """Every agent slowed down on one IST day for asking for contacts too fast: one Query on the day's
    pacing partition (chalicelib/campaigns/pacing.py). username -> {"slowed": times, "slowed_at": last}."""
    pk, _ = day_pacing(day, "")
    return {item.agent or (item.sk or "")[2:]: {"slowed": int(item.slowed or 0), "slowed_at": item.slowed_at}
            for item in CounterModel.query(pk, page_size=2000)}


def day_agent_figures(day: str, username: str) -> CounterModel | None:
    pk, sk = day_agent(day, username)
    return db.get_or_none(CounterModel, pk, sk)


def active_campaigns(page: PageRequest) -> Page[CampaignModel]:
    """A page of the active campaigns, newest first (one Query on the campaigns' status index)."""
    return list_campaigns("active", None, page)


def on_leave(day: str) -> set[str]:
    """The agents on leave on one IST day (one Query)."""
    return {username for username, _, _ in leaves_overlapping(day, day)}
