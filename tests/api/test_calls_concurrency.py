"""Races under moto in-process, with DynamoDB's per-request atomicity (devtools/moto_local.py): the
same call sent by several threads at once is recorded once; agents asking at the same instant never
share a target."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.calls import service as calls_service
from chalicelib.calls.counters import CounterModel, campaign_unit, day_agent, figures
from chalicelib.calls.store import CallLogModel
from chalicelib.campaigns import leasing as campaign_service
from chalicelib.campaigns.store import TargetModel
from chalicelib.core.auth import AGENT, Principal
from devtools.moto_local import patched
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, on_duty
from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture(autouse=True)
def atomic_moto() -> Iterator[None]:
    with patched():
        yield


def together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` on `count` threads released at the same instant; exceptions are returned."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # the test inspects it
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def agent(name: str) -> Principal:
    return Principal(username=name, sub=name, roles=frozenset({AGENT}))


def test_concurrent_retries_of_one_call_record_it_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    on_duty("agent01")
    campaign_service.next_call("agent01", cid)
    body = call_body(cid, contact, "connected")
    results = together(8, lambda _: calls_service.record_call(agent("agent01"), body))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({str(r[1]) for r in results}) == 1  # every retry got the very same answer
    assert sum(1 for r in results if not r[2]) == 1  # exactly one wrote, the others replayed
    assert len(list(CallLogModel.by_contact.query(contact))) == 1
    counters = figures(CounterModel.get(*campaign_unit(cid, "chw")))
    assert (counters["attempts"], counters["connects"], counters["reached_booth"]) == (1, 1, 1)
    assert figures(CounterModel.get(*day_agent("2026-03-10", "agent01")))["attempts"] == 1
    assert TargetModel.get(cid, contact).attempts == 1


def test_agents_asking_at_the_same_instant_never_share_a_target(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    contacts = add_contacts(api, B1, 6) + add_contacts(api, B2, 6, start=10)
    cid = active_campaign(api)["campaign_id"]
    names = [f"agent{i:02d}" for i in range(1, 17)]  # more agents than targets
    on_duty(*names)
    results = together(len(names), lambda i: campaign_service.next_call(names[i], cid))
    assert not [r for r in results if isinstance(r, Exception)], results
    leased = [r["contact"]["contact_id"] for r in results if r["status"] == "leased"]
    assert len(leased) == len(set(leased)) == len(contacts)  # each target once; all handed out
    holders = Counter(TargetModel.get(cid, c).lease_agent for c in contacts)
    assert sorted(holders) == sorted(n for n, r in zip(names, results, strict=True) if r["status"] == "leased")
    assert set(holders.values()) == {1}


def test_connects_racing_in_one_booth_count_it_reached_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    add_contacts(api, B1, 6)
    cid = active_campaign(api)["campaign_id"]
    names = [f"agent{i:02d}" for i in range(1, 7)]
    on_duty(*names)
    screens = [campaign_service.next_call(n, cid) for n in names]
    bodies = [call_body(cid, s["contact"]["contact_id"], "connected") for s in screens]
    results = together(6, lambda i: calls_service.record_call(agent(names[i]), bodies[i]))
    assert not [r for r in results if isinstance(r, Exception)], results
    for unit, level in [(B1, "booth"), ("chw-a1-m1-k1", "shakti_kendra"), ("chw", "district")]:
        counters = figures(CounterModel.get(*campaign_unit(cid, unit)))
        assert counters["connects"] == 6 and counters[f"reached_{level}"] == 1, (unit, counters)
    assert figures(CounterModel.get(*campaign_unit(cid, "chw")))["reached_booth"] == 1
