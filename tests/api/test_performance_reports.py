"""The performance room under moto: GET /reports/agents, /reports/flags, /reports/vendor and the monthly
vendor_report job read a seeded set of counter items (as the calls write them, issue 20's contract) and a
roster, and answer what they imply; leaders see employers' totals only; bad input is 400 on its field; the
job emails once however often it fires, with the per-agent CSV."""

from __future__ import annotations

import csv
import email
import io
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import RawMessage, ses_backends

from chalicelib.core.clock import iso
from chalicelib.notify import service as notify
from chalicelib.performance import rules, store
from chalicelib.performance.routes import VENDOR_FUNCTION, VENDOR_SCHEDULE
from chalicelib.reporting.counters import CounterModel
from chalicelib.shifts import agent_store, roster_store
from devtools.provision import create_user
from tests.api.conftest import PASSWORD, REGION, Api, Env
from tests.api.shifts_support import Clock, ist, put_agents
from tests.conftest import count_dynamodb_calls

MON, TUE = "2026-11-16", "2026-11-17"  # a Monday: the rotation period (one week) starts on it
FIRM = {"id": "firm-a", "name_hi": "फर्म ए", "name_en": "Firm A"}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    return Clock(monkeypatch, ist("2026-11-20", "12:00"))


def utc(day: str, hhmm: str) -> str:
    return iso(ist(day, hhmm))


def put_day(day: str, username: str, **figures: Any) -> None:
    """An agent's day item as the activity writes it (raw: every figure of the contract)."""
    item: dict[str, Any] = {"pk": {"S": f"d#{day}#agents"}, "sk": {"S": f"a#{username}"}, "agent": {"S": username}}
    for name, value in figures.items():
        item[name] = {"S": value} if isinstance(value, str) else {"N": str(value)}
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=CounterModel.Meta.table_name, Item=item)


def put_roster(period: str, lines: dict[str, tuple[str, str | None, str | None]]) -> None:
    """A period's roster head and its lines: username -> (status, shift, seat)."""
    roster_store.RosterItem(period, roster_store.HEAD, rev=1, set_hash="h1").save()
    roster_store.write_lines(period, "h1", [
        {"username": u, "role": "agent", "status": s, "shift": sh, "seat": seat} for u, (s, sh, seat) in lines.items()])


@pytest.fixture
def seeded(api: Api, clock: Clock) -> None:
    put_agents(4)  # agent01..agent04, the party's own staff
    firms = api.put("/settings/employers", {"version": 0, "employers": [FIRM]})
    assert firms.status == 200, firms.body
    moved = api.patch("/agents/agent02", {"version": 1, "employer": FIRM["id"]})  # agent02: the firm's
    assert moved.status == 200, moved.body
    put_roster(MON, {"agent01": ("placed", "morning", "S01"), "agent02": ("placed", "evening", "S01"),
                     "agent04": ("on_leave", None, None)})
    # agent01: on time Monday (grace 10 min), absent Tuesday
    put_day(MON, "agent01", first_at=utc(MON, "08:05"), last_active_at=utc(MON, "14:25"), active_s=18000,
            idle_n=2, idle_s=2400, attempts=40, connects=20, talk_s=2400, verified=4, discrepant=1, ans_asked=30,
            ans_given=27, callbacks_made=3, callbacks_kept=2, paced=1, short_n=2, rapid_n=1, same_n=0, flags_n=3)
    # agent02 (the firm's): late Monday, left early Tuesday
    put_day(MON, "agent02", first_at=utc(MON, "15:00"), last_active_at=utc(MON, "21:00"), active_s=14400,
            attempts=30, connects=10, talk_s=1500)
    put_day(TUE, "agent02", first_at=utc(TUE, "14:30"), last_active_at=utc(TUE, "18:00"), active_s=9000,
            attempts=12, connects=6, talk_s=600, verified=2, discrepant=2)
    # agent03: worked Tuesday without a roster line
    put_day(TUE, "agent03", first_at=utc(TUE, "10:00"), last_active_at=utc(TUE, "11:00"), active_s=3600, attempts=5)


def report(api: Api, query: str, role: str = "supervisor") -> Any:
    return api.get(f"/reports/agents?{query}", role=role)


@pytest.mark.usefixtures("seeded")
def test_each_agents_days_and_totals_are_what_the_counters_and_roster_imply(api: Api) -> None:
    r = report(api, f"from={MON}&to={TUE}")
    assert r.status == 200, r.body
    rows = {a["username"]: a for a in r.json["items"]}
    assert list(rows) == ["agent01", "agent02", "agent03", "agent04"] and r.json["cursor"] is None
    a1 = {d["day"]: d for d in rows["agent01"]["days"]}
    assert (a1[MON]["status"], a1[MON]["shift"], a1[MON]["seat"]) == ("on_time", "morning", "S01")
    assert (a1[MON]["attempts"], a1[MON]["connects"], a1[MON]["talk_s"], a1[MON]["aht_s"]) == (40, 20, 2400, 120)
    assert a1[MON]["first_at"] == utc(MON, "08:05") and a1[MON]["last_at"] == utc(MON, "14:25")
    assert a1[TUE]["status"] == "absent" and a1[TUE]["attempts"] == 0
    t1 = rows["agent01"]["totals"]
    assert (t1["days_rostered"], t1["days_present"], t1["on_time"], t1["absent"]) == (2, 1, 1, 1)
    assert (t1["discrepancy_rate"], t1["completeness"], t1["connects_per_hour"]) == (0.25, 0.9, 4.0)
    assert (t1["callbacks_kept"], t1["paced"], t1["flags_n"], t1["idle_n"]) == (2, 1, 3, 2)
    assert [d["status"] for d in rows["agent02"]["days"]] == ["late", "left_early"]
    assert rows["agent02"]["employer"] == "firm-a" and rows["agent02"]["totals"]["attempts"] == 42
    assert [d["status"] for d in rows["agent03"]["days"]] == ["off", "unrostered"]
    assert [d["status"] for d in rows["agent04"]["days"]] == ["leave", "leave"]


@pytest.mark.usefixtures("seeded")
def test_the_report_is_paged_by_agent_and_filtered_by_employer(api: Api) -> None:
    seen, cursor = [], ""
    for _ in range(3):
        r = report(api, f"from={MON}&to={TUE}&limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        seen += [a["username"] for a in r.json["items"]]
        cursor = r.json["cursor"]
        if not cursor:
            break
    assert seen == ["agent01", "agent02", "agent03", "agent04"]
    firm = report(api, f"from={MON}&to={TUE}&employer=firm-a", role="admin")
    assert firm.status == 200 and [a["username"] for a in firm.json["items"]] == ["agent02"]
    assert firm.json["employer"] == "firm-a"


@pytest.mark.usefixtures("seeded")
def test_bad_input_is_400_on_its_field_and_only_staff_may_read(api: Api) -> None:
    cases = [("from=2026-08-01&to=2026-11-20", "to"), ("from=2026-11-21&to=2026-11-21", "from"),
             ("from=2026-11-19&to=2026-11-21", "to"), ("from=2026-11-18&to=2026-11-17", "from"),
             (f"from={MON}&to={TUE}&employer=nobody", "employer"), (f"from={MON}", "to"),
             (f"from={MON}&to={TUE}&cursor=zzz", "cursor"), (f"from={MON}&to={TUE}&limit=0", "limit")]
    for query, field in cases:
        r = report(api, query)
        assert r.status == 400 and r.error["field"] == field, (query, r.body)
    assert report(api, f"from={MON}&to={TUE}&employer=nobody").error["code"] == "unknown_employer"
    for role in ("state_leader", "central_leader", "agent"):
        assert report(api, f"from={MON}&to={TUE}", role=role).status == 403


@pytest.mark.usefixtures("seeded")
def test_the_vendor_month_per_employer_and_leaders_see_totals_only(api: Api) -> None:
    r = api.get("/reports/vendor?month=2026-11", role="supervisor")
    assert r.status == 200, r.body
    party, firm = r.json["employers"]
    assert party["employer"] == "party" and firm["employer"] == "firm-a"
    assert firm["shifts"]["evening"] == {"seat_days_rostered": 4, "seat_days_staffed": 2}  # the 20th's is to come
    assert party["shifts"]["morning"] == {"seat_days_rostered": 5, "seat_days_staffed": 1}
    assert (party["agents"], party["attempts"], party["connects"], party["absences"], party["unrostered_days"]) == \
        (3, 45, 20, 4, 1)
    assert (firm["attempts"], firm["late"], firm["left_early"], firm["absences"], firm["hours_active"]) == \
        (42, 1, 1, 2, 6.5)
    assert (firm["verified"], firm["discrepant"], firm["discrepancy_rate"]) == (2, 2, 1.0)
    assert {a["username"] for a in r.json["agents"]} == {"agent01", "agent02", "agent03", "agent04"}
    for role in ("state_leader", "central_leader"):
        leader = api.get("/reports/vendor?month=2026-11", role=role)
        assert leader.status == 200 and leader.json["employers"] == r.json["employers"]
        assert "agents" not in leader.json and b"agent0" not in leader.body and "नाम".encode() not in leader.body
    # an employer removed while an admin was giving it to agent03 (the removal's index read lagged): agent03's
    # figures stay in the month, under that employer's id, instead of dropping out of every employer's totals
    agent_store.AgentModel("agent03").update(actions=[agent_store.AgentModel.employer.set("gone-ltd")])
    again = api.get("/reports/vendor?month=2026-11", role="admin").json["employers"]
    assert [e["employer"] for e in again] == ["party", "firm-a", "gone-ltd"]
    assert (again[2]["name_en"], again[2]["agents"], again[2]["attempts"], again[2]["unrostered_days"]) == \
        ("gone-ltd", 1, 5, 1)
    assert sum(e["attempts"] for e in again) == sum(e["attempts"] for e in r.json["employers"])
    for month in ("2026-12", "2026-13", "nov", ""):
        bad = api.get(f"/reports/vendor?month={month}", role="admin")
        assert bad.status == 400 and bad.error["field"] == "month", month
    assert api.get("/reports/vendor?month=2026-11", role="agent").status == 403


def put_flag(day: str, started: str, call_id: str, agent: str, reasons: list[str]) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=CounterModel.Meta.table_name, Item={
        "pk": {"S": f"flags#{day}"}, "sk": {"S": f"{started}#{call_id}"}, "agent": {"S": agent},
        "call_id": {"S": call_id}, "campaign_id": {"S": "cp_x"}, "contact_id": {"S": "ct_x"},
        "disposition": {"S": "connected"}, "duration_s": {"N": "8"}, "started_at": {"S": started},
        "reasons": {"L": [{"S": r} for r in reasons]}, "name_hi": {"S": "राम"}, "name_en": {"S": "Ram"}})


@pytest.mark.usefixtures("seeded")
def test_the_flags_of_a_day_in_time_order_one_agents_or_all_paged(api: Api) -> None:
    put_flag(MON, utc(MON, "09:00"), "call-0001", "agent01", ["short"])
    put_flag(MON, utc(MON, "09:01"), "call-0002", "agent02", ["rapid", "short"])
    put_flag(MON, utc(MON, "09:02"), "call-0003", "agent01", ["same_answers"])
    put_flag(TUE, utc(TUE, "09:00"), "call-0004", "agent01", ["short"])
    r = api.get(f"/reports/flags?day={MON}", role="supervisor")
    assert r.status == 200, r.body
    assert [f["call_id"] for f in r.json["items"]] == ["call-0001", "call-0002", "call-0003"]
    assert r.json["items"][1] == {"call_id": "call-0002", "agent": "agent02", "campaign_id": "cp_x",
                                  "contact_id": "ct_x", "disposition": "connected", "duration_s": 8,
                                  "started_at": utc(MON, "09:01"), "reasons": ["rapid", "short"],
                                  "name_hi": "राम", "name_en": "Ram"}
    mine = api.get(f"/reports/flags?day={MON}&agent=agent01", role="admin")
    assert [f["call_id"] for f in mine.json["items"]] == ["call-0001", "call-0003"]
    first = api.get(f"/reports/flags?day={MON}&limit=2", role="admin")
    assert len(first.json["items"]) == 2 and first.json["cursor"]
    rest = api.get(f"/reports/flags?day={MON}&limit=2&cursor={first.json['cursor']}", role="admin")
    assert [f["call_id"] for f in rest.json["items"]] == ["call-0003"] and rest.json["cursor"] is None
    for day in ("2026-11-21", "2026-11-31", "yesterday"):
        bad = api.get(f"/reports/flags?day={day}", role="admin")
        assert bad.status == 400 and bad.error["field"] == "day", day
    assert api.get(f"/reports/flags?day={MON}&agent=A%20B", role="admin").error["field"] == "agent"
    assert api.get(f"/reports/flags?day={MON}", role="state_leader").status == 403


def vendor_mails() -> list[RawMessage]:
    return [m for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages if isinstance(m, RawMessage)]


def fire(api: Api, clock: Clock) -> Any:
    event = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region=REGION)
    event["time"] = iso(clock.now)
    return api.client.lambda_.invoke(VENDOR_FUNCTION, event)


@pytest.mark.usefixtures("seeded")
def test_the_monthly_job_emails_the_admins_and_district_once_with_the_csv(
        api: Api, aws: Env, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    assert VENDOR_SCHEDULE == "cron(0 19 L * ? *)"  # 00:30 IST on the 1st
    create_user(aws.cognito, aws.pool_id, "boss", PASSWORD, ["admin"], email="boss@example.org")
    r = api.put("/settings/digests", {"version": 0, "audiences": {"district": {"recipients": ["dp@example.org"]}}})
    assert r.status == 200, r.body
    clock.now = ist("2026-12-01", "00:30")
    expected = api.get("/reports/vendor?month=2026-11", role="admin").json
    fire(api, clock)
    assert store.job_record("2026-11")["status"] == "sent"
    clock.now += timedelta(minutes=5)
    calls = count_dynamodb_calls(monkeypatch)
    fire(api, clock)  # the schedule fires again: the month's record says sent, nothing is read or sent
    assert dict(calls) == {"PutItem": 1, "GetItem": 1}
    mails = vendor_mails()
    assert sorted(sorted(set(m.destinations))[0] for m in mails) == ["boss@example.org", "dp@example.org"]
    message = email.message_from_string(mails[0].raw_data)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert "2026-11" in subject and "मासिक" in subject
    parts = list(message.walk())
    body = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "फर्म ए" in body and "Firm A" in body and "42 calls" in body
    attachment = next(p for p in parts if p.get_filename() == "vendor-2026-11.csv")
    table = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert table[0] == rules.CSV_HEADER
    by_agent = {row[1]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert set(by_agent) == {a["username"] for a in expected["agents"]}
    for agent in expected["agents"]:
        row, totals = by_agent[agent["username"]], agent["totals"]
        assert row["employer"] == agent["employer"] and row["name_hi"] == agent["name_hi"]
        for name in ("attempts", "connects", "absent", "late", "left_early", "days_rostered", "flags_n"):
            assert int(row[name]) == totals[name], (agent["username"], name)
    assert store.job_record("2026-11")["status"] == "sent"


@pytest.mark.usefixtures("seeded")
def test_the_reads_grow_with_days_not_with_calls(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """One Query per day of the range; the rest (staff, settings, roster heads and lines, leave) is fixed."""
    counts = []
    for first in (TUE, MON):
        calls = count_dynamodb_calls(monkeypatch)
        assert report(api, f"from={first}&to={TUE}").status == 200
        counts.append(dict(calls))
    put_day(MON, "agent03", attempts=500, connects=400, talk_s=90000)  # more calls: the same reads
    calls = count_dynamodb_calls(monkeypatch)
    assert report(api, f"from={MON}&to={TUE}").json["items"][2]["totals"]["attempts"] == 505
    assert dict(calls) == counts[1]
    assert counts[1]["Query"] - counts[0]["Query"] == 1 and "Scan" not in counts[1]


@pytest.mark.usefixtures("seeded", "district")
def test_the_vendor_month_export_is_the_same_per_agent_table(api: Api) -> None:
    from tests.api.test_exports import download, export

    expected = api.get("/reports/vendor?month=2026-11", role="admin").json["agents"]
    view = export(api, {"kind": "vendor_month", "unit_id": "chw", "month": "2026-11"})
    assert (view["kind"], view["from"], view["to"]) == ("vendor_month", "2026-11-01", "2026-11-20")
    _, table = download(view)
    assert table[0] == rules.CSV_HEADER
    by_agent = {row[1]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert set(by_agent) == {a["username"] for a in expected}
    for agent in expected:
        for name in ("attempts", "connects", "absent", "late", "left_early", "unrostered"):
            assert int(by_agent[agent["username"]][name]) == agent["totals"][name]
    for body, field in (({"kind": "vendor_month", "unit_id": "chw", "month": "2026-12"}, "month"),
                        ({"kind": "vendor_month", "unit_id": "chw"}, "month"),
                        ({"kind": "vendor_month", "unit_id": "chw", "month": "2026-11", "full_phones": True},
                         "full_phones"),
                        ({"kind": "contacts", "unit_id": "chw", "month": "2026-11"}, "month")):
        r = api.post("/exports", body, headers={"idempotency-key": f"bad-{field}-{len(body)}"})
        assert r.status == 400 and r.error["field"] == field, (body, r.body)


@pytest.mark.usefixtures("seeded")
def test_a_run_that_stopped_before_sending_is_finished_by_the_next_firing(api: Api, clock: Clock) -> None:
    r = api.put("/settings/digests", {"version": 0, "audiences": {"district": {"recipients": ["dp@example.org"]}}})
    assert r.status == 200, r.body
    clock.now = ist("2026-12-01", "00:30")
    assert store.job_started("2026-11", iso(clock.now)) is None  # a run that made its record, then stopped
    fire(api, clock)
    assert [sorted(set(m.destinations)) for m in vendor_mails()] == [["dp@example.org"]]
    assert store.job_record("2026-11")["status"] == "sent"
