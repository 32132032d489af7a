"""The supervisor board and an agent's own day, under moto: who is rostered on the shift in progress
and at which seat, each agent's state, calls and connects of the day, leases and callbacks held, each
active campaign's progress; and that more calls never cost the board more reads (its fixed budget
whatever the number of agents and campaigns: tests/api/test_board_budget.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.board import store as board_store
from chalicelib.reporting import counters
from chalicelib.reporting.counters import CounterModel
from chalicelib.shifts import calling, config_store
from tests.api.answer_recount import recount
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env
from tests.api.shifts_support import put_agents
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"  # a Tuesday


@pytest.fixture(autouse=True)
def _fresh_lines() -> Iterator[None]:
    """Roster lines are kept per container (immutable per revision); each test starts with none kept."""
    board_store.forget_lines()
    yield
    board_store.forget_lines()


def board_calls() -> int:
    """DynamoDB calls of the most recent GET /board."""
    runs = [sum(ops.values()) for (route, _), ops in RECORDER.per_request.items() if route == "GET /board"]
    return runs[-1]


def test_board_shows_each_agents_day_leases_callbacks_and_campaigns(api: Api, aws: Env,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 4)
    add_contacts(api, B2, 2, start=10)
    cid = active_campaign(api, starts_on="2026-03-01", ends_on="2026-03-31")["campaign_id"]
    one, two = aws.user("agent01", "agent"), aws.user("agent02", "agent")
    on_duty("agent01", "agent02")

    first = next_call(api, cid, one).json
    assert api.post("/calls", call_body(cid, first["contact"]["contact_id"]), token=one).status == 201
    second = next_call(api, cid, one).json
    callback = call_body(cid, second["contact"]["contact_id"], "callback_requested",
                         callback_at="2026-03-10T12:00:00+05:30")
    assert api.post("/calls", callback, token=one).status == 201
    held = next_call(api, cid, two).json  # agent02 holds a lease, no call yet
    clock.advance(minutes=3)

    board = api.get("/board", role="supervisor")
    assert board.status == 200, board.body
    data = board.json
    assert data["date"] == DAY and data["refresh_s"] <= 15
    rows = {r["username"]: r for r in data["agents"]}
    assert (rows["agent01"]["calls"], rows["agent01"]["connects"]) == (2, 1)
    assert rows["agent01"]["callbacks"] == {"pending": 1, "due": 0, "more": False}
    assert rows["agent01"]["leases"] == [] and rows["agent01"]["lease"] is None
    assert rows["agent01"]["state"] != "on_call"
    assert data["totals"]["calls"] == 2 and data["totals"]["connects"] == 1
    (campaign,) = data["campaigns"]
    assert campaign["campaign_id"] == cid and campaign["connects"] == 1 and campaign["targets"] == 6
    assert campaign["completed"] == 1 and campaign["attempts"] == 2
    assert {row["level"] for row in campaign["coverage"]} >= {"booth", "mandal"}
    assert "phone" not in board.body.decode()
    # today's answers at the campaign's target: what a recount of the day's call logs gives
    contacts = [first["contact"]["contact_id"], second["contact"]["contact_id"]]
    questions = api.get(f"/campaigns/{cid}", role="supervisor").json["questions"]
    again = recount(cid, questions, contacts, DAY)["chw"]
    answers = {a["id"]: a for a in campaign["answers_today"]}
    assert answers["received"]["yes"] == 1 and answers["households"]["sum"] == 12
    for qid, view in again.items():
        assert {k: answers[qid][k] for k in view} == view, qid
    assert answers["mood"]["labels"]["good"] == {"label_hi": "अच्छा", "label_en": "Good"}

    assert api.post("/calls", call_body(cid, held["contact"]["contact_id"], "busy"), token=two).status == 201
    third = next_call(api, cid, two).json
    data = api.get("/board", role="admin").json
    rows = {r["username"]: r for r in data["agents"]}
    (lease,) = rows["agent02"]["leases"]
    assert lease["campaign_id"] == cid and lease["until"] == third["lease"]["until"]
    assert rows["agent02"]["state"] == "on_call" and data["states"]["on_call"] == 1

    clock.set_ist(DAY, "12:30")  # the callback is due now
    rows = {r["username"]: r for r in api.get("/board", role="supervisor").json["agents"]}
    assert rows["agent01"]["callbacks"]["due"] == 1


def test_board_cost_does_not_grow_with_calls(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 6)
    cid = active_campaign(api, starts_on="2026-03-01", ends_on="2026-03-31", max_attempts=10,
                          retry_delay_minutes=0)["campaign_id"]
    token = aws.user("agent01", "agent")
    on_duty("agent01")
    api.get("/board", role="supervisor")
    empty = board_calls()
    screen = next_call(api, cid, token).json
    assert api.post("/calls", call_body(cid, screen["contact"]["contact_id"], "no_answer"), token=token).status == 201
    api.get("/board", role="supervisor")
    with_one_agent = board_calls()
    for _ in range(4):
        clock.advance(minutes=1)
        screen = next_call(api, cid, token).json
        r = api.post("/calls", call_body(cid, screen["contact"]["contact_id"], "no_answer"), token=token)
        assert r.status == 201, r.body
    api.get("/board", role="supervisor")
    assert board_calls() == with_one_agent, "more calls, same reads"
    assert with_one_agent <= empty + 1  # at most what the agent holds (until leases live on counters)


def test_me_today_reads_the_agents_own_counter(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist(DAY, "10:00"))
    add_contacts(api, B1, 2)
    cid = active_campaign(api, starts_on="2026-03-01", ends_on="2026-03-31")["campaign_id"]
    token = aws.user("agent01", "agent")
    on_duty("agent01")
    assert api.get("/me/today", token=token).json == {"date": DAY, "calls": 0, "connects": 0, "talk_s": 0}
    screen = next_call(api, cid, token).json
    assert api.post("/calls", call_body(cid, screen["contact"]["contact_id"]), token=token).status == 201
    assert api.get("/me/today", token=token).json == {"date": DAY, "calls": 1, "connects": 1, "talk_s": 95}
    assert api.get("/board", role="agent").status == 403
    assert api.get("/me/today", role="state_leader").status == 403


def test_board_lists_the_agents_rostered_on_the_shift_in_progress(api: Api, aws: Env,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist("2026-03-09", "09:00"))  # a Monday: the first day of a period
    put_agents(6, supervisors=1)
    r = api.post("/rosters/current/generate", {}, role="admin")
    assert r.status in (200, 201), r.body
    data = api.get("/board", role="supervisor").json
    assert data["shift"]["rostered"] and data["shift"]["window"]["shift"] == "morning"
    morning = [row for row in data["agents"] if row["rostered"]]
    assert morning and all(row["seat"] or row["role"] == "supervisor" for row in morning)
    assert data["totals"]["on_duty"] == len(morning)
    # the seat map: every room and seat of the settings, the morning's agents at their seats, nobody
    # has done anything yet this shift: absent
    seats = {s["seat"]: (room["room_id"], s["agent"]) for room in data["rooms"] for s in room["seats"]}
    assert len(seats) == 35 and [r["room_id"] for r in data["rooms"]] == ["room-1", "room-2", "room-3"]
    seated = {a["username"]: seat for seat, (_, a) in seats.items() if a}
    assert seated == {r["username"]: r["seat"] for r in morning if r["seat"]}
    assert all(a["state"] == "absent" for _, a in seats.values() if a)
    assert data["states"]["absent"] == len(morning)
    clock.set_ist("2026-03-09", "22:00")  # between shifts: nobody is on duty
    night = api.get("/board", role="supervisor").json
    assert night["shift"]["window"] is None and night["agents"] == []
    assert all(s["agent"] is None for room in night["rooms"] for s in room["seats"])


def agent_day_item(username: str, **figures: object) -> None:
    """What the activity paths leave on an agent's day item (reporting/activity.py): first activity, time
    active, idle gaps, calls flagged."""
    pk, sk = counters.day_agent("2026-03-09", username)
    CounterModel(pk, sk, agent=username, **figures).save()


def test_board_rows_carry_the_days_first_activity_hours_idle_gaps_and_flags(api: Api, aws: Env,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20: each agent's row and seat show today's first activity, time active, idle gaps and calls
    flagged, and a seated agent whose first activity came after the shift's start plus the late grace
    (calling settings, default 10 min) is late by that many minutes; the budget does not move."""
    Clock(monkeypatch, ist("2026-03-09", "11:00"))  # Monday, the morning shift (08:00-14:30 IST)
    put_agents(6)
    assert api.post("/rosters/current/generate", {}, role="admin").status in (200, 201)
    seated = sorted(r["username"] for r in api.get("/board", role="supervisor").json["agents"] if r["seat"])
    prompt, tardy, quiet = seated[:3]
    agent_day_item(prompt, first_at="2026-03-09T02:39:00.000Z", last_active_at="2026-03-09T05:20:00.000Z",
                   active_s=8400, idle_n=1, idle_s=1200, flags_n=0, attempts=30, connects=12)  # 08:09 IST
    agent_day_item(tardy, first_at="2026-03-09T03:12:00.000Z", last_active_at="2026-03-09T05:25:00.000Z",
                   active_s=5400, idle_n=3, idle_s=2700, flags_n=2, attempts=20, connects=4)  # 08:42 IST
    board_store.forget_lines()
    data = api.get("/board", role="supervisor").json
    cold = board_calls()
    rows = {r["username"]: r for r in data["agents"]}
    assert {k: rows[prompt][k] for k in ("first_at", "late_min", "active_s", "idle_n", "idle_s", "flags_n")} == {
        "first_at": "2026-03-09T02:39:00.000Z", "late_min": 0, "active_s": 8400, "idle_n": 1, "idle_s": 1200,
        "flags_n": 0}
    assert {k: rows[tardy][k] for k in ("late_min", "active_s", "idle_n", "idle_s", "flags_n")} == {
        "late_min": 42, "active_s": 5400, "idle_n": 3, "idle_s": 2700, "flags_n": 2}
    assert (rows[quiet]["first_at"], rows[quiet]["late_min"], rows[quiet]["active_s"]) == (None, None, 0)
    seats = {s["agent"]["username"]: s["agent"] for room in data["rooms"] for s in room["seats"] if s["agent"]}
    tile = seats[tardy]
    assert (tile["late_min"], tile["flags_n"], tile["first_at"]) == (42, 2, "2026-03-09T03:12:00.000Z")
    assert (data["totals"]["late"], data["totals"]["flags"]) == (1, 2)

    # a longer grace in the calling settings: 42 minutes is on time; the board reads it in the same batch
    config_store.put_config(calling.NAME, {"late_grace_minutes": 45}, 0, "2026-03-09T05:00:00.000Z", "admin")
    board_store.forget_lines()
    again = {r["username"]: r for r in api.get("/board", role="supervisor").json["agents"]}
    assert again[tardy]["late_min"] == 0
    assert board_calls() == cold
