"""The hot path at its floor (issue 18), counted per request by the suite's recorder (tests/conftest.py),
with the caller's profile check (core/access.py) counted as the request's own, and that check's cache
off (SAMPARK_PROFILE_CACHE_S=0: every request is a cold one):

* POST /campaigns/{id}/next: at most 3 DynamoDB calls on the common path (a queue target leased), at
  most 5 on every other named path (the held lease renewed, a due callback first, an expired lease
  reclaimed, a lost race retried once, an opted-out contact skipped, a pacing refusal, nothing due);
* POST /calls: at most 2 on the common path (one read, one transaction), 4 when a unit's first connect
  makes the assumed-counted transaction retry;
* every agent route (GET /me, /me/shift, /me/calls, /me/callbacks, /me/today, the campaign list and a
  campaign): at most 2.

And what the hot path writes for the supervisors' board: the live lease on the agent's day item, taken
off by the call; the open callbacks per agent, exact under retries and handovers."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.campaigns import pacing
from chalicelib.campaigns import store as campaign_store
from chalicelib.core.clock import iso
from chalicelib.core.observability import current_route
from chalicelib.core.settings import reset_settings
from chalicelib.org.store import ContactModel
from chalicelib.reporting import counters
from chalicelib.shifts.agent_store import AgentModel
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, on_duty
from tests.api.conftest import Api, Env
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
NEXT, CALLS = "POST /campaigns/{campaign_id}/next", "POST /calls"
COMMON = {NEXT: 3, CALLS: 2}
ANY_PATH = {NEXT: 5, CALLS: 4}
AGENT_ROUTES = 2
PROFILE = "caller profile"


class Meter:
    """Calls of each request made inside `measure`, the caller's profile read included."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, dict[str, int]]] = []

    def measure(self, send: Callable[[], Any]) -> tuple[Any, int]:
        before = set(RECORDER.per_request)
        response = send()
        fresh = {key: ops for key, ops in RECORDER.per_request.items() if key not in before}
        by_request: dict[str, Counter[str]] = {}
        route = None
        for (name, request), ops in fresh.items():
            by_request.setdefault(request, Counter()).update(ops)
            if name != PROFILE:
                route = name
        assert len(by_request) <= 1, fresh
        ops = next(iter(by_request.values()), Counter())
        total = sum(ops.values())
        self.seen.append((route or "?", total, dict(ops)))
        return response, total


@pytest.fixture
def meter() -> Iterator[Meter]:
    meter = Meter()
    yield meter
    for route in sorted({r for r, _, _ in meter.seen}):  # the figures for docs/performance.md (-s shows them)
        counts = [n for r, n, _ in meter.seen if r == route]
        print(f"\nMEASURED {route}: n={len(counts)} mean={sum(counts) / len(counts):.2f} max={max(counts)}")


@pytest.fixture(autouse=True)
def cold_profiles(aws: Env, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SAMPARK_PROFILE_CACHE_S", "0")  # every request reads (or settles) the profile
    reset_settings()
    yield
    reset_settings()  # read again once the environment is restored


@pytest.fixture
def floor(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Clock, str, dict[str, str]]]:
    clock = Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 6)
    add_contacts(api, B2, 6, start=10)
    cid = active_campaign(api, max_attempts=5, retry_delay_minutes=60)["campaign_id"]
    on_duty("agent01", "agent02")
    yield clock, cid, {name: aws.user(name, "agent") for name in ("agent01", "agent02")}


def lease(api: Api, meter: Meter, cid: str, token: str, budget: int) -> dict[str, Any]:
    r, n = meter.measure(lambda: api.post(f"/campaigns/{cid}/next", token=token))
    assert r.status == 200 and r.json["status"] == "leased", r.body
    assert n <= budget, (n, meter.seen[-1])
    return dict(r.json)


def record(api: Api, meter: Meter, body: dict[str, Any], token: str, budget: int) -> dict[str, Any]:
    r, n = meter.measure(lambda: api.post("/calls", body, token=token))
    assert r.status == 201, r.body
    assert n <= budget, (n, meter.seen[-1])
    return dict(r.json)


def test_the_common_path_is_three_calls_for_next_and_two_for_calls(api: Api, meter: Meter, floor: Any) -> None:
    clock, cid, tokens = floor
    token = tokens["agent01"]
    connected_in = set()
    for i in range(8):
        screen = lease(api, meter, cid, token, COMMON[NEXT])
        assert screen["lease"]["how"] == "queue" and screen["contact"]["phone"].startswith("+91")
        assert [u["level"] for u in screen["contact"]["unit_path"]][:1] == ["booth"]  # carried by the target
        contact = screen["contact"]["contact_id"]
        booth = screen["contact"]["unit_path"][0]["unit_id"]
        if i % 2 == 0:  # a connect: the first at a booth retries once (the markers are read), later ones do not
            first = booth not in connected_in
            record(api, meter, call_body(cid, contact, "connected"), token, ANY_PATH[CALLS] if first else COMMON[CALLS])
            connected_in.add(booth)
        else:
            record(api, meter, call_body(cid, contact, "no_answer"), token, COMMON[CALLS])
        clock.advance(seconds=30)
    nexts = [n for route, n, _ in meter.seen if route == NEXT]
    assert max(nexts) == 3 and nexts.count(3) == len(nexts)
    assert [n for route, n, _ in meter.seen if route == CALLS].count(2) >= 6


def test_every_path_of_next_stays_within_five(api: Api, meter: Meter, floor: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    clock, cid, tokens = floor
    token = tokens["agent01"]
    # a retried /next: the live lease renewed (its contact read again)
    first = lease(api, meter, cid, token, COMMON[NEXT])
    again = lease(api, meter, cid, token, ANY_PATH[NEXT])
    assert again["lease"]["how"] == "renewed" and again["contact"]["contact_id"] == first["contact"]["contact_id"]
    # the phone went offline past the lease: the agent's expired lease comes back to them
    clock.advance(minutes=11)
    back = lease(api, meter, cid, token, ANY_PATH[NEXT])
    assert back["contact"]["contact_id"] == first["contact"]["contact_id"] and back["lease"]["how"] == "queue"
    # a callback comes due: it goes first
    asked = record(api, meter, call_body(cid, back["contact"]["contact_id"], "callback_requested",
                                         callback_at=iso(clock.now + timedelta(hours=1)),
                                         answers=None), token, COMMON[CALLS])
    assert asked["target"]["status"] == "callback"
    clock.advance(hours=1, seconds=1)
    due = lease(api, meter, cid, token, ANY_PATH[NEXT])
    assert due["lease"]["how"] == "callback" and due["contact"]["contact_id"] == first["contact"]["contact_id"]
    record(api, meter, call_body(cid, due["contact"]["contact_id"], "no_answer"), token, COMMON[CALLS])

    # a lost race, retried once: another agent takes the first candidate between the read and the lease
    real_read = campaign_store.read_keys
    stolen: list[str] = []

    def read_then_race(keys: list[Any]) -> Any:
        found = real_read(keys)
        picks = [k[2] for k in keys if k[0] is campaign_store.TargetModel]
        if picks and not stolen:
            stolen.append(picks[0])
            token_ = current_route.set(None)  # the other agent's write is not this request's
            try:
                campaign_store.TargetModel(cid, picks[0]).update(actions=[
                    campaign_store.TargetModel.lease_agent.set("agent02"),
                    campaign_store.TargetModel.lease_until.set(iso(clock.now + timedelta(minutes=10))),
                    campaign_store.TargetModel.due_at.set("9999")])
            finally:
                current_route.reset(token_)
        return found

    monkeypatch.setattr(campaign_store, "read_keys", read_then_race)
    raced = lease(api, meter, cid, tokens["agent02"], ANY_PATH[NEXT])
    assert stolen and raced["contact"]["contact_id"] != stolen[0]
    assert meter.seen[-1][2].get("TransactWriteItems") == 2  # the lost transaction, then the won one
    monkeypatch.setattr(campaign_store, "read_keys", real_read)
    api.post("/calls", call_body(cid, raced["contact"]["contact_id"], "no_answer"), token=tokens["agent02"])

    # an opted-out contact at the head: closed and counted, and the next one leased
    head = [c for c in campaign_store.due(cid, iso(clock.now), 40) if c not in stolen]  # a stolen one stays due
    ContactModel(head[0]).update(actions=[ContactModel.opted_out.set(True)])
    monkeypatch.setattr(random, "sample", lambda seq, k: list(seq)[:k])
    skipped = lease(api, meter, cid, token, ANY_PATH[NEXT])
    assert skipped["contact"]["contact_id"] != head[0]
    assert campaign_store.get_target(cid, head[0]).outcome == "opted_out"  # type: ignore[union-attr]
    api.post("/calls", call_body(cid, skipped["contact"]["contact_id"], "no_answer"), token=token)

    # a pacing refusal, the first (board, audit) and a later one
    monkeypatch.setenv(pacing.MAX_LEASES_ENV, "1")
    clock.advance(minutes=5)
    one = lease(api, meter, cid, token, COMMON[NEXT])
    api.post("/calls", call_body(cid, one["contact"]["contact_id"], "no_answer"), token=token)
    for _ in range(2):
        r, n = meter.measure(lambda: api.post(f"/campaigns/{cid}/next", token=token))
        assert r.status == 429 and n <= ANY_PATH[NEXT], (n, meter.seen[-1])
    monkeypatch.delenv(pacing.MAX_LEASES_ENV)

    # off duty, and an unknown campaign: refused in one read
    clock.advance(days=8)
    r, n = meter.measure(lambda: api.post(f"/campaigns/{cid}/next", token=token))
    assert r.status == 409 and n <= 2, (r.body, meter.seen[-1])
    worst = max(n for route, n, _ in meter.seen if route == NEXT)
    assert worst <= ANY_PATH[NEXT]


def test_nothing_due_is_two_calls(api: Api, meter: Meter, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    on_duty("agent01", "agent02")
    token, other = aws.user("agent01", "agent"), aws.user("agent02", "agent")
    assert api.post(f"/campaigns/{cid}/next", token=other).json["status"] == "leased"
    meter = Meter()
    r, n = meter.measure(lambda: api.post(f"/campaigns/{cid}/next", token=token))
    assert r.json["status"] == "nothing_due" and n <= 2, meter.seen


def test_every_agent_route_is_at_most_two_calls(api: Api, meter: Meter, floor: Any) -> None:
    clock, cid, tokens = floor
    token = tokens["agent01"]
    screen = lease(api, meter, cid, token, COMMON[NEXT])
    record(api, meter, call_body(cid, screen["contact"]["contact_id"], "callback_requested",
                                 callback_at=iso(clock.now + timedelta(hours=2)), answers=None),
           token, COMMON[CALLS])
    for path in ("/me", "/me/shift", "/me/calls", f"/me/calls?date={DAY}", "/me/callbacks", "/me/today",
                 "/campaigns?status=active", f"/campaigns/{cid}"):
        r, n = meter.measure(lambda path=path: api.get(path, token=token))  # type: ignore[misc]
        assert r.status == 200, (path, r.body)
        assert n <= AGENT_ROUTES, (path, meter.seen[-1])


def test_my_shift_is_two_calls_in_a_cold_container_with_or_without_a_profile(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case that cost 3: a container that has not seen this week's and next week's roster heads
    (the caller's lines are read in a second call) answering a caller with no agent profile (a
    supervisor of the office), which also queried the leave table. Leave is read only for a placed line."""
    from chalicelib.shifts import duty as shifts_duty
    from tests.api.shifts_support import put_agents

    clock = Clock(monkeypatch, ist("2026-12-05", "12:00"))
    put_agents(4, 1)
    for period in ("2026-12-07", "2026-12-14"):
        assert api.post(f"/rosters/{period}/generate").status == 201
    clock.set_ist("2026-12-08", "09:00")
    placed = next(u for u in ("agent01", "agent02", "agent03", "agent04")
                  if api.get(f"/agents/{u}/duty").json["reason"] == "on_duty")
    assert api.post(f"/agents/{placed}/leaves", {"from": "2026-12-09", "to": "2026-12-09",
                                                 "reason": "doctor"}).status == 201
    meter = Meter()
    for username, role in ((placed, "agent"), ("sup1", "supervisor"), ("office-sup", "supervisor")):
        token = aws.user(username, role)
        monkeypatch.setattr(shifts_duty, "SEEN_HEADS", {})  # a cold container
        r, n = meter.measure(lambda token=token: api.get("/me/shift", token=token))  # type: ignore[misc]
        assert r.status == 200, r.body
        assert n <= AGENT_ROUTES, (username, meter.seen[-1])
        if username == placed:
            assert r.json["today"]["state"] == "on_duty"
            assert r.json["next"]["date"] == "2026-12-10"  # the 9th is leave: still read, within the two
        if username == "office-sup":
            assert r.json["today"]["state"] == "not_rostered" and r.json["periods"]["current"]["assignment"] is None


def test_a_deactivated_agent_is_refused_by_the_settled_check_and_nothing_is_written(
        api: Api, meter: Meter, floor: Any) -> None:
    _, cid, tokens = floor
    screen = lease(api, meter, cid, tokens["agent01"], COMMON[NEXT])
    AgentModel("agent01").update(actions=[AgentModel.active.set(False)])
    r = api.post(f"/campaigns/{cid}/next", token=tokens["agent01"])
    assert r.status == 401 and r.error["code"] == "account_inactive"
    body = call_body(cid, screen["contact"]["contact_id"], "no_answer")
    r = api.post("/calls", body, token=tokens["agent01"])
    assert r.status == 401 and r.error["code"] == "account_inactive"
    target = campaign_store.get_target(cid, screen["contact"]["contact_id"])
    assert target is not None and int(target.attempts or 0) == 0 and target.lease_agent == "agent01"


def test_the_board_reads_live_leases_and_open_callbacks_kept_exactly(api: Api, meter: Meter, floor: Any) -> None:
    clock, cid, tokens = floor
    token = tokens["agent01"]
    screen = lease(api, meter, cid, token, COMMON[NEXT])
    contact = screen["contact"]["contact_id"]
    states = counters.agent_states(DAY, iso(clock.now))
    live = states["agent01"]["lease"]
    assert (live["campaign_id"], live["contact_id"], live["until"]) == (cid, contact, screen["lease"]["until"])
    assert live["name_hi"] == screen["contact"]["name_hi"] and states["agent01"]["callbacks_open"] == 0
    # the call takes the lease off; a callback joins the agent's open callbacks, once whatever the retries
    at = iso(clock.now + timedelta(hours=1))
    body = call_body(cid, contact, "callback_requested", callback_at=at, answers=None)
    for _ in range(3):
        assert api.post("/calls", body, token=token).status == 201
    states = counters.agent_states(DAY, iso(clock.now))
    assert states["agent01"]["lease"] is None and states["agent01"]["figures"]["attempts"] == 1
    assert (states["agent01"]["callbacks_open"], states["agent01"]["next_callback_at"]) == (1, at)
    # the callback called back and closed: off the open callbacks
    clock.advance(hours=1, seconds=1)
    again = lease(api, meter, cid, token, ANY_PATH[NEXT])
    assert again["lease"]["how"] == "callback"
    assert api.post("/calls", call_body(cid, contact, "connected"), token=token).status == 201
    assert counters.agent_states(DAY, iso(clock.now))["agent01"]["callbacks_open"] == 0
    assert counters.open_callbacks()["agent01"]["callbacks"] == {}
    # a live lease the next day is on that day's item only; an expired lease reads as none
    other = lease(api, meter, cid, tokens["agent02"], COMMON[NEXT])
    clock.advance(minutes=11)
    assert counters.agent_states(DAY, iso(clock.now))["agent02"]["lease"] is None
    assert counters.agent_day_states(DAY)["agent02"]["lease"]["contact_id"] == other["contact"]["contact_id"]


def test_erasure_takes_the_person_off_live_leases_and_open_callbacks(api: Api, meter: Meter, floor: Any) -> None:
    clock, cid, tokens = floor
    lapsed = lease(api, meter, cid, tokens["agent01"], COMMON[NEXT])["contact"]["contact_id"]
    called = lease(api, meter, cid, tokens["agent02"], COMMON[NEXT])["contact"]["contact_id"]
    at = iso(clock.now + timedelta(hours=3))
    assert api.post("/calls", call_body(cid, called, "callback_requested", callback_at=at, answers=None),
                    token=tokens["agent02"]).status == 201
    clock.advance(minutes=11)  # agent01's lease lapses unrecorded: the day item still names the person
    assert counters.agent_day_states(DAY)["agent01"]["lease"]["contact_id"] == lapsed
    nxt = iso(clock.now + timedelta(minutes=10))  # and the target has moved on to another agent since
    campaign_store.TargetModel(cid, lapsed).update(actions=[campaign_store.TargetModel.lease_agent.set("agent02"),
                                                            campaign_store.TargetModel.lease_until.set(nxt)])
    assert counters.open_callbacks()["agent02"]["callbacks_open"] == 1
    for person in (lapsed, called):
        assert api.delete(f"/contacts/{person}").status == 200
    day = counters.agent_day_states(DAY)
    assert day["agent01"]["lease"] is None and day["agent01"]["last_active_at"] is not None
    assert counters.open_callbacks()["agent02"] == {"callbacks_open": 0, "next_callback_at": None, "callbacks": {}}
    raw = str([item.attribute_values for item in counters.CounterModel.query(f"d#{DAY}#agents")])
    assert lapsed not in raw and called not in raw
