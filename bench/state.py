"""State scale by simulation: `python -m bench.state`.

A synthetic peak hour at state scale (65,000 booths, 2 million contacts, 1,000 agents, 300,000 calls a
day, PEAK_SHARE of them in the peak hour) is replayed through the real key-building code: for each call,
the DynamoDB items and index entries that `POST /campaigns/{id}/next` (the lease) and `POST /calls` (the
recording transaction) read and write, with the keys those modules build (chalicelib.calls.counting
`counter_writes` and chalicelib.reporting.counters, chalicelib.campaigns.rules for the queue shards and the
path units, chalicelib.calls.rules.after_call for where the target goes next). Item sizes come from real
model items serialised (`item_bytes`). Nothing is written anywhere: the items are counted, not stored.

Capacity units follow DynamoDB's pricing rules: a write is ceil(size / 1 KB) WCU, doubled inside a
transaction; a read is ceil(size / 4 KB) RCU, halved when eventually consistent (GSI reads always are), a
Query sums the sizes it returns; a write that changes an index entry's key deletes and puts it (2 index
writes), one that adds or removes it makes one. A failed conditional write (a lost lease race) costs
its WCU too. Every figure is per partition key, against the per-partition limits (1,000 WCU, 3,000 RCU
a second); the busiest second of the hour is counted too (arrivals are uniform random over the hour).
"""

from __future__ import annotations

import json
import math
import random
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.calls.counting import CallPath, Counted, Firsts, counter_writes
from chalicelib.calls.rules import after_call
from chalicelib.calls.store import CallLogModel
from chalicelib.campaigns import rules as campaign_rules
from chalicelib.campaigns.leasing import CANDIDATES
from chalicelib.campaigns.store import CampaignModel, TargetModel
from chalicelib.org import rules as org_rules
from chalicelib.reporting import counters
from chalicelib.shifts import rules as shift_rules

WCU_LIMIT, RCU_LIMIT = 1000, 3000
PEAK_SHARE = 0.15  # of the day's calls in the busiest hour (calling hours 09:00-21:00: an even spread is 8 %)
DAY = "2026-03-10"
# What calls end as, about as the demo load test has them (tests/e2e/test_calling_concurrency.py).
MIX = (("connected", 45), ("no_answer", 20), ("busy", 5), ("callback_requested", 6), ("declined", 10),
       ("wrong_number", 6), ("do_not_call", 4), ("switched_off", 4))


@dataclass(frozen=True)
class Shape:
    districts: int
    assemblies: int
    mandals: int
    kendras: int
    booths: int
    contacts: int
    agents: int
    calls_per_day: int
    peak_share: float = PEAK_SHARE
    one_campaign: bool = False  # every call in one campaign (the worst case), else one per district
    lost_races_per_lease: float = 0.5  # failed conditional lease writes per lease (the queue bench measures it)

    @property
    def peak_calls(self) -> int:
        return round(self.calls_per_day * self.peak_share)


STATE = Shape(districts=55, assemblies=230, mandals=2_600, kendras=13_000, booths=65_000, contacts=2_000_000,
              agents=1_000, calls_per_day=300_000)


def _parent(i: int, children: int, parents: int) -> int:
    """Children spread evenly over parents, in order."""
    return i * parents // children


class Tree:
    """The hierarchy as ids only, built on demand: state > district > assembly > mandal > kendra > booth."""

    def __init__(self, shape: Shape) -> None:
        self.s = shape

    def booth_path(self, booth: int) -> list[str]:
        s = self.s
        kendra = _parent(booth, s.booths, s.kendras)
        mandal = _parent(kendra, s.kendras, s.mandals)
        assembly = _parent(mandal, s.mandals, s.assemblies)
        district = _parent(assembly, s.assemblies, s.districts)
        d = f"d{district:02d}"
        return ["st", d, f"{d}-a{assembly}", f"{d}-m{mandal}", f"{d}-k{kendra}", f"{d}-b{booth}"]

    def contact(self, n: int) -> tuple[str, str, str]:
        """(contact_id, tree_key, district) of contact n: booth-level workers, the most counted path."""
        path = self.booth_path(_parent(n, self.s.contacts, self.s.booths))
        contact_id = f"ct_{n:026d}"
        return contact_id, "/".join([*path, contact_id]), path[1]


# ---- item sizes --------------------------------------------------------------------------------


def _value_bytes(value: dict[str, Any]) -> int:
    (kind, v), = value.items()
    if kind in ("S", "B"):
        return len(v.encode()) if isinstance(v, str) else len(v)
    if kind == "N":
        return len(str(v).lstrip("-").replace(".", "")) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(x) + 1 for k, x in v.items())
    if kind == "L":
        return 3 + sum(_value_bytes(x) + 1 for x in v)
    return sum(len(str(x).encode()) for x in v)  # sets


def item_bytes(item: Any) -> int:
    """DynamoDB's item size: attribute names plus values (numbers about 1 byte per 2 digits)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.serialize().items())


def sample_sizes() -> dict[str, int]:
    """Bytes of the items one call touches, from real model items filled as the app fills them."""
    now = "2026-03-10T10:15:00.000+00:00"
    cid, ct, agent = "cp_" + "0" * 26, "ct_" + "0" * 26, "agent0042"
    tree = "st/d01/d01-a4/d01-m44/d01-k222/d01-b1111/" + ct
    target = TargetModel(cid, ct, status="queued", attempts=1, due_at=now, queue_key=f"{cid}#3",
                         queue_sort=f"{now}#{ct}", agent_key=agent, agent_sort=f"0#{cid}#{ct}", lease_agent=agent,
                         lease_until=now, leased_at=now, tree_key=tree, role="panna_pramukh", unit_id="d01-b1111",
                         name_hi="रामप्रसाद विश्वकर्मा", name_en="Ramprasad Vishwakarma", language="hi",
                         phone_last4="3210", last_disposition="no_answer", last_notes="फ़ोन नहीं उठाया, शाम को",
                         last_call_at=now, last_agent=agent)
    answers = {f"q{i}": "yes" for i in range(3)}
    result = {"call_id": str(uuid.UUID(int=0)), "campaign_id": cid, "contact_id": ct, "agent": agent,
              "disposition": "connected", "started_at": now, "duration_s": 95, "notes": "x" * 120, "answers": answers,
              "callback_at": None, "target": {"status": "done", "outcome": "connected", "attempts": 1,
                                              "next_attempt_at": None, "callback_agent": None}}
    log = CallLogModel(result["call_id"], campaign_id=cid, contact_id=ct, agent=agent, agent_day=f"{agent}#{DAY}",
                       at_id=f"{now}#{result['call_id']}", day=DAY, disposition="connected", started_at=now,
                       duration_s=95, ended_at=now, notes="x" * 120, answers=answers, contact_name="रामप्रसाद",
                       body_hash="0" * 64, result=result, recorded_at=now)
    counter = counters.CounterModel("c#" + cid, "u#d01-b1111", unit_id="d01-b1111", level="booth")
    for name in counters.FIGURES:
        setattr(counter, name, 123456)
    questions = [{"id": f"q{i}", "kind": "choice", "text_hi": "प्रश्न " * 20, "text_en": "Question " * 12,
                  "required": True, "choices": [{"value": f"c{j}", "label_hi": "विकल्प", "label_en": "Choice"}
                                                for j in range(4)]} for i in range(5)]
    campaign = CampaignModel(cid, status="active", list_sort=f"d01#{now}#{cid}", kind="scheme", title_hi="योजना " * 8,
                             title_en="Scheme " * 8, script_hi="नमस्ते " * 150, script_en="Hello " * 150,
                             questions=questions, target_unit_id="d01", target_roles=list(org_rules.ROLES),
                             target_path="st/d01/", target_level="district", district_id="d01", starts_on=DAY,
                             ends_on=DAY, calling_start="09:00", calling_end="21:00", max_attempts=3,
                             retry_delay_minutes=120, lease_minutes=10, version=3, created_by="admin",
                             created_at=now, updated_at=now, act_seq=9000, act_last_tree=tree, activated_at=now,
                             targets_created=40000)
    return {"target": item_bytes(target), "log": item_bytes(log), "counter": item_bytes(counter),
            "campaign": item_bytes(campaign), "contact": 700, "unit": 250, "agent": 400, "roster_line": 200,
            "audit": 150, "queue_entry": 150}


def wcu(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def rcu(size: int, *, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


# ---- the load ----------------------------------------------------------------------------------


def _per_second() -> dict[int, float]:
    return defaultdict(float)


@dataclass
class Load:
    """Capacity units per (space, partition key), in total and per second of the hour."""

    wcu: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    rcu: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    w_sec: dict[tuple[str, str], dict[int, float]] = field(default_factory=lambda: defaultdict(_per_second))
    r_sec: dict[tuple[str, str], dict[int, float]] = field(default_factory=lambda: defaultdict(_per_second))

    def write(self, space: str, pk: str, units: float, second: int) -> None:
        self.wcu[(space, pk)] += units
        self.w_sec[(space, pk)][second] += units

    def read(self, space: str, pk: str, units: float, second: int) -> None:
        self.rcu[(space, pk)] += units
        self.r_sec[(space, pk)][second] += units


def campaign_of(district: str, shape: Shape) -> str:
    return "cp_" + ("state" if shape.one_campaign else district).ljust(26, "0")


def _pick(rng: random.Random) -> str:
    roll = rng.randrange(sum(w for _, w in MIX))
    for disposition, weight in MIX:
        if roll < weight:
            return disposition
        roll -= weight
    raise AssertionError(roll)


def lease(load: Load, sizes: dict[str, int], t: int, agent: str, campaign: str, contact: str, tree_key: str,
          lost: int, period: str) -> None:
    """POST /next that leases `contact` to `agent` (chalicelib/campaigns/leasing.py next_call)."""
    load.read("campaigns", campaign, rcu(sizes["campaign"], consistent=False), t)  # require_campaign
    load.read("agents", agent, rcu(sizes["agent"], consistent=False), t)  # duty: the agent's item
    load.read("roster", period, rcu(sizes["roster_line"], consistent=False), t)  # duty: the roster line
    load.read("leaves.by_from", agent, 0.5, t)  # duty: leave today
    load.read("call_targets.by_agent", agent, 0.5, t)  # mine()
    shard = campaign_rules.queue_key(campaign, contact)  # the shard the agent read the contact from
    load.read("call_targets.by_queue", shard, rcu(sizes["queue_entry"] * CANDIDATES, consistent=False), t)
    for _ in range(lost + 1):  # each lost race is a failed conditional write on another target
        load.write("call_targets", campaign, wcu(sizes["target"]), t)
    load.write("call_targets.by_queue", shard, 2 * wcu(sizes["queue_entry"]), t)  # queue_sort moves
    load.write("call_targets.by_agent", agent, wcu(sizes["target"]), t)  # the lease appears
    load.read("contacts", contact, rcu(sizes["contact"], consistent=False), t)  # _screen
    for unit_id in org_rules.ancestor_ids(tree_key.rsplit("/", 1)[0] + "/"):
        load.read("units", unit_id, rcu(sizes["unit"], consistent=False), t)
    load.write("audit", f"contact#{contact}", wcu(sizes["audit"]), t)  # phone_revealed
    load.write("audit.by_actor", agent, wcu(sizes["audit"]), t)


def record(load: Load, sizes: dict[str, int], t: int, agent: str, campaign: str, contact: str, tree_key: str,
           disposition: str, at: datetime) -> None:
    """POST /calls: the consistent batch read, then the one transaction (chalicelib/calls/store.py)."""
    call_id = str(uuid.uuid4())
    load.read("calls", call_id, 1.0, t)
    load.read("campaigns", campaign, rcu(sizes["campaign"], consistent=True), t)
    load.read("call_targets", campaign, rcu(sizes["target"], consistent=True), t)
    units = campaign_rules.path_units(tree_key, "panna_pramukh")
    connects_before: dict[tuple[str, str], int] = {}
    if disposition == "connected":  # the first-connect markers of the path's units
        for u in units:
            key = counters.campaign_unit(campaign, u.unit_id)
            load.read("counters", key[0], rcu(sizes["counter"], consistent=True), t)
            connects_before[key] = 1
    callback_at = at + timedelta(hours=2) if disposition == "callback_requested" else None
    tr = after_call(disposition=disposition, status_before="queued", attempts_before=0, max_attempts=3,
                    retry_delay_minutes=120, ended_at=at, callback_at=callback_at,
                    callback_agent=agent if callback_at else None)
    tx = 2  # transactional writes cost twice
    load.write("calls", call_id, tx * wcu(sizes["log"]), t)
    load.write("calls.by_agent_day", f"{agent}#{DAY}", wcu(sizes["log"]), t)
    load.write("calls.by_contact", contact, wcu(sizes["log"]), t)
    load.write("call_targets", campaign, tx * wcu(sizes["target"]), t)
    shard = campaign_rules.queue_key(campaign, contact)
    if tr.status == "queued":  # due again later: the queue entry moves
        load.write("call_targets.by_queue", shard, 2 * wcu(sizes["queue_entry"]), t)
    else:  # finished or a callback: out of the queue
        load.write("call_targets.by_queue", shard, wcu(sizes["queue_entry"]), t)
    # by_agent: the lease goes (queued, done), or becomes the owner's callback (its sort key moves)
    load.write("call_targets.by_agent", agent, (2 if tr.status == "callback" else 1) * wcu(sizes["target"]), t)
    if tr.contact_flag:
        load.write("contacts", contact, tx * wcu(sizes["contact"]), t)
    for w in counter_writes(CallPath(campaign, agent, DAY, units), Counted(disposition, 95, tr.completes),
                            Firsts(connects_before)):
        load.write("counters", w.key[0], tx * wcu(sizes["counter"]), t)


def simulate(shape: Shape, seed: int = 7) -> Load:
    rng = random.Random(seed)
    tree = Tree(shape)
    sizes = sample_sizes()
    load = Load()
    agents = [f"agent{i:04d}" for i in range(shape.agents)]
    period = shift_rules.period_id(shift_rules.period_start(date.fromisoformat(DAY), 1))
    start = datetime(2026, 3, 10, 5, 30, tzinfo=UTC)  # 11:00 IST
    whole, part = divmod(shape.lost_races_per_lease, 1)
    for _ in range(shape.peak_calls):
        t = rng.randrange(3600)
        agent = rng.choice(agents)
        contact, tree_key, district = tree.contact(rng.randrange(shape.contacts))
        campaign = campaign_of(district, shape)
        lost = int(whole) + (rng.random() < part)
        lease(load, sizes, t, agent, campaign, contact, tree_key, lost, period)
        record(load, sizes, t, agent, campaign, contact, tree_key, _pick(rng), start + timedelta(seconds=t))
    return load


def busiest(load: Load, top: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Per table or index, its `top` partition keys by write units, and by read units."""
    out: dict[str, list[dict[str, Any]]] = {}
    spaces = sorted({s for s, _ in load.wcu} | {s for s, _ in load.rcu})
    for space in spaces:
        rows = []
        for kind, totals, per_sec, limit in (("write", load.wcu, load.w_sec, WCU_LIMIT),
                                             ("read", load.rcu, load.r_sec, RCU_LIMIT)):
            keys = sorted(((k, v) for k, v in totals.items() if k[0] == space), key=lambda kv: -kv[1])[:top]
            for (_, pk), units in keys:
                peak = max(per_sec[(space, pk)].values())
                rows.append({"kind": kind, "pk": pk, "per_s": round(units / 3600, 2), "peak_s": round(peak, 1),
                             "limit": limit, "share_of_limit": round(peak / limit, 4),
                             "headroom": round(limit / peak, 1)})
        out[space] = rows
    return out


def run(shape: Shape = STATE, seed: int = 7) -> dict[str, Any]:
    load = simulate(shape, seed)
    table = busiest(load)
    hottest = max((row for rows in table.values() for row in rows), key=lambda r: r["share_of_limit"])
    return {"shape": {**shape.__dict__, "peak_calls": shape.peak_calls}, "sizes": sample_sizes(),
            "busiest": table, "hottest": {"space": next(s for s, rows in table.items() if hottest in rows), **hottest}}


def main() -> int:
    scenarios = {"per_district": STATE, "one_campaign": Shape(**{**STATE.__dict__, "one_campaign": True})}
    out = {name: run(shape) for name, shape in scenarios.items()}
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
