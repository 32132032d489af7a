"""Issue 20's "Done when": a month of demo activity (devtools/demo_month.py, the code behind `make demo-month`,
here a small month: 6 agents and a relief agent over six working days) gives a vendor report email and CSV,
and GET /reports/vendor, whose figures equal a RECOMPUTATION from the call logs (by_agent_day, per agent
and day) and the rosters, made here independently of the counters the reports read."""

from __future__ import annotations

import csv
import email
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from email import policy
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.calls.store import CallLogModel
from chalicelib.core.clock import IST, parse_iso
from chalicelib.org.store import ContactModel, UnitModel
from chalicelib.shifts import roster_store, rosters
from chalicelib.shifts import rules as shift_rules
from chalicelib.shifts.config import shift_config
from devtools import demo_month, moto_local
from devtools.demo_data import generate_district
from devtools.seed import _batch_put, _contact_models, _unit_models
from tests.api.conftest import Api
from tests.api.shifts_support import REGION, put_agents

pytest.importorskip("chalicelib.performance.vendor", reason="issue 20's performance room (helper C) not merged yet")

MONTH = "2026-11"
DAYS = tuple(date(2026, 11, d) for d in range(2, 7))  # Monday 2 to Friday 6 November
IDLE_LIMIT_S, GRACE, SHORT_S, RAPID, SAME_RUN = 15 * 60, timedelta(minutes=10), 20, 3, 5
QUESTIONS = {"parent": 3, "verification": 2}  # questions asked on a connected call (demo_month.QUESTIONS)
DISTRICT_MAIL = "district-office@example.org"


def _seed() -> list[str]:
    district = generate_district(5, booths_per_kendra=1, contacts_per_booth=1)
    units = _unit_models(district, "2026-10-01T00:00:00.000Z")
    _batch_put(UnitModel, units)
    _batch_put(ContactModel, _contact_models(district, {u.unit_id: u for u in units}, "2026-10-01T00:00:00.000Z"))
    return [u for u in put_agents(6, 1) if u.startswith("agent")]


# ---- the recomputation: call logs and rosters only --------------------------------------------------


def _logs(username: str, day: date) -> list[Any]:
    return list(CallLogModel.by_agent_day.query(f"{username}#{day.isoformat()}"))


def _activity(times: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"first": None, "last": None, "active_s": 0, "idle_n": 0, "idle_s": 0}
    previous = None
    for at in sorted(times):
        if previous is not None:
            gap = int((parse_iso(at) - parse_iso(previous)).total_seconds())
            if 0 < gap <= IDLE_LIMIT_S:
                out["active_s"] += gap
            elif gap > IDLE_LIMIT_S:
                out["idle_n"], out["idle_s"] = out["idle_n"] + 1, out["idle_s"] + gap
        previous = at
    if times:
        out["first"], out["last"] = min(times), max(times)
    return out


def day_mismatches(people: list[str]) -> list[str]:
    """Each agent's day item (what the reports read) against the activity replayed from that day's logs: the
    first place where a difference starts, when there is one."""
    from chalicelib.reporting.counters import CounterModel, day_agent

    out = []
    for person in people:
        for day in demo_month.month_days(MONTH):
            mine = _logs(person, day)
            want = _activity([g.recorded_at for g in mine] + [g.leased_at for g in mine if g.leased_at])
            try:
                item = CounterModel.get(*day_agent(day.isoformat(), person)).attribute_values
            except CounterModel.DoesNotExist:
                item = {}
            got = {"first": item.get("first_at"), "last": item.get("last_active_at") if mine else None,
                   "active_s": int(item.get("active_s") or 0), "idle_n": int(item.get("idle_n") or 0),
                   "idle_s": int(item.get("idle_s") or 0)}
            if got != want:
                times = sorted((g.leased_at or "-", g.recorded_at, g.disposition, g.campaign_id[:6]) for g in mine)
                out.append(f"{person} {day}: counters {got} logs {want} calls {times}")
    return out


def _given(answers: dict[str, Any] | None) -> int:
    return sum(1 for v in (answers or {}).values() if v is not None and v != "")


def _status(window: tuple[datetime, datetime] | None, first: str | None, last: str | None) -> str:
    if window is None:
        return "unrostered" if first else "off"
    if first is None:
        return "absent"
    late = parse_iso(first) > window[0] + GRACE
    early = parse_iso(last or first) < window[1] - GRACE
    return "late_left_early" if late and early else "late" if late else "left_early" if early else "on_time"


def recompute(people: list[str], verification_id: str) -> dict[str, dict[str, Any]]:
    """Per person, the month's totals and seat-days, from each day's call logs and the rosters."""
    cfg = shift_config()
    month_days = demo_month.month_days(MONTH)
    logs = {(p, d): _logs(p, d) for p in people for d in month_days}
    every = sorted((log for day_logs in logs.values() for log in day_logs), key=lambda g: (g.started_at, g.call_id))
    verdicts: dict[tuple[str, str], list[bool]] = defaultdict(list)  # (reporting agent, IST day) -> discrepant?
    callbacks: dict[tuple[str, str], list[bool]] = defaultdict(list)  # (owner, IST day) -> kept?
    owner: dict[tuple[str, str], tuple[str, str]] = {}  # (campaign, contact) -> (agent, callback_at)
    for log in every:
        check = (log.result or {}).get("verification")
        if check:
            verdicts[(check["reported_by"], log.day)].append(bool(check["discrepant"]))
        pair = (log.campaign_id, log.contact_id)
        held = owner.pop(pair, None)
        if held and held[0] == log.agent:
            delta = parse_iso(log.started_at) - parse_iso(held[1])
            callbacks[(log.agent, log.day)].append(timedelta(minutes=-5) <= delta <= timedelta(minutes=15))
        if log.disposition == "callback_requested" and log.callback_at:
            owner[pair] = (log.agent, log.callback_at)
    lines: dict[str, dict[str, Any]] = {}
    for start in sorted({shift_rules.period_start(d, cfg.period_weeks) for d in month_days}):
        head = roster_store.get_head(shift_rules.period_id(start))
        if head is not None and head.set_hash:
            lines[start.isoformat()] = {line.username: line for line in
                                       rosters.roster_of(shift_rules.period_id(start), head.set_hash).lines}
    out = {}
    for person in people:
        t: dict[str, Any] = defaultdict(int)
        seats = {s: {"seat_days_rostered": 0, "seat_days_staffed": 0} for s in ("morning", "evening")}
        for day in month_days:
            mine = sorted(logs[(person, day)], key=lambda g: (g.started_at, g.call_id))
            act = _activity([g.recorded_at for g in mine] + [g.leased_at for g in mine if g.leased_at])
            line = lines.get(shift_rules.period_start(day, cfg.period_weeks).isoformat(), {}).get(person)
            window = None
            if line is not None and line.status == "placed" and line.shift and day.weekday() in cfg.working_days:
                begin, end = cfg.windows[line.shift]
                window = (datetime.combine(day, begin, IST), datetime.combine(day, end, IST))
                seats[line.shift]["seat_days_rostered"] += 1
            status = _status(window, act["first"], act["last"])
            if window is not None and status != "absent":
                seats[line.shift]["seat_days_staffed"] += 1
            t[status] += 1
            for name in ("active_s", "idle_n", "idle_s"):
                t[name] += act[name]
            minutes: dict[str, int] = defaultdict(int)
            run_key, run = None, 0
            for g in mine:
                connected = g.disposition == "connected"
                t["attempts"] += 1
                t["connects"] += connected
                t["talk_s"] += g.duration_s
                asked = QUESTIONS["verification" if g.campaign_id == verification_id else "parent"]
                t["ans_asked"] += asked if connected else 0
                t["ans_given"] += _given(g.answers) if connected else 0
                reasons = set()
                if connected and g.duration_s < SHORT_S:
                    reasons.add("short")
                minute = parse_iso(g.started_at).strftime("%Y-%m-%dT%H:%M")
                minutes[minute] += 1
                if minutes[minute] > RAPID:
                    reasons.add("rapid")
                if connected and g.answers:
                    run = run + 1 if g.answers == run_key else 1
                    run_key = g.answers
                    if run >= SAME_RUN:
                        reasons.add("same")
                t["short_n"] += "short" in reasons
                t["rapid_n"] += "rapid" in reasons
                t["same_n"] += "same" in reasons
                t["flags_n"] += bool(reasons)
            bad = verdicts.get((person, day.isoformat()), [])
            t["verified"] += len(bad)
            t["discrepant"] += sum(bad)
            kept = callbacks.get((person, day.isoformat()), [])
            t["callbacks_made"] += len(kept)
            t["callbacks_kept"] += sum(kept)
        row: dict[str, Any] = {name: 0 for name in ("on_time", "late", "left_early", "late_left_early", "absent",
                                                    "unrostered", "active_s", "idle_n", "verified", "discrepant")}
        row.update(t)
        row["days_rostered"] = sum(t[s] for s in ("on_time", "late", "left_early", "late_left_early", "absent"))
        row["days_present"] = sum(t[s] for s in ("on_time", "late", "left_early", "late_left_early", "unrostered"))
        row["late"], row["left_early"] = t["late"] + t["late_left_early"], t["left_early"] + t["late_left_early"]
        row["aht_s"] = round(t["talk_s"] / t["connects"]) if t["connects"] else None
        row["discrepancy_rate"] = round(t["discrepant"] / t["verified"], 3) if t["verified"] else None
        row["completeness"] = round(t["ans_given"] / t["ans_asked"], 3) if t["ans_asked"] else None
        row["hours_active"] = round(t["active_s"] / 3600, 2)
        row["paced"] = 0  # no pacing refusal in this month (asserted on the simulation's tally below)
        row["leave"] = 0
        row["seats"] = seats
        out[person] = row
    return out


# ---- the test ---------------------------------------------------------------------------------------

CSV_FIGURES = ["days_rostered", "days_present", "on_time", "late", "left_early", "absent", "leave", "unrostered",
               "hours_active", "idle_n", "attempts", "connects", "talk_s", "aht_s", "callbacks_made",
               "callbacks_kept", "verified", "discrepant", "discrepancy_rate", "completeness", "paced", "short_n",
               "rapid_n", "same_n", "flags_n"]


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def test_a_demo_month_gives_a_vendor_report_equal_to_the_logs_and_rosters(api: Api) -> None:
    agents = _seed()
    plan = demo_month.Plan(MONTH, tuple(agents), days=DAYS, calls_per_day=5, target_unit="chw-a1", workers=7,
                           suspicious=("agent02", "agent03", "agent05"))
    with moto_local.patched():  # the agents' threads: DynamoDB's per-item atomicity, as on the local stack
        summary = demo_month.simulate(plan, progress=lambda _: None)
    assert not summary["skipped_periods"]
    assert summary["calls"] >= 100 and summary["by_disposition"].get("verification", 0) >= 3
    assert not [code for code in summary["refused"] if code.startswith("call:")]  # every lease ended in a call
    assert summary["agent_days"].get("late", 0) + summary["agent_days"].get("absent", 0) > 0
    # the district digest's recipients get the vendor email too
    put = api.put("/settings/digests", {"version": 0, "audiences": {"district": {"recipients": [DISTRICT_MAIL]}}})
    assert put.status in (200, 201), put.body

    job = demo_month.run_vendor_job(MONTH)
    assert job["month"] == MONTH and job["emails"] >= 1
    assert demo_month.run_vendor_job(MONTH)["emails"] == 0  # sent once however often it fires

    sent = [m for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages if DISTRICT_MAIL in m.destinations]
    assert len(sent) == 1
    message = email.message_from_bytes(sent[0].raw_data.encode() if isinstance(sent[0].raw_data, str)
                                       else sent[0].raw_data, policy=policy.default)
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    attached = next(p for p in message.walk() if p.get_filename() == f"vendor-{MONTH}.csv")
    table = list(csv.reader(io.StringIO(attached.get_payload(decode=True).decode("utf-8-sig"))))
    header = table[0]
    rows = {r[header.index("username")]: r for r in table[1:]}

    people = [*agents, demo_month.RELIEF_AGENT]
    assert day_mismatches(people) == []
    expected = recompute(people, summary["verification_id"])
    assert expected[demo_month.RELIEF_AGENT]["unrostered"] == 1
    assert sum(e["late"] + e["absent"] + e["left_early"] for e in expected.values()) > 0
    assert sum(e["flags_n"] for e in expected.values()) > 0 and sum(e["discrepant"] for e in expected.values()) > 0
    for person in people:
        got = {name: _number(rows[person][header.index(name)]) for name in CSV_FIGURES}
        want = {name: expected[person][name] for name in CSV_FIGURES}
        assert got == want, person

    firm = {p: rows[p][header.index("employer")] for p in people}
    assert len(set(firm.values())) == 1 and "party" not in firm.values()
    mine = [expected[p] for p in people]
    totals = {name: sum(e[name] for e in mine) for name in ("attempts", "connects", "verified", "absent", "late",
                                                             "left_early", "unrostered", "active_s")}
    seats = {s: {k: sum(e["seats"][s][k] for e in mine) for k in ("seat_days_rostered", "seat_days_staffed")}
             for s in ("morning", "evening")}
    assert (f"{totals['attempts']} calls, {totals['connects']} connected; {totals['verified']} verified"
            in body), body
    assert (f"morning shift {seats['morning']['seat_days_staffed']} of {seats['morning']['seat_days_rostered']} "
            f"seat-days staffed, evening {seats['evening']['seat_days_staffed']} of "
            f"{seats['evening']['seat_days_rostered']}") in body
    assert (f"{totals['absent']} absences, {totals['late']} late, {totals['left_early']} left early, "
            f"{totals['unrostered']} days worked unrostered") in body

    report = api.get(f"/reports/vendor?month={MONTH}", role="admin")
    assert report.status == 200, report.body
    employer = next(e for e in report.json["employers"] if e["employer"] == next(iter(firm.values())))
    assert employer["agents"] == len(people) and employer["shifts"] == seats
    assert {k: employer[k] for k in ("attempts", "connects", "verified")} == \
        {k: totals[k] for k in ("attempts", "connects", "verified")}
    assert (employer["absences"], employer["late"], employer["left_early"], employer["unrostered_days"]) == \
        (totals["absent"], totals["late"], totals["left_early"], totals["unrostered"])
    assert employer["hours_active"] == round(totals["active_s"] / 3600, 1)
    by_agent = {a["username"]: a["totals"] for a in report.json["agents"]}
    for person in people:
        assert {k: by_agent[person][k] for k in ("attempts", "connects", "talk_s", "active_s", "idle_n", "verified",
                                                  "discrepant", "absent", "late", "flags_n")} == \
            {k: expected[person][k] for k in ("attempts", "connects", "talk_s", "active_s", "idle_n", "verified",
                                               "discrepant", "absent", "late", "flags_n")}, person
