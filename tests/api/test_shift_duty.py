"""Who is on duty now (what the calling workflow will ask), and GET /me/shift."""

from __future__ import annotations

import pytest

from chalicelib.shifts import agent_store, duty
from chalicelib.shifts.rules import EVENING, MORNING
from tests.api.conftest import Api, Env
from tests.api.shifts_support import Clock, ist, put_agents, roster_lines

WEEK, NEXT_WEEK = "2026-12-07", "2026-12-14"


@pytest.fixture
def rostered(api: Api, monkeypatch: pytest.MonkeyPatch) -> tuple[Clock, dict[str, str]]:
    """A week's roster of four agents on two seats and two supervisors; returns the morning and
    evening agent of one seat."""
    clock = Clock(monkeypatch, ist("2026-12-05", "12:00"))
    put_agents(4, 2)
    assert api.post(f"/rosters/{WEEK}/generate").status == 201
    lines = roster_lines(api, WEEK)
    morning = next(u for u, ln in lines.items() if ln["shift"] == MORNING and ln["seat"] == "S01")
    evening = lines[morning]["partner"]["username"]
    return clock, {"morning": morning, "evening": evening, "seat": "S01"}


def test_an_agent_is_on_duty_inside_their_own_window_only(api: Api, rostered: tuple[Clock, dict[str, str]]) -> None:
    _, who = rostered
    status = duty.duty_status(who["morning"], ist(WEEK, "09:00"))
    assert status.on_duty and status.reason == "on_duty"
    assert (status.shift, status.seat, status.partner, status.period) == (MORNING, "S01", who["evening"], WEEK)
    assert status.window is not None and status.window.to_dict()["start"] == "2026-12-07T02:30:00.000Z"
    later = duty.duty_status(who["morning"], ist(WEEK, "15:00"))
    assert not later.on_duty and later.reason == "off_shift" and later.message == "this is not your shift"
    assert later.next_window is not None and later.next_window.to_dict()["start"] == "2026-12-08T02:30:00.000Z"
    # 14:30 belongs to the evening shift
    assert duty.duty_status(who["evening"], ist(WEEK, "14:30")).on_duty
    assert not duty.duty_status(who["morning"], ist(WEEK, "14:30")).on_duty
    assert duty.duty_status(who["evening"], ist(WEEK, "21:00")).reason == "off_shift"
    assert duty.duty_status(who["morning"], ist(NEXT_WEEK, "09:00")).reason == "not_rostered"
    assert duty.duty_status("user-agent", ist(WEEK, "09:00")).reason == "not_an_agent"
    assert duty.duty_status("sup1", ist(WEEK, "09:00")).to_dict()["shift"] in (MORNING, EVENING)


def test_leave_today_and_an_inactive_profile_take_an_agent_off_duty(
        api: Api, rostered: tuple[Clock, dict[str, str]]) -> None:
    _, who = rostered
    r = api.post(f"/agents/{who['morning']}/leaves", {"from": "2026-12-08", "to": "2026-12-08", "reason": "doctor"})
    assert r.status == 201
    away = duty.duty_status(who["morning"], ist("2026-12-08", "09:00"))
    assert away.reason == "on_leave" and away.message_hi == "आप आज छुट्टी पर हैं"
    assert duty.duty_status(who["morning"], ist("2026-12-09", "09:00")).on_duty
    agent = agent_store.get_agent(who["evening"])
    assert agent is not None
    agent_store.update_agent(who["evening"], agent.version, {"active": False})
    assert duty.duty_status(who["evening"], ist(WEEK, "16:00")).reason == "inactive"


def test_standby_agents_are_not_on_duty(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-12-05", "12:00"))
    api.put("/settings/seats", {"version": 0, "rooms": [
        {"room_id": "room-1", "name_hi": "कक्ष 1", "name_en": "Room 1", "seats": ["S01"]}]})
    put_agents(3)
    api.post(f"/rosters/{WEEK}/generate")
    status = duty.duty_status("agent03", ist(WEEK, "09:00"))
    assert status.reason == "standby" and not status.on_duty


def test_shift_windows_follow_the_configuration(api: Api) -> None:
    assert duty.shift_window(ist(WEEK, "07:59")) is None
    assert duty.shift_window(ist(WEEK, "08:00")).shift == MORNING  # type: ignore[union-attr]
    assert duty.shift_window(ist(WEEK, "14:30")).shift == EVENING  # type: ignore[union-attr]
    assert duty.shift_window(ist(WEEK, "21:00")) is None
    r = api.put("/settings/shifts", {"version": 0, "shifts": {"morning": {"start": "09:00", "end": "15:00"},
                                                             "evening": {"start": "15:00", "end": "21:30"}},
                                     "working_days": ["mon", "tue", "wed", "thu", "fri", "sat"]})
    assert r.status == 200, r.body
    assert duty.shift_window(ist(WEEK, "08:30")) is None
    assert duty.shift_window(ist(WEEK, "21:15")).shift == EVENING  # type: ignore[union-attr]
    assert duty.shift_window(ist("2026-12-13", "10:00")) is None  # a Sunday: no shift


def test_my_shift_tells_today_and_the_next_shift(api: Api, aws: Env, rostered: tuple[Clock, dict[str, str]]) -> None:
    clock, who = rostered
    token = aws.user(who["morning"], "agent")
    clock.set_ist(WEEK, "09:00")
    r = api.get("/me/shift", token=token)
    assert r.status == 200, r.body
    today, upcoming = r.json["today"], r.json["next"]
    assert today["state"] == "on_duty" and today["shift"] == MORNING and today["seat"] == "S01"
    assert today["partner"]["username"] == who["evening"] and today["partner"]["name_en"] == f"Name {who['evening']}"
    assert today["room"]["name_hi"] == "कक्ष 1"
    assert upcoming["date"] == "2026-12-08" and upcoming["state"] == "upcoming"
    clock.set_ist(WEEK, "07:00")
    early = api.get("/me/shift", token=token).json
    assert early["today"]["state"] == "upcoming" and early["next"]["date"] == WEEK
    clock.set_ist("2026-12-13", "16:00")  # Sunday afternoon: next week has no roster yet
    sunday = api.get("/me/shift", token=token).json
    assert sunday["today"]["state"] == "finished" and sunday["next"] is None
    assert sunday["periods"]["next"] == {"period": NEXT_WEEK, "revision": None, "assignment": None}
    clock.set_ist("2026-12-12", "12:00")
    assert api.post(f"/rosters/{NEXT_WEEK}/generate").status == 201
    clock.set_ist("2026-12-13", "16:00")
    after = api.get("/me/shift", token=token).json
    assert after["next"]["date"] == NEXT_WEEK and after["next"]["shift"] == EVENING  # alternated
    assert after["periods"]["next"]["assignment"]["seat"] == "S01"
    nobody = api.get("/me/shift", role="agent").json
    assert nobody["today"]["state"] == "not_rostered" and nobody["next"] is None
