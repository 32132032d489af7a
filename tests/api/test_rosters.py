"""Rosters through the API and the schedule: one roster per period however often and however
concurrently it is generated, one message per person per revision, no silent rewrite of a roster in
force, and revisions that tell only the people whose assignment changed.

The request (or the roster schedule) sends nothing: the revision is committed with its notices
pending, and the notices job (a schedule, every minute) sends them; run twice, concurrently or after
a run that died, it sends each message once."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.notify import channels
from chalicelib.shifts import notices, rosters
from chalicelib.shifts.routes import NOTICES_FUNCTION, ROSTER_FUNCTION
from chalicelib.shifts.rules import EVENING, MORNING
from devtools.moto_local import patched
from tests.api.conftest import Api, Env
from tests.api.shifts_support import Clock, emails, ist, phone_of, put_agents, roster_lines, sms

WEEK = "2026-12-07"  # a Monday
NEXT_WEEK, WEEK_AFTER = "2026-12-14", "2026-12-21"


@pytest.fixture
def saturday(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist("2026-12-05", "12:00"))


def recipients() -> Counter[str]:
    return Counter(address for m in emails() for address in m.destinations["ToAddresses"])


def fire_schedule(client: Client, time: str) -> Any:
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
    event["time"] = time
    return client.lambda_.invoke(ROSTER_FUNCTION, event).payload


def run_notices() -> Any:
    """The notices job as Lambda runs it (the schedule's event, the app's middleware)."""
    with Client(app) as client:
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
        return client.lambda_.invoke(NOTICES_FUNCTION, event).payload


def test_generating_tells_every_agent_once_and_supervisors_the_whole_roster(api: Api, saturday: Clock) -> None:
    people = put_agents(70, 4)
    r = api.post(f"/rosters/{WEEK}/generate")
    assert r.status == 201, r.body
    assert r.json["revision"] == 1 and r.json["result"] == "created"
    assert r.json["summary"]["morning"] == {"agent": 35, "supervisor": 2} == r.json["summary"]["evening"]
    assert r.json["notifications"] == {"pending": True}
    assert emails() == [] and sms() == []  # nothing is sent inside the request
    assert run_notices() == {"revisions": 1, "finished": 1, "messages": {"sent": 74 + 74}}
    assert api.post(f"/rosters/{WEEK}/generate").json["notifications"] == {"pending": False}
    lines = roster_lines(api, WEEK, role="supervisor")
    assert set(lines) == set(people)
    slots = Counter((ln["seat"], ln["shift"]) for ln in lines.values() if ln["role"] == "agent")
    assert len(slots) == 70 and set(slots.values()) == {1}
    # one email per person; the agents' own assignment, in Hindi and English
    assert recipients() == Counter({f"{u}@example.org": 1 for u in people})
    a = lines["agent01"]
    [mail] = emails("agent01@example.org")
    shift_hi, shift_en = ("सुबह", "Morning") if a["shift"] == MORNING else ("शाम", "Evening")
    assert f"सीट {a['seat']}" in mail.body and f"seat {a['seat']}" in mail.body
    assert shift_hi in mail.body and shift_en in mail.body and "IST" in mail.body
    assert a["partner"]["username"] in mail.body and "+91" not in mail.body
    # supervisors: the whole roster, every agent by seat
    [whole] = emails("sup1@example.org")
    assert all(u in whole.body for u in people) and "Full roster" in whole.subject
    # one SMS each, to the agent's own phone, in their first language
    assert len(sms()) == 74
    [(phone, text)] = sms(phone_of(1))
    assert phone == phone_of(1) and text.startswith("सम्पर्क रोस्टर") and a["seat"] in text
    [(_, english)] = sms(phone_of(2))
    assert english.startswith("Sampark roster")
    # generating again changes nothing and tells nobody anything
    again = api.post(f"/rosters/{WEEK}/generate")
    assert again.status == 200 and again.json["result"] == "unchanged" and again.json["revision"] == 1
    assert again.json["notifications"] == {"pending": False}
    assert run_notices() == {"revisions": 0, "finished": 0, "messages": {}}  # the job again: nothing more
    assert len(emails()) == 74 and len(sms()) == 74
    assert api.get(f"/rosters/{WEEK}").json["revisions"] == [
        {"revision": 1, "created_at": "2026-12-05T06:30:00.000Z", "created_by": "user-admin", "changed": 74}]


def test_the_schedule_builds_next_weeks_roster_once_however_often_it_fires(api: Api, saturday: Clock) -> None:
    put_agents(10, 2)
    with Client(app) as client:
        first = fire_schedule(client, "2026-12-05T06:30:00Z")  # Saturday 12:00 IST
        second = fire_schedule(client, "2026-12-05T06:30:00Z")  # EventBridge delivers twice
        later = fire_schedule(client, "2026-12-06T06:30:00Z")
    assert first["period"] == second["period"] == later["period"] == WEEK
    assert (first["result"], second["result"], later["result"]) == ("created", "exists", "exists")
    assert len(api.get(f"/rosters/{WEEK}").json["revisions"]) == 1
    assert emails() == [] and sms() == []
    assert run_notices()["messages"] == {"sent": 24}
    assert run_notices()["revisions"] == 0
    assert len(emails()) == 12 and len(sms()) == 12


def test_concurrent_generation_stores_one_roster_and_notifies_once(api: Api, saturday: Clock) -> None:
    people = put_agents(30, 2)
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def admin() -> None:
        barrier.wait()
        results.append(rosters.generate_roster(WEEK, "user-admin", {}))

    def schedule() -> None:
        barrier.wait()
        results.append(rosters.scheduled_roster(ist("2026-12-05", "12:00")))

    with patched():
        threads = [threading.Thread(target=f) for f in (admin, admin, schedule, schedule)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 4
    assert len(api.get(f"/rosters/{WEEK}").json["revisions"]) == 1
    jobs: list[Any] = []
    with patched():  # the schedule fires twice at once
        runs = [threading.Thread(target=lambda: jobs.append(notices.send_pending_notices())) for _ in range(2)]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
    assert sum(job["messages"].get("sent", 0) for job in jobs) == 2 * len(people)  # each message by one run
    run_notices()  # whatever one run left to the other is finished here
    assert recipients() == Counter({f"{u}@example.org": 1 for u in people})
    assert len(sms()) == len(people)


def test_a_run_that_failed_half_way_is_finished_by_the_next_and_nothing_is_sent_twice(
        api: Api, saturday: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    people = put_agents(10, 1)
    api.post(f"/rosters/{WEEK}/generate")
    real, calls, lock = channels.send_email, [], threading.Lock()

    def flaky(sender: str, to: str, subject: str, text: str) -> str:
        with lock:
            calls.append(to)
            down = len(calls) > 4
        if down:
            raise channels.Unreachable("ServiceUnavailable", "SES is down")
        return real(sender, to, subject, text)

    monkeypatch.setattr(channels, "send_email", flaky)
    first = run_notices()
    assert first["finished"] == 0 and first["messages"]["deferred"] == 7 and len(emails()) == 4
    assert api.post(f"/rosters/{WEEK}/generate").json["notifications"] == {"pending": True}
    monkeypatch.setattr(channels, "send_email", real)
    second = run_notices()
    assert second["finished"] == 1 and second["messages"]["sent"] == 7
    assert recipients() == Counter({f"{u}@example.org": 1 for u in people})
    assert len(sms()) == 11 and run_notices()["revisions"] == 0


def test_a_leave_change_makes_a_revision_that_tells_only_whom_it_changes(api: Api, saturday: Clock) -> None:
    put_agents(40, 4)
    api.post(f"/rosters/{WEEK}/generate")
    run_notices()
    before = roster_lines(api, WEEK)
    leaver = next(u for u, ln in before.items() if ln["shift"] == MORNING and ln["role"] == "agent")
    partner = before[leaver]["partner"]["username"]
    r = api.post(f"/agents/{leaver}/leaves", {"from": "2026-12-07", "to": "2026-12-13", "reason": "wedding"})
    assert r.status == 201
    sent_before = len(emails())
    revised = api.post(f"/rosters/{WEEK}/generate")
    assert revised.status == 200 and revised.json["result"] == "revised" and revised.json["revision"] == 2
    run_notices()
    after = roster_lines(api, WEEK)
    changed = {u for u in after if after[u] != before[u]}
    assert {leaver, partner} <= changed and len(changed) <= 5
    assert after[leaver]["status"] == "on_leave" and after[leaver]["seat"] is None
    assert after[partner]["partner"] is None
    new_mail = Counter(a for m in emails()[sent_before:] for a in m.destinations["ToAddresses"])
    supervisors = {f"sup{i}@example.org" for i in range(1, 5)}
    assert set(new_mail) == {f"{u}@example.org" for u in changed} | supervisors and set(new_mail.values()) == {1}
    [notice] = emails(f"{leaver}@example.org")[1:]
    assert "revision 2" in notice.body and "on leave" in notice.body.lower()
    # the old revision stays readable
    old = api.get(f"/rosters/{WEEK}?rev=1").json
    assert old["revision"] == 1 and old["current_revision"] == 2
    assert api.get(f"/rosters/{WEEK}?rev=3").status == 400


def test_a_roster_in_force_is_revised_only_when_asked_to(api: Api, saturday: Clock) -> None:
    people = put_agents(20, 2)
    api.post(f"/rosters/{WEEK}/generate")
    run_notices()
    saturday.set_ist("2026-12-08", "09:00")  # Tuesday: the roster is in force
    target = next(u for u in people if u.startswith("agent"))
    api.post(f"/agents/{target}/leaves", {"from": "2026-12-07", "to": "2026-12-13", "reason": "fever"})
    sent = len(emails())
    refused = api.post(f"/rosters/{WEEK}/generate")
    assert refused.status == 409 and refused.error["code"] == "roster_in_force"
    assert refused.error["would_change"] >= 1
    assert len(emails()) == sent and len(api.get(f"/rosters/{WEEK}").json["revisions"]) == 1
    forced = api.post(f"/rosters/{WEEK}/generate", {"force": True})
    assert forced.status == 200 and forced.json["revision"] == 2
    assert len(emails()) == sent and run_notices()["finished"] == 1 and len(emails()) > sent
    assert api.post(f"/rosters/{WEEK}/generate", {"force": True}).json["result"] == "unchanged"


def test_a_period_that_a_later_roster_was_built_on_is_not_revised(api: Api, saturday: Clock) -> None:
    put_agents(6)
    api.post(f"/rosters/{WEEK}/generate")
    api.post(f"/rosters/{NEXT_WEEK}/generate")
    api.post("/agents/agent01/leaves", {"from": "2026-12-07", "to": "2026-12-13", "reason": "exam"})
    r = api.post(f"/rosters/{WEEK}/generate")
    assert r.status == 409 and r.error["code"] == "later_roster_exists"
    # nor is a period generated after the one that follows it
    api.post(f"/rosters/{WEEK_AFTER}/generate")
    skipped = api.post(f"/rosters/{NEXT_WEEK}/generate")
    assert skipped.status == 200 and skipped.json["result"] == "unchanged"  # nothing changed: nothing written
    assert api.post("/rosters/2026-12-28/generate").status == 201
    assert api.post("/rosters/2027-01-11/generate").status == 201
    gap = api.post("/rosters/2027-01-04/generate")
    assert gap.status == 409 and gap.error["code"] == "later_roster_exists"
    assert api.get("/rosters/2027-01-04").status == 404


def test_consecutive_weeks_alternate_and_keep_partners_together(api: Api, saturday: Clock) -> None:
    put_agents(36, 2)
    weeks = []
    for week in (WEEK, NEXT_WEEK, WEEK_AFTER):
        assert api.post(f"/rosters/{week}/generate").status == 201
        weeks.append(roster_lines(api, week))
    for before, after in itertools.pairwise(weeks):
        for u, line in after.items():
            assert line["shift"] == (EVENING if before[u]["shift"] == MORNING else MORNING)
            assert line["seat"] == before[u]["seat"] and line["partner"] == before[u]["partner"]
    assert {ln["room"]["room_id"] for ln in weeks[0].values() if ln["seat"]} == {"room-1", "room-2"}


def test_periods_are_checked(api: Api, saturday: Clock) -> None:
    r = api.post("/rosters/2026-12-08/generate")
    assert r.status == 400 and r.error["period_start"] == WEEK
    assert api.post("/rosters/december/generate").status == 400
    assert api.get(f"/rosters/{WEEK}").status == 404
    put_agents(2)
    assert api.post("/rosters/next/generate").json["period"] == WEEK
    assert api.get("/rosters/next", role="supervisor").json["period"] == WEEK


def test_more_agents_than_places_puts_the_rest_on_standby_and_tells_them(api: Api, saturday: Clock, aws: Env) -> None:
    api.put("/settings/seats", {"version": 0, "rooms": [
        {"room_id": "room-1", "name_hi": "कक्ष 1", "name_en": "Room 1", "seats": ["S01", "S02", "S03"]}]})
    put_agents(8)
    r = api.post(f"/rosters/{WEEK}/generate")
    assert r.json["summary"]["standby"] == 2
    lines = roster_lines(api, WEEK)
    waiting = sorted(u for u, ln in lines.items() if ln["status"] == "standby")
    assert waiting == ["agent07", "agent08"] and {lines[u]["reason"] for u in waiting} == {"no_seat"}
    run_notices()
    [mail] = emails("agent07@example.org")
    assert "standby" in mail.body.lower() and "every seat is taken" in mail.body
