"""POST /campaigns/{id}/next asks whether the agent is on duty now (roster, shift window, leave), and a
supervisor's duty override puts an agent on duty whatever the roster says; and the end-of-shift
handover: leases released, callbacks due in the coming shift moved to the seat partner, told once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.campaigns.store import TargetModel
from chalicelib.handover import service as handover
from chalicelib.handover.routes import HANDOVER_FUNCTION
from chalicelib.org.store import AuditModel
from chalicelib.shifts.rules import MORNING
from devtools.moto_local import patched
from tests.api.calling import B1, Clock, active_campaign, add_contacts, call_body, ist, next_call
from tests.api.conftest import Api, Env
from tests.api.shifts_support import emails, phone_of, put_agents, roster_lines, sms
from tests.api.test_calls_concurrency import together

pytestmark = pytest.mark.usefixtures("district")
WEEK = "2026-12-07"


@dataclass
class Floor:
    clock: Clock
    cid: str
    morning: str
    evening: str
    tokens: dict[str, str]


@pytest.fixture
def floor(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> Floor:
    """A week's roster (four agents on two seats, two supervisors) and a campaign running that week."""
    clock = Clock(monkeypatch, ist("2026-12-05", "12:00"))
    people = put_agents(4, 2)
    assert api.post(f"/rosters/{WEEK}/generate").status == 201
    lines = roster_lines(api, WEEK)
    morning = next(u for u, ln in lines.items() if ln["shift"] == MORNING and ln["seat"] == "S01")
    evening = lines[morning]["partner"]["username"]
    clock.set_ist(WEEK, "10:00")
    add_contacts(api, B1, 4)
    cid = active_campaign(api, starts_on=WEEK, ends_on="2026-12-13")["campaign_id"]
    tokens = {name: aws.user(name, "agent") for name in (morning, evening)}
    assert phone_of(people.index(evening) + 1)  # every agent here has a phone
    return Floor(clock, cid, morning, evening, tokens)


def test_only_agents_on_duty_get_a_call_and_the_refusal_says_why(api: Api, floor: Floor) -> None:
    assert next_call(api, floor.cid, floor.tokens[floor.morning]).json["status"] == "leased"
    r = next_call(api, floor.cid, floor.tokens[floor.evening])
    assert r.status == 409 and r.error["code"] == "off_duty"
    assert r.error["reason"] == "off_shift" and r.error["message"] == "you are not on duty now: this is not your shift"
    assert r.error["next_window"]["start"] == "2026-12-07T09:00:00.000Z"  # 14:30 IST today
    assert not list(TargetModel.by_agent.query(floor.evening))  # refused before anything was leased
    floor.clock.set_ist(WEEK, "15:00")
    assert next_call(api, floor.cid, floor.tokens[floor.evening]).json["status"] == "leased"
    assert api.post(f"/agents/{floor.morning}/leaves", {"from": "2026-12-08", "to": "2026-12-08",
                                                        "reason": "doctor"}).status == 201
    floor.clock.set_ist("2026-12-08", "10:00")
    away = next_call(api, floor.cid, floor.tokens[floor.morning])
    assert away.status == 409 and away.error["reason"] == "on_leave"
    nobody = api.post(f"/campaigns/{floor.cid}/next", role="agent")  # a login with no agent profile
    assert nobody.status == 409 and nobody.error["reason"] == "not_an_agent"


def test_a_supervisor_override_puts_an_agent_on_duty_until_it_ends(api: Api, floor: Floor) -> None:
    evening, path = floor.evening, f"/agents/{floor.evening}/duty-override"
    body = {"until": "2026-12-07T12:00:00+05:30", "reason": "covering a sick colleague"}
    assert api.post(path, body, role="agent").status == 403
    assert api.post(path, {**body, "until": "2026-12-07T09:00:00+05:30"}, role="supervisor").status == 400
    assert api.post(path, {**body, "until": "2026-12-20T09:00:00+05:30"}, role="supervisor").status == 400
    assert api.post("/agents/nobody-here/duty-override", body, role="supervisor").status == 404
    for _ in range(2):  # the same override again changes nothing
        r = api.post(path, body, role="supervisor")
        assert r.status == 200 and r.json["active"] and r.json["until"] == "2026-12-07T06:30:00.000Z"
    trail = list(AuditModel.query(f"agent#{evening}"))
    assert [(a.actor, a.action) for a in trail] == [("user-supervisor", "duty_override")]
    assert api.get(f"/agents/{evening}/duty", role="supervisor").json["reason"] == "override"
    assert next_call(api, floor.cid, floor.tokens[evening]).json["status"] == "leased"
    floor.clock.set_ist(WEEK, "12:00")  # the override has run out
    assert next_call(api, floor.cid, floor.tokens[evening]).error["reason"] == "off_shift"
    assert api.post(path, {**body, "until": "2026-12-07T13:00:00+05:30"}, role="supervisor").status == 200
    assert next_call(api, floor.cid, floor.tokens[evening]).status == 200
    lifted = api.delete(path, role="supervisor")
    assert lifted.status == 200 and not lifted.json["active"]
    assert next_call(api, floor.cid, floor.tokens[evening]).error["code"] == "off_duty"
    assert [a.action for a in AuditModel.query(f"agent#{evening}")].count("duty_override_lifted") == 1


# ---- the handover --------------------------------------------------------------------------


def morning_work(api: Api, floor: Floor) -> dict[str, str]:
    """The morning agent asks for two callbacks (one in the evening, one tomorrow) and holds a lease."""
    token, made = floor.tokens[floor.morning], {}
    for name, at in (("tonight", "2026-12-07T16:00:00+05:30"), ("tomorrow", "2026-12-08T11:00:00+05:30")):
        screen = next_call(api, floor.cid, token).json
        contact = screen["contact"]["contact_id"]
        r = api.post("/calls", call_body(floor.cid, contact, "callback_requested", callback_at=at, answers=None),
                     token=token)
        assert r.status == 201, r.body
        made[name] = contact
    made["held"] = next_call(api, floor.cid, token).json["contact"]["contact_id"]
    return made


def assert_handed_over(floor: Floor, made: dict[str, str]) -> None:
    held = TargetModel.get(floor.cid, made["held"])
    assert held.lease_agent is None and held.agent_key is None and held.due_at == "2026-12-07T09:01:00.000Z"
    tonight, tomorrow = TargetModel.get(floor.cid, made["tonight"]), TargetModel.get(floor.cid, made["tomorrow"])
    assert (tonight.agent_key, tonight.handover, tonight.status) == (floor.evening, f"{WEEK}#morning", "callback")
    assert tomorrow.agent_key == floor.morning and tomorrow.handover is None
    evening_mail = [m for m in emails(f"{floor.evening}@example.org") if "Shift handover" in m.subject]
    assert len(evening_mail) == 1 and "1 callbacks" in evening_mail[0].subject
    assert len([m for m in sms() if "callbacks handed to you" in m[1]]) == 1


def test_the_handover_releases_leases_and_moves_callbacks_once(api: Api, floor: Floor) -> None:
    made = morning_work(api, floor)
    assert api.post(f"/handovers/{WEEK}/morning").error["code"] == "shift_not_over"
    assert api.post(f"/handovers/{WEEK}/morning", role="supervisor").status == 403
    floor.clock.set_ist(WEEK, "14:31")
    first = api.post(f"/handovers/{WEEK}/morning")
    assert first.status == 200, first.body
    assert (first.json["released"], first.json["moved"], first.json["notifications"]) == (1, 1, {"sent": 1})
    event = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
    event["time"] = "2026-12-07T09:00:00Z"  # the schedule fires too
    again = api.client.lambda_.invoke(HANDOVER_FUNCTION, event).payload
    assert (again["released"], again["moved"]) == (0, 0)
    assert_handed_over(floor, made)
    floor.clock.set_ist(WEEK, "16:00")  # the partner gets the callback first
    screen = next_call(api, floor.cid, floor.tokens[floor.evening]).json
    assert screen["contact"]["contact_id"] == made["tonight"] and screen["lease"]["how"] == "callback"
    event["time"] = "2026-12-07T10:30:00Z"  # not just after the end of a shift: nothing to do
    assert api.client.lambda_.invoke(HANDOVER_FUNCTION, event).payload["result"] == "no_shift_ended"


def test_concurrent_handovers_change_everything_once_and_tell_once(api: Api, floor: Floor) -> None:
    made = morning_work(api, floor)
    floor.clock.set_ist(WEEK, "14:31")
    with patched():
        results: list[Any] = together(4, lambda _: handover.handover(ist(WEEK, "00:00").date(), MORNING, "t"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["released"] for r in results) == 1 and sum(r["moved"] for r in results) == 1
    assert_handed_over(floor, made)
