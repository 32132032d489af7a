"""The next call and recording calls, through the API under moto: the screen, leases and their
expiry, calling hours in IST, dispositions, callbacks, opt-out, idempotent recording, counters,
progress and erasure."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.calls.store import CallLogModel
from chalicelib.campaigns.store import TargetModel
from chalicelib.org.store import AuditModel
from chalicelib.reporting.counters import CounterModel, day_agent, day_unit, figures
from tests.api.calling import (
    B1,
    B2,
    Clock,
    active_campaign,
    add_contacts,
    agents_on_duty,
    all_time,
    call_body,
    ist,
    next_call,
)
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


@pytest.fixture
def agents(aws: Env, clock: Clock) -> dict[str, str]:
    return agents_on_duty(aws, "agent01", "agent02")


def lease(api: Api, cid: str, token: str) -> dict[str, Any]:
    r = next_call(api, cid, token)
    assert r.status == 200 and r.json["status"] == "leased", r.body
    return dict(r.json)


def record(api: Api, cid: str, contact_id: str, token: str, disposition: str = "connected",
           **extra: Any) -> Any:
    return api.post("/calls", call_body(cid, contact_id, disposition, **extra), token=token)


def target(cid: str, contact_id: str) -> TargetModel:
    return TargetModel.get(cid, contact_id)


def test_the_screen_has_what_the_agent_needs_and_the_reveal_is_audited(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1, language="en")[0]
    cid = active_campaign(api)["campaign_id"]
    screen = lease(api, cid, agents["agent01"])
    c = screen["contact"]
    assert c["contact_id"] == contact and c["phone"].startswith("+91") and len(c["phone"]) == 13
    assert c["language"] == "en" and c["name"] == "Ram Yadav" and c["role"] == "booth_committee_member"
    assert [u["level"] for u in c["unit_path"]] == ["booth", "shakti_kendra", "mandal", "assembly"]
    assert c["unit_path_text"] == "Booth 1 → Jhirpa → Tamia → Junnardeo"
    assert screen["script"] == "Hello, this is the party office."
    assert screen["campaign"]["title"] == "Farmer support scheme"
    assert screen["questions"][0] == {"id": "received", "kind": "yes_no", "required": True, "text": "Was it received?"}
    assert screen["attempts"] == 0 and screen["previous_call"] is None
    assert screen["lease"]["until"] == "2026-03-10T04:40:00.000Z"
    trail = list(AuditModel.query(f"contact#{contact}"))
    assert [(a.actor, a.action, a.detail) for a in trail if a.action == "phone_revealed"] == [
        ("agent01", "phone_revealed", f"campaign:{cid}")]


def test_two_agents_never_get_the_same_target_and_a_retry_gets_the_same_one_back(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    a = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    again = lease(api, cid, agents["agent01"])
    assert again["contact"]["contact_id"] == a and again["lease"]["how"] == "renewed"
    b = lease(api, cid, agents["agent02"])["contact"]["contact_id"]
    assert a != b
    nothing = next_call(api, cid, agents["agent02"])  # agent02 holds b: gets b again, never a
    assert nothing.json["contact"]["contact_id"] == b
    assert record(api, cid, b, agents["agent02"]).status == 201
    empty = next_call(api, cid, agents["agent02"])
    assert empty.status == 200 and empty.json["status"] == "nothing_due"
    assert empty.json["message"]["en"] and empty.json["message"]["hi"] and empty.json["retry_after_s"] == 60


def test_an_expired_lease_returns_to_the_queue(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    clock.advance(minutes=9, seconds=59)
    assert next_call(api, cid, agents["agent02"]).json["status"] == "nothing_due"
    clock.advance(seconds=1)
    taken = lease(api, cid, agents["agent02"])
    assert taken["contact"]["contact_id"] == contact and taken["lease"]["how"] == "queue"
    # agent01's call, sent after the lapse, is recorded as late and leaves agent02's lease alone
    late = record(api, cid, contact, agents["agent01"])
    assert late.status == 201 and late.json["late"] is True
    assert target(cid, contact).lease_agent == "agent02"
    assert record(api, cid, contact, agents["agent02"]).status == 201
    assert target(cid, contact).attempts == 2 and all_time(cid, "chw")["completed"] == 1


def test_calling_hours_end_at_21_00_ist(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    clock.now = ist(DAY, "20:59")
    assert next_call(api, cid, agents["agent01"]).json["status"] == "leased"
    clock.now = ist(DAY, "21:00")
    r = next_call(api, cid, agents["agent02"])
    assert r.status == 409 and r.error["code"] == "outside_calling_hours"
    assert r.error["opens_at"] == "2026-03-11T03:30:00.000Z"  # 09:00 IST tomorrow
    clock.now = ist(DAY, "08:59")
    assert next_call(api, cid, agents["agent02"]).error["opens_at"] == "2026-03-10T03:30:00.000Z"
    clock.now = ist("2026-04-01", "10:00")
    assert next_call(api, cid, agents["agent02"]).error["code"] == "campaign_ended"


def test_only_the_lease_holder_or_a_supervisor_records(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    first, second = add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    held = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    other = second if held == first else first
    r = record(api, cid, held, agents["agent02"])
    assert r.status == 409 and r.error["code"] == "lease_not_held"
    assert record(api, cid, other, agents["agent01"]).error["code"] == "lease_not_held"
    by_supervisor = api.post("/calls", call_body(cid, other, "no_answer"), role="supervisor")
    assert by_supervisor.status == 201 and by_supervisor.json["agent"] == "user-supervisor"
    assert api.post("/calls", call_body(cid, "ct_unknown"), role="supervisor").status == 404
    assert api.post("/calls", call_body("cp_unknown", held), token=agents["agent01"]).status == 404


BAD_CALLS = [
    ({"answers": {"received": "yes"}}, "answers.received"),
    ({"answers": {"households": 3}}, "answers.received"),
    ({"answers": {"nope": 1, "received": True}}, "answers.nope"),
    ({"disposition": "no_answer", "answers": {"received": True}}, "answers"),
    ({"disposition": "callback_requested"}, "callback_at"),
    ({"callback_at": "2026-03-10T12:00:00+05:30"}, "callback_at"),
    ({"started_at": "2026-03-10T11:00:00+05:30"}, "started_at"),
    ({"started_at": "2026-03-07T11:00:00+05:30"}, "started_at"),
    ({"started_at": "2026-03-10T10:00:00"}, "started_at"),
    ({"call_id": "not-a-uuid"}, "call_id"),
    ({"disposition": "hung_up"}, "disposition"),
    ({"duration_s": -1}, "duration_s"),
]


def test_a_bad_call_is_refused_and_changes_nothing(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    contact = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    for change, field in BAD_CALLS:
        r = api.post("/calls", {**call_body(cid, contact), **change}, token=agents["agent01"])
        assert r.status == 400 and r.error["field"] == field, (change, r.body)
    assert target(cid, contact).attempts == 0 and all_time(cid, "chw")["attempts"] == 0


def test_a_retried_call_changes_nothing_and_a_reused_call_id_is_409(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    body = call_body(cid, contact, "no_answer", notes="phone rang out")
    first = api.post("/calls", body, token=agents["agent01"])
    again = api.post("/calls", body, token=agents["agent01"])
    assert (first.status, again.status) == (201, 201) and first.json == again.json
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    clock.advance(hours=3)  # even later, and after the target moved on, the answer is the stored one
    assert api.post("/calls", body, token=agents["agent01"]).json == first.json
    reused = api.post("/calls", {**body, "notes": "something else"}, token=agents["agent01"])
    assert reused.status == 409 and reused.error["code"] == "call_id_reused"
    assert len(list(CallLogModel.by_contact.query(contact))) == 1
    assert target(cid, contact).attempts == 1
    for counter in (all_time(cid, "chw"), all_time(cid, B1)):
        assert (counter["attempts"], counter["d_no_answer"]) == (1, 1)
    assert figures(CounterModel.get(*day_agent(DAY, "agent01")))["attempts"] == 1


def test_a_replayed_call_id_is_answered_only_to_its_agent_or_a_supervisor(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    body = call_body(cid, contact, "do_not_call", notes="मत बुलाइए")
    first = api.post("/calls", body, token=agents["agent01"])
    assert first.status == 201, first.body
    stranger = api.post("/calls", body, token=agents["agent02"])  # the same body, another agent
    assert stranger.status == 409 and stranger.error["code"] == "call_id_taken"
    assert stranger.error["field"] == "call_id" and "मत बुलाइए" not in stranger.body.decode()
    assert contact not in stranger.body.decode() and "agent01" not in stranger.body.decode()
    changed = api.post("/calls", {**body, "notes": "x"}, token=agents["agent02"])  # nor does a new body tell
    assert changed.status == 409 and changed.error["code"] == "call_id_taken"
    supervisor = api.post("/calls", body, role="supervisor")
    assert supervisor.status == 201 and supervisor.json == first.json
    assert supervisor.headers.get("Idempotent-Replayed") == "true"
    assert api.post("/calls", body, token=agents["agent01"]).json == first.json
    (log,) = CallLogModel.by_contact.query(contact)
    assert log.agent == "agent01" and target(cid, contact).attempts == 1
    assert all_time(cid, B1)["attempts"] == 1
    with pytest.raises(CounterModel.DoesNotExist):
        CounterModel.get(*day_agent(DAY, "agent02"))


def test_no_answer_retries_after_the_delay_until_max_attempts(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api, max_attempts=2, retry_delay_minutes=60)["campaign_id"]
    lease(api, cid, agents["agent01"])
    r = record(api, cid, contact, agents["agent01"], "busy", duration_s=0)
    assert r.json["target"] == {"status": "queued", "outcome": None, "attempts": 1,
                                "next_attempt_at": "2026-03-10T05:28:00.000Z", "callback_agent": None}
    clock.advance(minutes=57)  # 10:57 IST: the retry is due at 10:58
    assert next_call(api, cid, agents["agent02"]).json["status"] == "nothing_due"
    clock.advance(minutes=1)
    screen = lease(api, cid, agents["agent02"])
    assert screen["attempts"] == 1 and screen["previous_call"]["disposition"] == "busy"
    assert screen["previous_call"]["notes"] == "बात हुई" and screen["previous_call"]["agent"] == "agent01"
    last = record(api, cid, contact, agents["agent02"], "switched_off")
    assert last.json["target"]["status"] == "closed" and last.json["target"]["outcome"] == "max_attempts"
    clock.advance(days=1)
    assert next_call(api, cid, agents["agent01"]).json["status"] == "nothing_due"
    assert all_time(cid, "chw")["completed"] == 1 and all_time(cid, "chw")["attempts"] == 2


def test_a_callback_comes_back_to_the_same_agent_first(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 3)
    cid = active_campaign(api)["campaign_id"]
    asked = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    r = record(api, cid, asked, agents["agent01"], "callback_requested", callback_at="2026-03-10T11:00:00+05:30")
    assert r.json["target"]["status"] == "callback" and r.json["target"]["callback_agent"] == "agent01"
    listed = api.get("/me/callbacks", token=agents["agent01"]).json["items"]
    assert [(i["contact_id"], i["callback_at"]) for i in listed] == [(asked, "2026-03-10T05:30:00.000Z")]
    assert listed[0]["phone_masked"].startswith("+91XXXXXX") and "phone" not in listed[0]
    assert api.get("/me/callbacks", token=agents["agent02"]).json["items"] == []
    clock.now = ist(DAY, "11:00")
    for _ in range(2):  # agent02 works the queue: never the callback
        got = lease(api, cid, agents["agent02"])["contact"]["contact_id"]
        assert got != asked
        assert record(api, cid, got, agents["agent02"], "declined", answers=None).status == 201
    assert next_call(api, cid, agents["agent02"]).json["status"] == "nothing_due"
    back = lease(api, cid, agents["agent01"])
    assert back["contact"]["contact_id"] == asked and back["lease"]["how"] == "callback"
    assert back["previous_call"]["disposition"] == "callback_requested"
    assert record(api, cid, asked, agents["agent01"]).status == 201
    assert api.get("/me/callbacks", token=agents["agent01"]).json["items"] == []


def test_a_callback_is_offered_before_older_queue_targets(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 3)
    cid = active_campaign(api)["campaign_id"]
    asked = lease(api, cid, agents["agent01"])["contact"]["contact_id"]
    record(api, cid, asked, agents["agent01"], "callback_requested", callback_at="2026-03-10T10:30:00+05:30")
    clock.advance(minutes=31)
    assert lease(api, cid, agents["agent01"])["contact"]["contact_id"] == asked


def test_opt_out_mid_campaign_is_never_offered(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    first, second = add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    assert api.post(f"/contacts/{first}/opt-out", role="supervisor").status == 200
    seen = set()
    while (r := next_call(api, cid, agents["agent01"])).json["status"] == "leased":
        seen.add(r.json["contact"]["contact_id"])
        record(api, cid, r.json["contact"]["contact_id"], agents["agent01"])
    assert seen == {second}
    skipped = target(cid, first)
    assert (skipped.status, skipped.outcome, skipped.queue_key) == ("closed", "opted_out", None)
    assert all_time(cid, "chw")["completed"] == 2  # the skipped one counts as finished work
    assert not [a for a in AuditModel.query(f"contact#{first}") if a.action == "phone_revealed"]


def test_do_not_call_opts_out_everywhere_at_once(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    one = active_campaign(api)["campaign_id"]
    two = active_campaign(api, title_en="Second")["campaign_id"]
    lease(api, one, agents["agent01"])
    r = record(api, one, contact, agents["agent01"], "do_not_call", answers=None)
    assert r.json["target"]["outcome"] == "do_not_call"
    person = api.get(f"/contacts/{contact}", role="admin").json
    assert person["opted_out"] is True and person["opted_out_at"]
    assert next_call(api, two, agents["agent02"]).json["status"] == "nothing_due"
    assert target(two, contact).outcome == "opted_out"


def test_wrong_number_flags_the_contact_and_closes_the_target(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    r = record(api, cid, contact, agents["agent01"], "wrong_number", answers=None)
    assert r.json["target"]["status"] == "closed" and r.json["target"]["outcome"] == "wrong_number"
    assert api.get(f"/contacts/{contact}").json["wrong_number"] is True
    assert all_time(cid, "chw")["d_wrong_number"] == 1


def test_lists_of_calls(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    made = []
    for token in agents.values():
        contact = lease(api, cid, token)["contact"]["contact_id"]
        made.append(record(api, cid, contact, token).json)
    mine = api.get(f"/me/calls?date={DAY}", token=agents["agent01"])
    assert mine.status == 200 and [c["call_id"] for c in mine.json["items"]] == [made[0]["call_id"]]
    assert mine.json["items"][0]["notes"] == "बात हुई" and mine.json["items"][0]["contact_name"] == "राम यादव"
    assert api.get("/me/calls", token=agents["agent01"]).json["date"] == DAY  # today, in IST
    assert api.get("/me/calls?date=2026-03-09", token=agents["agent01"]).json["items"] == []
    assert api.get("/me/calls?date=10-03-2026", token=agents["agent01"]).status == 400
    history = api.get(f"/contacts/{made[1]['contact_id']}/calls", role="supervisor")
    assert [c["call_id"] for c in history.json["items"]] == [made[1]["call_id"]]
    assert "+91" not in history.body.decode()
    assert api.get(f"/contacts/{made[1]['contact_id']}/calls", role="agent").status == 403


def test_progress_reads_counters_and_shows_coverage_per_level(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    in_b1 = add_contacts(api, B1, 2)
    in_b2 = add_contacts(api, B2, 2, start=10)
    cid = active_campaign(api)["campaign_id"]
    for contact, disposition in [(in_b1[0], "connected"), (in_b1[1], "connected"), (in_b2[0], "no_answer")]:
        api.post("/calls", call_body(cid, contact, disposition), role="supervisor")
    p = api.get(f"/campaigns/{cid}/progress", role="state_leader")
    assert p.status == 200, p.body
    body = p.json
    assert (body["targets"], body["completed"], body["remaining"]) == (4, 2, 2)
    assert (body["attempts"], body["connects"]) == (3, 2)
    assert body["by_disposition"]["no_answer"] == 1 and body["by_disposition"]["connected"] == 2
    booths = next(c for c in body["coverage"] if c["level"] == "booth")
    assert (booths["targeted_units"], booths["reached_units"], booths["share"]) == (2, 1, 0.5)
    assert "+91" not in p.body.decode() and "Ram" not in p.body.decode()
    api.post("/calls", call_body(cid, in_b2[1], "connected"), role="supervisor")
    after = api.get(f"/campaigns/{cid}/progress?unit=chw-a1-m1", role="central_leader").json
    assert [(c["level"], c["reached_units"], c["targeted_units"]) for c in after["coverage"]] == [
        ("mandal", 1, 1), ("shakti_kendra", 1, 1), ("booth", 2, 2)]
    b2 = api.get(f"/campaigns/{cid}/progress?unit={B2}&date={DAY}", role="admin").json
    assert (b2["attempts"], b2["connects"], b2["date"]) == (2, 1, DAY)
    assert api.get(f"/campaigns/{cid}/progress?unit={B2}&date=2026-03-09").json["attempts"] == 0
    assert api.get(f"/campaigns/{cid}/progress?unit=nowhere").status == 404
    assert api.get(f"/campaigns/{cid}/progress", role="agent").status == 403


def test_counters_equal_the_call_logs(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contacts = add_contacts(api, B1, 3) + add_contacts(api, B2, 3, start=10)
    cid = active_campaign(api, retry_delay_minutes=0)["campaign_id"]
    plan = ["no_answer", "connected", "busy", "declined", "callback_requested", "wrong_number", "no_answer",
            "do_not_call", "connected", "switched_off"]
    for i, disposition in enumerate(plan):
        token = agents["agent01" if i % 2 else "agent02"]
        r = next_call(api, cid, token)
        if r.json["status"] != "leased":
            break
        extra: dict[str, Any] = {"answers": None} if disposition != "connected" else {}
        if disposition == "callback_requested":
            extra["callback_at"] = "2026-03-10T12:00:00+05:30"
        assert record(api, cid, r.json["contact"]["contact_id"], token, disposition, **extra).status == 201
    logs = [log for c in contacts for log in CallLogModel.by_contact.query(c)]
    district = all_time(cid, "chw")
    assert district["attempts"] == len(logs) >= len(contacts)  # how many calls fit depends on the order drawn
    for d in set(plan):
        assert district[f"d_{d}"] == sum(1 for log in logs if log.disposition == d), d
    assert district["talk_s"] == sum(int(log.duration_s) for log in logs)
    day = figures(CounterModel.get(*day_unit(DAY, cid, "chw")))
    agent_days = [figures(CounterModel.get(*day_agent(DAY, a))) for a in agents]
    assert day["attempts"] == sum(a["attempts"] for a in agent_days) == len(logs)
    booth_sum = all_time(cid, B1)["attempts"] + all_time(cid, B2)["attempts"]
    assert booth_sum == len(logs)
    finished = sum(1 for c in contacts if target(cid, c).status in ("done", "closed"))
    assert district["completed"] == finished


def test_erasure_removes_call_logs_and_targets_but_keeps_counters(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    record(api, cid, contact, agents["agent01"])
    assert api.delete(f"/contacts/{contact}", role="admin").status == 200
    assert list(CallLogModel.by_contact.query(contact)) == []
    assert list(TargetModel.query(cid)) == []
    history = api.get(f"/contacts/{contact}/calls", role="admin")  # 404 once reads check the contact exists
    assert history.status == 404 or (history.status == 200 and history.json["items"] == []), history.body
    assert api.get(f"/me/calls?date={DAY}", token=agents["agent01"]).json["items"] == []
    assert all_time(cid, "chw")["connects"] == 1


def test_a_retry_that_comes_after_the_callback_time_is_still_the_same_call(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    body = call_body(cid, contact, "callback_requested", answers=None, callback_at="2026-03-10T10:05:00+05:30")
    first = api.post("/calls", body, token=agents["agent01"])
    clock.advance(minutes=10)  # the phone was offline: the retry arrives after the callback time
    again = api.post("/calls", body, token=agents["agent01"])
    assert (first.status, again.status) == (201, 201) and again.json == first.json
    fresh = api.post("/calls", {**body, "call_id": "5f0c2d0e-1111-4b7a-9c3e-000000000001"}, token=agents["agent01"])
    assert fresh.status == 400 and fresh.error["field"] == "callback_at"  # a new call is checked against the clock


def test_a_supervisors_follow_up_on_a_finished_target_is_counted_but_does_not_reopen_it(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    lease(api, cid, agents["agent01"])
    record(api, cid, contact, agents["agent01"])
    follow_up = api.post("/calls", call_body(cid, contact, "no_answer"), role="supervisor")
    assert follow_up.status == 201 and follow_up.json["target"]["status"] == "done"
    assert next_call(api, cid, agents["agent02"]).json["status"] == "nothing_due"
    counters = all_time(cid, "chw")
    assert (counters["attempts"], counters["completed"], counters["reached_booth"]) == (2, 1, 1)
