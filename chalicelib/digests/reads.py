"""What one digest reads, read once before any section is built (the sections compute from it), and the
unit names its sections ask for, read together. No Chalice, boto3 or PynamoDB.

Reads: campaigns (1 Query), the earlier digests compared against (1 BatchGetItem), their counters at the
district (1 BatchGetItem per 100 keys: the day, the day before, all time, and for the corrections the
days checked and the day before each), for a day digest the campaigns' questions (1 BatchGetItem per 100
campaigns: the answers section) and each campaign's unit counters (1 Query per MB); for the district
audience the day's agents (1 Query) and every agent's open callbacks (1 Query). The sections read more
only where they say so (names: `Names`; corrections, follow-up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..reporting import counters
from . import rules, store

Scope = list[tuple[str, str]]  # (campaign_id, district_id) of the campaigns a day digest reports


@dataclass
class Reads:
    audience: str
    period: str
    day: str
    shift: str | None
    silent_days: int
    campaigns: list[Any]
    earlier: dict[str, Any]  # the stored digests read, by key
    sent: dict[str, Any]  # the checked earlier days that have a stored digest: day -> digest
    scopes: dict[str, Scope]  # what each of those reported
    found: dict[tuple[str, str], Any]  # counter items by key
    questions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # campaign id -> questions
    units: list[dict[str, Any]] = field(default_factory=list)  # per unit targeted: connects over campaigns
    relay_items: dict[str, list[Any]] = field(default_factory=dict)  # a programme relay's unit items
    ranked_items: dict[str, list[Any]] = field(default_factory=dict)  # unit items of a per-unit yes/no campaign
    agents: list[dict[str, Any]] = field(default_factory=list)  # the district's agents of the day
    callbacks: int = 0  # their open callbacks
    corrections: list[store.Correction] = field(default_factory=list)  # earlier digests to bring up to date

    @property
    def scope(self) -> Scope:
        return [(c.campaign_id, c.district_id) for c in self.campaigns]

    def fig(self, key: tuple[str, str]) -> dict[str, int]:
        return counters.figures(self.found.get(key))

    def day_totals(self, day: str, scope: Scope | None = None) -> dict[str, int]:
        return rules.totals([self.fig(counters.day_unit(day, cid, did)) for cid, did in
                             (self.scope if scope is None else scope)])

    def stored(self, period: str) -> Any | None:
        """The stored digest of this audience for `period`, if it was among those read."""
        return self.earlier.get(store.digest_key(self.audience, period))


def gather(audience: str, period: str, day: str, shift: str | None, silent_days: int) -> Reads:
    campaigns = [c for c in store.active_campaigns() if c.starts_on <= day]
    checked = [] if shift else rules.correction_days(day)
    earlier = store.get_many([store.digest_key(audience, p) for p in
                              (rules.previous_day(day), f"{day}.morning", rules.days_before(day, silent_days),
                               *checked)])
    sent = {x: earlier[store.digest_key(audience, x)] for x in checked if store.digest_key(audience, x) in earlier}
    scopes = {x: scope_of(item, campaigns, x) for x, item in sent.items()}
    found = store.counters(_counter_keys(day, [(c.campaign_id, c.district_id) for c in campaigns], scopes))
    reads = Reads(audience, period, day, shift, silent_days, campaigns, earlier, sent, scopes, found)
    if not shift:
        reads.questions = store.questions_of([c.campaign_id for c in campaigns]) if campaigns else {}
        _unit_items(reads)
    if audience == "district":
        _agents(reads)
    return reads


def _counter_keys(day: str, scope: Scope, scopes: dict[str, Scope]) -> list[tuple[str, str]]:
    prev_day = rules.previous_day(day)
    keys = []
    for cid, did in scope:
        keys += [counters.campaign_unit(cid, did), counters.day_unit(day, cid, did),
                 counters.day_unit(prev_day, cid, did)]
    for x, x_scope in scopes.items():
        keys += [counters.day_unit(d, cid, did) for cid, did in x_scope for d in (x, rules.previous_day(x))]
    return keys


def _unit_items(reads: Reads) -> None:
    """One row per unit any campaign targets (connects summed over campaigns), a programme relay's
    unit items (its broken links) and those of a campaign with a per-unit yes/no question (its ranks)."""
    units: dict[str, dict[str, Any]] = {}
    for c in reads.campaigns:
        ranks = ranks_units(reads.questions.get(c.campaign_id))
        for item in store.partition(f"c#{c.campaign_id}"):
            if c.kind == "programme_relay":
                reads.relay_items.setdefault(c.campaign_id, []).append(item)
            if ranks and item.unit_id and item.level:
                reads.ranked_items.setdefault(c.campaign_id, []).append(item)
            if not item.unit_id or not item.level:
                continue
            row = units.setdefault(item.unit_id, {"unit_id": item.unit_id, "level": item.level, "connects": 0})
            row["connects"] += int(item.connects or 0)
    reads.units = sorted(units.values(), key=lambda u: u["unit_id"])


def _agents(reads: Reads) -> None:
    open_callbacks = counters.open_callbacks()  # every agent's, in one Query (a map per agent)
    for item in store.partition(f"d#{reads.day}#agents"):
        if not counters.figures(item)["attempts"]:
            continue  # a day item that only carried a live lease: the agent made no call that day
        username = item.agent or item.sk[2:]
        pending = int((open_callbacks.get(username) or {}).get("callbacks_open") or 0)
        reads.callbacks += pending
        reads.agents.append({**rules.agent_row(username, counters.figures(item)), "callbacks_pending": pending})


def ranks_units(questions: list[dict[str, Any]] | None) -> bool:
    return any(q["kind"] == "yes_no" and q.get("per") == "unit" for q in questions or [])


def scope_of(item: Any, campaigns: list[Any], day: str) -> Scope:
    """The campaigns a stored day digest reported (its snapshot's, or, for one stored before the
    snapshot kept them, the active campaigns that had started by that day)."""
    kept = (item.snapshot or {}).get("campaigns")
    if isinstance(kept, list):
        return [(str(cid), str(did)) for cid, did in kept]
    return [(c.campaign_id, c.district_id) for c in campaigns if c.starts_on <= day]


class Names:
    """The units the sections name: each asks for its ids first (`want`), then they are read together
    (`read`: one BatchGetItem per 100 ids not read yet; none when nothing is wanted)."""

    def __init__(self) -> None:
        self._wanted: list[str] = []
        self._units: dict[str, Any] = {}

    def want(self, unit_ids: list[str]) -> None:
        self._wanted += unit_ids

    def read(self) -> None:
        missing = [u for u in dict.fromkeys(self._wanted) if u not in self._units]
        self._wanted = []
        self._units.update(store.units(missing))

    def get(self, unit_id: str | None) -> Any | None:
        return self._units.get(unit_id or "")

    def label(self, unit_id: str | None, lang: str) -> str:
        """A unit's name in `lang` (its id when it was not found), phone numbers redacted."""
        unit = self.get(unit_id)
        return rules.redact(getattr(unit, f"name_{lang}") if unit else (unit_id or ""))
