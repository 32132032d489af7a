"""The state-scale simulation counts what the real code would write and read: on a tiny hierarchy (one
booth, one agent, ten calls) every figure is known by hand."""

from __future__ import annotations

import math

from bench.state import (
    DAY,
    STATE,
    Shape,
    Tree,
    busiest,
    campaign_of,
    item_bytes,
    rcu,
    run,
    sample_sizes,
    simulate,
    wcu,
)
from chalicelib.reporting.counters import CounterModel

TINY = Shape(districts=1, assemblies=1, mandals=1, kendras=1, booths=1, contacts=10, agents=1, calls_per_day=100,
             peak_share=0.1, lost_races_per_lease=0.0)
CAMPAIGN = campaign_of("d00", TINY)


def test_item_size_is_names_plus_values() -> None:
    item = CounterModel("c#x", "u#y", unit_id="ab", attempts=12345)
    # pk 2+3, sk 2+3, unit_id 7+2, attempts 8 + (5 digits -> 3 bytes)
    assert item_bytes(item) == 5 + 5 + 9 + 11


def test_capacity_units_round_up_per_kb_and_per_4kb() -> None:
    assert (wcu(1), wcu(1024), wcu(1025)) == (1, 1, 2)
    assert (rcu(4096, consistent=True), rcu(4097, consistent=True), rcu(100, consistent=False)) == (1, 2, 0.5)


def test_the_state_tree_nests_every_booth_under_one_parent_per_level() -> None:
    tree = Tree(STATE)
    first, last = tree.booth_path(0), tree.booth_path(STATE.booths - 1)
    assert first == ["st", "d00", "d00-a0", "d00-m0", "d00-k0", "d00-b0"]
    assert last == ["st", "d54", "d54-a229", "d54-m2599", "d54-k12999", "d54-b64999"]
    contact_id, tree_key, district = tree.contact(STATE.contacts - 1)
    assert tree_key == "/".join([*last, contact_id]) and district == "d54"


def test_ten_calls_on_one_booth_give_the_counts_worked_out_by_hand() -> None:
    load = simulate(TINY)
    sizes = sample_sizes()
    calls = 10
    assert TINY.peak_calls == calls
    # every call ADDs, in its transaction (x2): the agent's day item, and five unit items of the campaign
    assert load.wcu[("counters", f"d#{DAY}#agents")] == calls * 2 * wcu(sizes["counter"])
    assert load.wcu[("counters", f"c#{CAMPAIGN}")] == calls * 5 * 2 * wcu(sizes["counter"])
    assert load.wcu[("counters", f"d#{DAY}#u#d00-b0")] == calls * 2 * wcu(sizes["counter"])
    # the target: one lease write and one transactional update per call, all in the campaign's partition
    assert load.wcu[("call_targets", CAMPAIGN)] == calls * 3 * wcu(sizes["target"])
    # every lease reads the campaign (eventually consistent), every record again (consistent)
    assert load.rcu[("campaigns", CAMPAIGN)] == calls * 1.5 * math.ceil(sizes["campaign"] / 4096)
    # the call screen reads the unit path up to the state unit
    assert load.rcu[("units", "st")] == calls * 0.5
    assert sum(v for (space, _), v in load.wcu.items() if space == "calls") == calls * 2 * wcu(sizes["log"])


def test_lost_races_cost_a_failed_write_each() -> None:
    lossy = simulate(Shape(**{**TINY.__dict__, "lost_races_per_lease": 2.0}))
    sizes = sample_sizes()
    assert lossy.wcu[("call_targets", CAMPAIGN)] == 10 * (3 + 2) * wcu(sizes["target"])


def test_the_busiest_keys_are_ranked_against_the_partition_limits() -> None:
    table = busiest(simulate(TINY), top=5)
    top = table["counters"][0]
    assert top["kind"] == "write" and top["pk"] == f"c#{CAMPAIGN}" and top["limit"] == 1000
    assert top["share_of_limit"] == top["peak_s"] / 1000 and top["per_s"] == round(100 * wcu(600) / 3600, 2)
    assert all(row["limit"] == 3000 for row in table["units"] if row["kind"] == "read")
    result = run(TINY)
    assert result["hottest"]["pk"] == f"c#{CAMPAIGN}" and result["shape"]["peak_calls"] == 10
