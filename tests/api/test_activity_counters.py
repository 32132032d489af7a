"""Attendance, performance and quality counters written with the activity (issue 20), under moto: what the
agent's day item (`d#<IST day>#agents` / `a#<username>`) and the flagged calls' items hold after a lease, a
call, a retried call, a callback kept, a sign-in and calls that look made up — each written by the request
that already writes, and a retry counting nothing twice."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.calls.store import CallLogModel
from chalicelib.core import clock as core_clock
from chalicelib.core.clock import iso
from chalicelib.reporting import counters
from chalicelib.reporting.counters import CounterModel, day_agent
from chalicelib.shifts import config_store
from tests.api.calling import B1, Clock, active_campaign, add_contacts, agents_on_duty, call_body, ist, next_call
from tests.api.conftest import PASSWORD, Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


@pytest.fixture
def agents(aws: Env, clock: Clock) -> dict[str, str]:
    return agents_on_duty(aws, "agent01", "agent02")


def day_item(agent: str, day: str = DAY) -> dict[str, Any]:
    return counters.agent_day(CounterModel.get(*day_agent(day, agent)))


def lease(api: Api, cid: str, token: str) -> dict[str, Any]:
    r = next_call(api, cid, token)
    assert r.status == 200 and r.json["status"] == "leased", r.body
    return dict(r.json)


def now() -> str:
    return iso(core_clock.now_utc())


def test_lease_and_call_write_attendance_and_a_retried_call_counts_nothing_twice(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    leased_at = now()
    contact = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    first = day_item("agent01")
    assert (first["first_at"], first["last_active_at"], first["active_s"], first["idle_n"]) == (
        leased_at, leased_at, 0, 0)
    clock.advance(minutes=3)
    body = call_body(cid, contact, "connected", duration_s=10, started_at=iso(clock.now - timedelta(seconds=30)))
    r = api.post("/calls", body, token=agents["agent01"])
    assert r.status == 201, r.body
    after = day_item("agent01")
    assert (after["first_at"], after["last_active_at"]) == (leased_at, now())
    assert (after["active_s"], after["idle_n"], after["idle_s"]) == (180, 0, 0)
    assert (after["attempts"], after["connects"], after["talk_s"]) == (1, 1, 10)
    assert (after["ans_asked"], after["ans_given"]) == (3, 2)  # the campaign asks three; two answered
    assert (after["short_n"], after["rapid_n"], after["same_n"], after["flags_n"]) == (1, 0, 0, 1)
    assert CallLogModel.get(body["call_id"]).leased_at == leased_at
    flagged = counters.flags_of_day(DAY)
    assert [f["call_id"] for f in flagged.items] == [body["call_id"]] and flagged.next_key is None
    flag = flagged.items[0]
    assert flag == {"agent": "agent01", "campaign_id": cid, "contact_id": contact, "call_id": body["call_id"],
                    "disposition": "connected", "duration_s": 10, "started_at": body["started_at"],
                    "reasons": ["short"], "name_hi": flag["name_hi"], "name_en": flag["name_en"]}
    assert flag["name_hi"] and flag["name_en"]
    raw = CounterModel.get(*counters.flag_key(DAY, body["started_at"], body["call_id"]))
    assert "+91" not in str(raw.attribute_values) and "phone" not in raw.attribute_values
    # the phone retries: the stored answer, nothing counted again
    clock.advance(minutes=1)
    again = api.post("/calls", body, token=agents["agent01"])
    assert again.status == 201 and again.json == r.json
    assert day_item("agent01") == after
    assert len(counters.flags_of_day(DAY).items) == 1
    # twenty minutes later the next lease: one idle gap, counted from the call
    clock.advance(minutes=19)
    lease(api, cid, agents["agent01"])
    idle = day_item("agent01")
    assert (idle["active_s"], idle["idle_n"], idle["idle_s"], idle["last_active_at"]) == (180, 1, 1200, now())
    assert counters.agent_day(None)["attempts"] == 0 and counters.agent_day(None)["first_at"] is None


def test_calls_in_one_minute_and_identical_answers_are_flagged_and_listed_a_page_at_a_time(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 6)
    cid = active_campaign(api)["campaign_id"]
    clock.now = ist(DAY, "10:00") + timedelta(seconds=1)
    ids = []
    for _ in range(5):  # five connected calls started in one minute, 60 s each, the same answers
        contact = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
        body = call_body(cid, contact, "connected", duration_s=60, started_at=now(),
                         answers={"received": True, "households": 3})
        assert api.post("/calls", body, token=agents["agent01"]).status == 201
        ids.append(body["call_id"])
        clock.advance(seconds=10)
    f = day_item("agent01")
    assert (f["attempts"], f["short_n"], f["rapid_n"], f["same_n"], f["flags_n"]) == (5, 0, 2, 1, 2)
    item = CounterModel.get(*day_agent(DAY, "agent01"))
    assert (item.rapid_min, int(item.rapid_min_n), int(item.ans_run)) == ("2026-03-10T04:30", 5, 5)
    flagged = counters.flags_of_day(DAY)
    assert [(x["call_id"], x["reasons"]) for x in flagged.items] == [
        (ids[3], ["rapid"]), (ids[4], ["rapid", "same_answers"])]
    page = counters.flags_of_day(DAY, agent="agent01", limit=1)
    assert [x["call_id"] for x in page.items] == [ids[3]] and page.next_key is not None
    rest = counters.flags_of_day(DAY, agent="agent01", start_key=page.next_key, limit=1)
    assert [x["call_id"] for x in rest.items] == [ids[4]]
    assert counters.flags_of_day(DAY, agent="agent02").items == []
    assert counters.flags_of_day("2026-03-11").items == []
    # another agent's calls start their own runs
    contact = lease(api, cid, agents["agent02"])["contact"]["contact_id"]
    body = call_body(cid, contact, "connected", duration_s=60, started_at=now(),
                     answers={"received": True, "households": 3})
    assert api.post("/calls", body, token=agents["agent02"]).status == 201
    assert day_item("agent02")["flags_n"] == 0


def test_the_calling_settings_set_the_flags_limits(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    config_store.put_config("calling", {"short_connect_s": 5, "same_answers_run": 2, "rapid_calls_per_minute": 10},
                            0, now(), "admin")
    add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    for _ in range(2):
        contact = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
        body = call_body(cid, contact, "connected", duration_s=10, started_at=now())
        assert api.post("/calls", body, token=agents["agent01"]).status == 201
        clock.advance(seconds=30)
    f = day_item("agent01")
    assert (f["short_n"], f["rapid_n"], f["same_n"], f["flags_n"]) == (0, 0, 1, 1)
    assert [x["reasons"] for x in counters.flags_of_day(DAY).items] == [["same_answers"]]


def test_a_callback_called_back_on_time_is_made_and_kept(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    contact = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    asked = iso(clock.now + timedelta(minutes=30))
    r = api.post("/calls", call_body(cid, contact, "callback_requested", callback_at=asked, duration_s=40),
                 token=agents["agent01"])
    assert r.status == 201, r.body
    assert (day_item("agent01")["callbacks_made"], day_item("agent01")["ans_asked"]) == (0, 0)
    clock.advance(minutes=31)
    screen = lease(api, cid, agents["agent01"])
    assert screen["lease"]["how"] == "callback"
    r = api.post("/calls", call_body(cid, contact, "connected", started_at=now()), token=agents["agent01"])
    assert r.status == 201, r.body
    f = day_item("agent01")
    assert (f["callbacks_made"], f["callbacks_kept"], f["attempts"]) == (1, 1, 2)
    assert (f["idle_n"], f["idle_s"]) == (1, 31 * 60)  # the call -> the callback's lease: an idle gap


def test_a_sign_in_is_activity_on_the_users_day(api: Api, aws: Env, clock: Clock) -> None:
    aws.user("agent05", "agent")
    assert api.post("/auth/login", {"username": "agent05", "password": PASSWORD}, role=None).status == 200
    signed = now()
    f = day_item("agent05")
    assert (f["signins"], f["first_at"], f["last_active_at"], f["active_s"]) == (1, signed, signed, 0)
    clock.advance(minutes=5)
    assert api.post("/auth/login", {"username": "agent05", "password": PASSWORD}, role=None).status == 200
    f = day_item("agent05")
    assert (f["signins"], f["first_at"], f["last_active_at"], f["active_s"]) == (2, signed, now(), 300)
    refused = api.post("/auth/login", {"username": "agent05", "password": "wrong-password-9"}, role=None)
    assert refused.status == 401 and day_item("agent05")["signins"] == 2


def test_a_stale_day_item_is_read_again_and_its_gap_counted_once(
        api: Api, clock: Clock, agents: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Another activity lands between the call's read and its write: the call's transaction is refused on
    last_active_at, read again and written with the gap from the new last_active_at."""
    from chalicelib.calls import store as calls_store

    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    contact = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    clock.advance(minutes=2)
    real, raced = calls_store.write_call, []

    def racing(plan: Any, *rest: Any) -> None:
        if not raced:  # a sign-in a minute before the call's now, written after the call read the day
            raced.append(1)
            counters.record_sign_in("agent01", iso(clock.now - timedelta(minutes=1)), DAY,
                                    lambda found: 900, [])
        real(plan, *rest)

    monkeypatch.setattr(calls_store, "write_call", racing)
    body = call_body(cid, contact, "no_answer", duration_s=0, call_id=str(uuid.uuid4()))
    assert api.post("/calls", body, token=agents["agent01"]).status == 201
    f = day_item("agent01")
    assert (f["signins"], f["attempts"], f["active_s"], f["idle_n"]) == (1, 1, 120, 0)
