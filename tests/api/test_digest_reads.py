"""A digest reads counters, never call logs: the same district with 1,000 and with 50,000 calls makes the
same DynamoDB calls. The counters are written as the call transaction writes them (ADD on the same keys:
the unit's all-time item for each unit on the path, the unit's day item, the agent's day item), summed
per key so that 50,000 calls take seconds."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import botocore.client
import pytest

from chalicelib.calls import counters
from chalicelib.calls.counters import CounterModel, add_actions
from chalicelib.digests import service
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
        for unit_id, level in PATHS[booth]:
            for key in (counters.campaign_unit(campaign_id, unit_id), counters.day_unit(DAY, campaign_id, unit_id)):
                sums[key].update(base)
                labels[key] = {"unit_id": unit_id, "level": level}
        key = counters.day_agent(DAY, agent)
        sums[key].update(base)
        labels[key] = {"agent": agent}
    for key, increments in sums.items():
        CounterModel(*key).update(actions=add_actions(dict(increments), labels[key]))


def digest_calls(monkeypatch: pytest.MonkeyPatch) -> tuple[Counter[str], dict[str, Any]]:
    seen: Counter[str] = Counter()
    inner = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            tables = params.get("RequestItems") or {params.get("TableName", "?"): None}
            for table in tables:
                seen[f"{operation} {table.rsplit('-', 1)[-1]}"] += 1
        return inner(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    content, _ = service.build("district", DAY)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", inner)
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
    assert not any(key.endswith(" calls") for key in seen), seen  # never the call logs
    # follow-up sections: the campaign's escalations (1 Query) and the district's verification rates
    # per agent and per reporter (2 Queries of counters)
    expected = {"Query campaigns": 1, "BatchGetItem counters": 1, "Query counters": 2 + 2, "BatchGetItem digests": 1,
                "BatchGetItem units": 1, "Query call_targets": 7, "GetItem digests": 1, "Query escalations": 1}
    assert dict(seen) == expected, seen
    print(f"\n{calls} calls: {sum(seen.values())} DynamoDB calls {dict(seen)}")
