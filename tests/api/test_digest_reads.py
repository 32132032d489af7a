"""A digest reads counters, never call logs: the same district with 1,000 and with 50,000 calls makes the
same DynamoDB calls. The counters are written as the call transaction writes them (ADD on the same keys:
the unit's all-time item for each unit on the path, the unit's day item, the agent's day item), summed
per key so that 50,000 calls take seconds."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from chalicelib.digests import rules, service
from chalicelib.reporting import counters
from chalicelib.reporting.counters import CounterModel, add_actions
from devtools import call_counter
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, ist
from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
PATHS = {B1: [("chw", "district"), ("chw-a1", "assembly"), ("chw-a1-m1", "mandal"),
              ("chw-a1-m1-k1", "shakti_kendra"), (B1, "booth")],
         B2: [("chw", "district"), ("chw-a1", "assembly"), ("chw-a1-m1", "mandal"),
              ("chw-a1-m1-k1", "shakti_kendra"), (B2, "booth")]}
DISPOSITIONS = ("connected", "no_answer", "busy", "callback_requested")


def write_counters(campaign_id: str, calls: int) -> None:
    sums: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[str, str], dict[str, str]] = {}
    for i in range(calls):
        booth, agent, disposition = (B1, B2)[i % 2], f"agent{i % 7:02d}", DISPOSITIONS[i % len(DISPOSITIONS)]
        base = {"attempts": 1, f"d_{disposition}": 1, "talk_s": 60, "connects": int(disposition == "connected")}
        if disposition == "connected":  # answered: "received" (question 0) yes or no, "households" (1) 12
            base.update({"a0_n": 1, "a0_yes" if i % 8 == 0 else "a0_no": 1, "a1_n": 1, "a1_sum": 12})
        for unit_id, level in PATHS[booth]:
            for key in (counters.campaign_unit(campaign_id, unit_id), counters.day_unit(DAY, campaign_id, unit_id)):
                sums[key].update(base)
                labels[key] = {"unit_id": unit_id, "level": level}
        key = counters.day_agent(DAY, agent)
        sums[key].update(base)
        labels[key] = {"agent": agent}
    for key, increments in sums.items():
        CounterModel(*key).update(actions=add_actions(dict(increments), labels[key]))


def digest_calls(monkeypatch: pytest.MonkeyPatch, audience: str = "district") -> tuple[Counter[str], dict[str, Any]]:
    """The digest built once, and its DynamoDB requests counted per operation and table (devtools/call_counter)."""
    with call_counter.counting(call_counter.by_operation_and_table) as seen:
        content, _ = service.build(audience, DAY)
    return seen, content


@pytest.mark.parametrize("calls", [1_000, 50_000])
def test_a_digest_reads_the_same_whatever_the_number_of_calls(
        api: Api, monkeypatch: pytest.MonkeyPatch, calls: int, request: pytest.FixtureRequest) -> None:
    Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 2)
    add_contacts(api, B2, 2, start=10)
    campaign_id = str(active_campaign(api)["campaign_id"])
    write_counters(campaign_id, calls)
    seen, content = digest_calls(monkeypatch)
    assert content["headline"]["attempts"] == calls
    assert content["headline"]["connects"] == calls // len(DISPOSITIONS)
    assert len(content["agents"]) == 7
    (answers,) = content["answers"]  # answered calls: read from the same counter items
    received, households = answers["questions"][0]["all_time"], answers["questions"][1]["all_time"]
    assert (received["answered"], received["yes"]) == (calls // len(DISPOSITIONS), calls // 8)
    assert households["sum"] == 12 * (calls // len(DISPOSITIONS))
    assert not any(key.endswith(" calls") for key in seen), seen  # never the call logs
    # follow-up sections: the campaign's escalations (1 Query) and the district's verification rates
    # per agent and per reporter (2 Queries of counters)
    assert dict(seen) == EXPECTED, seen
    print(f"\n{calls} calls: {sum(seen.values())} DynamoDB calls {dict(seen)}")


# the calls feature keeps every agent's open callbacks on one partition (chalicelib/reporting/counters.py):
# the district digest reads them in one Query, whatever the number of agents; the campaigns' questions (the
# answers section, issue 19) in one BatchGetItem, whatever the calls and answers
EXPECTED = {"Query campaigns": 1, "BatchGetItem counters": 1, "Query counters": 2 + 2 + 1, "BatchGetItem digests": 1,
            "BatchGetItem units": 1, "GetItem digests": 1, "Query escalations": 1, "BatchGetItem campaigns": 1}


@pytest.mark.parametrize("agents", [7, 70])
def test_the_district_digest_reads_every_agents_callbacks_in_one_query(
        api: Api, monkeypatch: pytest.MonkeyPatch, agents: int) -> None:
    Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 2)
    add_contacts(api, B2, 2, start=10)
    campaign_id = str(active_campaign(api)["campaign_id"])
    write_counters(campaign_id, 100)
    for i in range(agents):  # the agents who called today, each with i % 3 open callbacks
        username = f"agent{i:02d}"
        CounterModel(*counters.day_agent(DAY, username)).update(actions=add_actions({"attempts": 1},
                                                                                    {"agent": username}))
        if i % 3:
            item = CounterModel(*counters.agent_callbacks(username))
            item.callbacks = {f"{campaign_id}#ct_{i}_{n}": f"{DAY}T10:00:00.000Z" for n in range(i % 3)}
            item.save()
    seen, content = digest_calls(monkeypatch)
    assert dict(seen) == EXPECTED, seen  # 7 or 70 agents: the same reads
    pending = {row["agent"]: row["callbacks_pending"] for row in content["agents"]}
    assert pending == {f"agent{i:02d}": i % 3 for i in range(agents)}
    assert content["headline"]["callbacks_pending"] == sum(i % 3 for i in range(agents))


@pytest.mark.parametrize("calls", [1_000, 50_000])
def test_checking_earlier_days_for_late_calls_adds_one_query_per_stored_day_and_no_batch(
        api: Api, monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    """With the three earlier day digests stored (rules.correction_days), their counters join the same
    BatchGetItem and their digests the same digest BatchGetItem; the district's digest reads each of
    those days' agents (1 Query each): +3 Queries, whatever the number of calls, late ones included."""
    clock = Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 2)
    add_contacts(api, B2, 2, start=10)
    campaign_id = str(active_campaign(api)["campaign_id"])
    for day in reversed(rules.correction_days(DAY)):
        clock.now = ist(day, "22:00")
        for audience in rules.AUDIENCES:
            service.digest(audience, day)  # sent and stored: nothing called that day yet
    write_counters(campaign_id, calls)
    late = {"attempts": 1, "connects": 1, "d_connected": 1, "talk_s": 120}  # a call of the day before, late
    yesterday = rules.previous_day(DAY)
    CounterModel(*counters.day_unit(yesterday, campaign_id, "chw")).update(actions=add_actions(late))
    CounterModel(*counters.day_agent(yesterday, "agent09")).update(actions=add_actions(late, {"agent": "agent09"}))
    clock.now = ist(DAY, "22:00")
    seen, content = digest_calls(monkeypatch)
    # (with the digest of three days ago stored, silent units are listed: their parents' names, +1 batch)
    assert dict(seen) == {**EXPECTED, "Query counters": EXPECTED["Query counters"] + rules.CORRECTION_DAYS,
                          "BatchGetItem units": 2}, seen
    (fix,) = content["corrections"]
    lines = {line["figure"]: (line["old"], line["new"]) for line in fix["lines"]}
    assert fix["date"] == yesterday and lines["attempts"] == (0, 1) and lines["a:agent09:attempts"] == (0, 1)
    seen, content = digest_calls(monkeypatch, "state")  # no agents: no read more than without corrections
    assert content["corrections"][0]["date"] == yesterday
    assert dict(seen) == {"Query campaigns": 1, "BatchGetItem counters": 1, "Query counters": 1,  # its units
                          "BatchGetItem digests": 1, "BatchGetItem units": 2, "GetItem digests": 1,
                          "BatchGetItem campaigns": 1}, seen
