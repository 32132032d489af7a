"""Races under moto in-process, with DynamoDB's per-request atomicity (devtools/moto_local.py): the
same call sent by several threads at once is recorded once; agents asking at the same instant never
share a target."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.calls import service as calls_service
from chalicelib.calls.store import CallLogModel
from chalicelib.campaigns import lease_store, pacing, store
from chalicelib.campaigns import leasing as campaign_service
from chalicelib.campaigns.rules import queue_key
from chalicelib.campaigns.store import TargetModel
from chalicelib.core.auth import AGENT, Principal
from chalicelib.core.errors import AppError, ValidationError
from chalicelib.core.observability import current_request_id, current_route
from chalicelib.core.paging import encode_cursor
from chalicelib.reporting.counters import CounterModel, campaign_unit, day_agent, figures
from devtools.moto_local import patched
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, on_duty
from tests.api.conftest import Api
from tests.conftest import RECORDER

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
    busy: list[str] = []

    def ask(i: int) -> dict[str, Any]:
        """As the agent's client does: a 429 queue_busy (the /next spent its MAX_CALLS on lost races) is asked
        again; anything else is the answer."""
        while True:
            try:
                return campaign_service.next_call(names[i], cid)
            except AppError as e:
                if e.code != "queue_busy":
                    raise
                busy.append(names[i])

    results = together(len(names), ask)
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


NEXT = "POST /campaigns/{campaign_id}/next"


def counted_next(name: str, cid: str, resume: str | None = None) -> tuple[Any, int]:
    """next_call as one request of the suite's recorder: its answer (or refusal) and its DynamoDB calls."""
    request = f"{name}-{uuid.uuid4()}"
    tokens = current_route.set(NEXT), current_request_id.set(request)
    try:
        try:
            answer: Any = campaign_service.next_call(name, cid, resume)
        except AppError as exc:
            answer = exc
    finally:
        current_route.reset(tokens[0])
        current_request_id.reset(tokens[1])
    return answer, sum(RECORDER.per_request.get((NEXT, request), Counter()).values())


def free_targets(cid: str) -> list[str]:
    """Queued targets nobody holds: what a /next could lease (the clock stands still in these tests)."""
    return [t.contact_id for t in TargetModel.query(cid) if t.status == "queued" and t.lease_agent is None]


def test_next_under_contention_keeps_its_bound_and_says_nothing_due_only_when_nothing_is_left(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """12 agents race for 18 targets, each asking again at once after its call, and
    each stopping at its first "nothing due": every /next stays within MAX_CALLS, and none says "nothing due"
    while a target is free (targets only go from free to held to called here, so one free after the answer
    was free before it), so the campaign is worked to the end."""
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    contacts = add_contacts(api, B1, 9) + add_contacts(api, B2, 9, start=30)
    cid = active_campaign(api, max_attempts=1)["campaign_id"]
    names = [f"agent{i:02d}" for i in range(1, 13)]
    on_duty(*names)
    monkeypatch.setenv(pacing.MAX_LEASES_ENV, "1000")  # no dialling time here: not paced
    seen: list[tuple[str, int]] = []
    wrong: list[tuple[str, list[str]]] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        name = names[i]
        while True:
            answer, calls = counted_next(name, cid)
            with lock:
                seen.append((getattr(answer, "code", None) or answer["status"], calls))
            if isinstance(answer, AppError):
                assert answer.code == "queue_busy", answer
                continue
            if answer["status"] == "nothing_due":
                left = free_targets(cid)
                if left:
                    wrong.append((name, left))
                return
            body = call_body(cid, answer["contact"]["contact_id"], "connected")
            calls_service.record_call(agent(name), body)

    results = together(len(names), work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert wrong == []
    assert {t.status for t in TargetModel.query(cid)} == {"done"} and len(contacts) == 18
    assert max(calls for _, calls in seen) <= campaign_service.MAX_CALLS, Counter(seen)
    assert Counter(status for status, _ in seen)["leased"] == 18


def asked_until_answered(name: str, cid: str) -> tuple[Any, list[int]]:
    """As the agent's client does: a queue_busy that says where the queue goes on (`resume`) is asked again
    from there. The answer, and each request's DynamoDB calls."""
    calls: list[int] = []
    resume = None
    for _ in range(4):
        answer, n = counted_next(name, cid, resume)
        calls.append(n)
        if not (isinstance(answer, AppError) and answer.code == "queue_busy" and answer.details.get("resume")):
            return answer, calls
        resume = answer.details["resume"]
    raise AssertionError(f"still busy after {calls}")


def test_a_head_of_the_queue_this_agent_may_not_call_does_not_hide_the_rest(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first page of the queue (CANDIDATES_READ targets) is all excluded for this agent (the reports it took
    itself, in a verification): within MAX_CALLS the /next reads the page and answers queue_busy with where the
    queue goes on; asked from there, a target beyond the head is leased. Once nothing is left for the agent,
    that is known and said."""
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    add_contacts(api, B1, 23)
    add_contacts(api, B2, 23, start=30)
    cid = active_campaign(api)["campaign_id"]
    on_duty("agent01")
    head = store.due(cid, "9999", campaign_service.CANDIDATES_READ)
    for contact_id in head:
        TargetModel(cid, contact_id).update(actions=[TargetModel.exclude_agent.set("agent01")])
    answer, calls = asked_until_answered("agent01", cid)
    assert not isinstance(answer, Exception) and answer["status"] == "leased", answer
    assert answer["contact"]["contact_id"] not in head
    assert len(calls) == 2 and max(calls) <= campaign_service.MAX_CALLS, calls
    calls_service.record_call(agent("agent01"), call_body(cid, answer["contact"]["contact_id"], "connected"))
    for contact_id in free_targets(cid):
        if contact_id not in head:
            TargetModel(cid, contact_id).update(actions=[TargetModel.exclude_agent.set("agent01")])
    answer, calls = asked_until_answered("agent01", cid)  # now nothing is left for agent01: known, and said
    assert not isinstance(answer, Exception) and answer["status"] == "nothing_due", answer
    assert max(calls) <= campaign_service.MAX_CALLS, calls


def test_a_resume_of_another_campaigns_queue_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    add_contacts(api, B1, 2)
    first = active_campaign(api)["campaign_id"]
    second = active_campaign(api)["campaign_id"]
    on_duty("agent01")
    foreign = encode_cursor({"campaign_id": {"S": first}, "contact_id": {"S": "ct_x"},
                             "queue_key": {"S": queue_key(first, "")}, "queue_sort": {"S": "2026#ct_x"}})
    for bad in (foreign, "not-a-cursor"):
        with pytest.raises(ValidationError) as refused:
            campaign_service.next_call("agent01", second, bad)
        assert refused.value.field == "resume"
    assert free_targets(second) and len(free_targets(second)) == 2  # nothing was leased


def test_an_agent_who_loses_every_race_is_told_to_ask_again_within_the_bound(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worst case, made certain: every lease transaction is lost (another agent wins each race). The /next
    stops at MAX_CALLS and answers 429 queue_busy, not "nothing due": free targets remain. (Before the bound:
    11 calls, then "nothing due".)"""
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    add_contacts(api, B1, 12)
    cid = active_campaign(api)["campaign_id"]
    on_duty("agent01")
    monkeypatch.setattr(lease_store, "lease", lambda lease: lease_store.LOST)
    answer, calls = counted_next("agent01", cid)
    assert isinstance(answer, AppError) and answer.code == "queue_busy", answer
    assert answer.details == {"retry_after_s": 1} and calls <= campaign_service.MAX_CALLS
    assert len(free_targets(cid)) == 12
