"""Pacing of POST /campaigns/{id}/next under moto: an agent who asks for new contacts faster than a
person can dial gets 429 `too_fast` with Retry-After and no phone number; the slow-down is on the
supervisors' board and in the audit trail, once per window; an agent at a human pace is never slowed,
and a retried /next that hands back the held contact is not counted."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.campaigns import pacing
from chalicelib.org.store import AuditModel
from chalicelib.reporting.counters import CounterModel, day_agent, pace_window
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))  # 04:30:00 UTC: the start of a 120 s window


@pytest.fixture
def setup(api: Api, aws: Env, clock: Clock) -> tuple[str, dict[str, str]]:
    add_contacts(api, B1, 20)
    add_contacts(api, B2, 20, start=100)
    cid = active_campaign(api, max_attempts=10, retry_delay_minutes=60)["campaign_id"]
    on_duty("agent01", "agent02")
    return cid, {name: aws.user(name, "agent") for name in ("agent01", "agent02")}


def harvest(api: Api, cid: str, token: str) -> Any:
    """Lease, log a 0-second no-answer at once: the probe's way of collecting numbers."""
    r = next_call(api, cid, token)
    if r.status == 200 and r.json["status"] == "leased":
        record = api.post("/calls", call_body(cid, r.json["contact"]["contact_id"], "no_answer", duration_s=0),
                          token=token)
        assert record.status == 201, record.body
    return r


def slowdowns(agent: str) -> list[AuditModel]:
    return [a for a in AuditModel.query(f"agent#{agent}") if a.action == "pacing_slowed"]


def test_leasing_faster_than_a_person_can_dial_is_slowed_with_retry_after(
        api: Api, clock: Clock, setup: tuple[str, dict[str, str]]) -> None:
    cid, tokens = setup
    for i in range(10):  # ten contacts in ten seconds: still allowed
        assert harvest(api, cid, tokens["agent01"]).json["status"] == "leased", i
        clock.advance(seconds=1)
    slowed = next_call(api, cid, tokens["agent01"])
    assert slowed.status == 429 and slowed.error["code"] == "too_fast", slowed.body
    assert slowed.headers["Retry-After"] == "110" and slowed.error["retry_after_s"] == 110
    assert "phone" not in slowed.body.decode() and "+91" not in slowed.body.decode()
    clock.advance(seconds=5)
    again = next_call(api, cid, tokens["agent01"])
    assert again.status == 429 and again.headers["Retry-After"] == "105"
    # another agent at the same moment is not affected
    assert next_call(api, cid, tokens["agent02"]).json["status"] == "leased"

    # the board: agent01 slowed once (one window), at the first refusal
    board = api.get("/board", role="supervisor")
    assert board.status == 200, board.body
    (entry,) = board.json["pacing"]
    assert (entry["username"], entry["count"], entry["last_at"]) == ("agent01", 1, "2026-03-10T04:30:10.000Z")
    rows = {r["username"]: r for r in board.json["agents"]}
    # agent02 holds a lease (the board may list it), and was not slowed
    assert rows["agent01"]["slowed"] == 1 and not rows.get("agent02", {}).get("slowed")

    # the audit trail: one entry for this slow-down, whatever the number of refusals in it
    trail = slowdowns("agent01")
    assert [(a.actor, a.action, a.detail) for a in trail] == [
        ("agent01", "pacing_slowed", f"campaign:{cid} limit:10/120s")]
    assert trail[0].at_id.startswith("2026-03-10T04:30:10.000Z#")

    # the window ends: calling resumes, and only ten were counted in the first window
    clock.advance(seconds=105)
    assert harvest(api, cid, tokens["agent01"]).json["status"] == "leased"
    assert CounterModel.get(*pace_window("agent01", str(int(ist(DAY, "10:00").timestamp())))).leases == 10
    for _ in range(10):
        clock.advance(seconds=1)
        harvest(api, cid, tokens["agent01"])
    assert next_call(api, cid, tokens["agent01"]).status == 429
    (entry,) = api.get("/board", role="supervisor").json["pacing"]
    assert entry["count"] == 2 and entry["last_at"] == "2026-03-10T04:32:10.000Z"
    assert len(slowdowns("agent01")) == 2
    # the agent's day item counts the slow-downs too (the performance figures: issue 20), once per window
    assert int(CounterModel.get(*day_agent(DAY, "agent01")).paced) == 2
    assert not CounterModel.get(*day_agent(DAY, "agent02")).paced


def test_a_human_pace_is_never_slowed_and_a_retried_next_is_not_counted(
        api: Api, clock: Clock, setup: tuple[str, dict[str, str]]) -> None:
    cid, tokens = setup
    for i in range(30):  # a call every 15 s for 7.5 minutes: quick no-answers, as fast as a person goes
        screen = next_call(api, cid, tokens["agent01"])
        assert screen.status == 200 and screen.json["status"] == "leased", (i, screen.body)
        for _ in range(3):  # the phone retries its request: the same contact back, not counted
            assert next_call(api, cid, tokens["agent01"]).json["lease"]["how"] == "renewed"
        r = api.post("/calls", call_body(cid, screen.json["contact"]["contact_id"], "no_answer", duration_s=5),
                     token=tokens["agent01"])
        assert r.status == 201
        clock.advance(seconds=15)
    assert api.get("/board", role="supervisor").json["pacing"] == []
    assert slowdowns("agent01") == []


def test_thresholds_set_in_the_environment_apply(api: Api, clock: Clock, setup: tuple[str, dict[str, str]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cid, tokens = setup
    monkeypatch.setenv(pacing.MAX_LEASES_ENV, "2")
    monkeypatch.setenv(pacing.WINDOW_ENV, "30")
    assert harvest(api, cid, tokens["agent01"]).status == 200
    assert harvest(api, cid, tokens["agent01"]).status == 200
    r = next_call(api, cid, tokens["agent01"])
    assert r.status == 429 and r.headers["Retry-After"] == "30" and r.error["max_leases"] == 2
