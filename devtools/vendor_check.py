"""The monthly vendor report checked against a RECOMPUTATION from the call logs and the rosters (issue 20's
"Done when"): made here independently of the counters the reports read, by whatever the models are bound to
(the local stack's moto server at the end of `make demo-month`, moto in-process in
tests/api/test_demo_month.py). Sign-ins leave no record of their own: the caller passes those it made.

From each person's call logs of each day (`by_agent_day`): calls, connects, talk time, the activity (each
log's `leased_at` and `recorded_at`, replayed with the idle-limit rule), the answers' completeness, the
quality flags (short connects, calls in one minute, identical answers), the verification verdicts on the
person's reports and the callbacks kept; from the stored rosters: the shift window, the seat, absences,
lateness and leaving early with the calling settings' grace; the pacing slow-downs from the audit trail (each
one an audited `pacing_slowed` of the agent); leave is taken as none (the demo month takes none)."""

from __future__ import annotations

import csv
import email
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from typing import Any

# The CSV's figures a recomputation can give (the rest are names and the employer)
FIGURES = ["days_rostered", "days_present", "on_time", "late", "left_early", "absent", "leave", "unrostered",
           "hours_active", "idle_n", "attempts", "connects", "talk_s", "aht_s", "callbacks_made",
           "callbacks_kept", "verified", "discrepant", "discrepancy_rate", "completeness", "paced", "short_n",
           "rapid_n", "same_n", "flags_n"]
COUNTED = ("on_time", "late", "left_early", "late_left_early", "absent", "unrostered", "active_s", "idle_n", "idle_s",
           "attempts", "connects", "talk_s", "ans_asked", "ans_given", "short_n", "rapid_n", "same_n", "flags_n",
           "verified", "discrepant", "callbacks_made", "callbacks_kept")  # zero for a person with nothing of it
CALLBACK_KEPT = (timedelta(minutes=-5), timedelta(minutes=15))  # started this close to the time asked for


@dataclass(frozen=True)
class Limits:
    """The calling settings the figures depend on (chalicelib.shifts.calling), and how many questions a
    connected call of each campaign asks."""

    idle_limit_s: int
    grace: timedelta
    short_s: int
    rapid: int
    same_run: int
    questions: dict[str, int]  # campaign_id -> questions asked on a connected call

    @classmethod
    def stored(cls, questions: dict[str, int]) -> Limits:
        from chalicelib.shifts.calling import calling_settings

        s = calling_settings()
        return cls(s.idle_limit_minutes * 60, timedelta(minutes=s.late_grace_minutes), s.short_connect_s,
                   s.rapid_calls_per_minute, s.same_answers_run, questions)


def logs_of(username: str, day: date) -> list[Any]:
    from chalicelib.calls.store import CallLogModel

    return list(CallLogModel.by_agent_day.query(f"{username}#{day.isoformat()}"))


def activity(times: list[str], idle_limit_s: int) -> dict[str, Any]:
    """First and last activity, time active and idle gaps of one day, from its moments."""
    from chalicelib.core.clock import parse_iso

    out: dict[str, Any] = {"first": None, "last": None, "active_s": 0, "idle_n": 0, "idle_s": 0}
    previous = None
    for at in sorted(times):
        if previous is not None:
            gap = int((parse_iso(at) - parse_iso(previous)).total_seconds())
            if 0 < gap <= idle_limit_s:
                out["active_s"] += gap
            elif gap > idle_limit_s:
                out["idle_n"], out["idle_s"] = out["idle_n"] + 1, out["idle_s"] + gap
        previous = at
    if times:
        out["first"], out["last"] = min(times), max(times)
    return out


SignIns = dict[str, list[str]]  # username -> the moments (UTC ISO) they signed in


def _moments(logs: list[Any], signed: list[str]) -> list[str]:
    """A day's activity: each call's lease and record, and each sign-in of that day."""
    return [g.recorded_at for g in logs] + [g.leased_at for g in logs if g.leased_at] + signed


def _signed_on(sign_ins: SignIns | None, person: str, day: date) -> list[str]:
    from chalicelib.core.clock import IST, parse_iso

    return [at for at in (sign_ins or {}).get(person, []) if parse_iso(at).astimezone(IST).date() == day]


def paced_of(days: list[date], people: Iterable[str]) -> dict[str, int]:
    """Each person's pacing slow-downs over the days, from the audit trail (one Query per person)."""
    from chalicelib.core.clock import IST, iso
    from chalicelib.org.models import AuditModel

    low = iso(datetime.combine(days[0], time(0), IST).astimezone(UTC))
    high = iso(datetime.combine(days[-1] + timedelta(days=1), time(0), IST).astimezone(UTC))
    return {person: sum(1 for entry in AuditModel.query(f"agent#{person}", AuditModel.at_id.between(low, high))
                        if entry.action == "pacing_slowed")
            for person in people}


Logs = dict[tuple[str, date], list[Any]]


def all_logs(days: list[date], people: Iterable[str]) -> Logs:
    """Every person's call logs of every day: one Query of `by_agent_day` each."""
    return {(p, d): logs_of(p, d) for p in people for d in days}


def day_mismatches(days: list[date], people: Iterable[str], idle_limit_s: int, logs: Logs | None = None,
                   sign_ins: SignIns | None = None) -> list[str]:
    """Each person's day item (what the reports read) against the activity replayed from that day's logs and
    sign-ins: where they differ, if anywhere."""
    from chalicelib.reporting.counters import CounterModel, day_agent

    out = []
    for person in people:
        for day in days:
            mine = logs[(person, day)] if logs is not None else logs_of(person, day)
            signed = _signed_on(sign_ins, person, day)
            want = activity(_moments(mine, signed), idle_limit_s)
            try:
                item = CounterModel.get(*day_agent(day.isoformat(), person)).attribute_values
            except CounterModel.DoesNotExist:
                item = {}
            got = {"first": item.get("first_at"), "last": item.get("last_active_at") if mine or signed else None,
                   "active_s": int(item.get("active_s") or 0), "idle_n": int(item.get("idle_n") or 0),
                   "idle_s": int(item.get("idle_s") or 0)}
            if got != want:
                times = sorted((g.leased_at or "-", g.recorded_at, g.disposition, g.campaign_id[:6]) for g in mine)
                out.append(f"{person} {day}: counters {got} logs {want} calls {times}")
    return out


def _given(answers: dict[str, Any] | None) -> int:
    return sum(1 for v in (answers or {}).values() if v is not None and v != "")


def _status(window: tuple[datetime, datetime] | None, first: str | None, last: str | None, grace: timedelta,
            supervisor: bool) -> str:
    """A past day's attendance (a supervisor's leaving is not seen: their activity is their sign-ins)."""
    from chalicelib.core.clock import parse_iso

    if window is None:
        return "unrostered" if first else "off"
    if first is None:
        return "absent"
    late = parse_iso(first) > window[0] + grace
    early = not supervisor and parse_iso(last or first) < window[1] - grace
    return "late_left_early" if late and early else "late" if late else "left_early" if early else "on_time"


def _roster_lines(days: list[date]) -> dict[str, dict[str, Any]]:
    """Each rotation period's stored roster lines by username, keyed on the period's first day."""
    from chalicelib.shifts import roster_store, rosters
    from chalicelib.shifts import rules as shift_rules
    from chalicelib.shifts.config import shift_config

    weeks = shift_config().period_weeks
    lines: dict[str, dict[str, Any]] = {}
    for start in sorted({shift_rules.period_start(d, weeks) for d in days}):
        head = roster_store.get_head(shift_rules.period_id(start))
        if head is not None and head.set_hash:
            lines[start.isoformat()] = {line.username: line for line in
                                       rosters.roster_of(shift_rules.period_id(start), head.set_hash).lines}
    return lines


def _verdicts_and_callbacks(every: list[Any]) -> tuple[dict[tuple[str, str], list[bool]],
                                                       dict[tuple[str, str], list[bool]]]:
    """(reporting agent, IST day) -> each verification verdict on its reports (discrepant?), and
    (owner, IST day) -> each callback it asked for and then made (kept on time?), in the order calls started."""
    from chalicelib.core.clock import parse_iso

    verdicts: dict[tuple[str, str], list[bool]] = defaultdict(list)
    callbacks: dict[tuple[str, str], list[bool]] = defaultdict(list)
    owner: dict[tuple[str, str], tuple[str, str]] = {}  # (campaign, contact) -> (agent, callback_at)
    for log in every:
        check = (log.result or {}).get("verification")
        if check:
            verdicts[(check["reported_by"], log.day)].append(bool(check["discrepant"]))
        pair = (log.campaign_id, log.contact_id)
        held = owner.pop(pair, None)
        if held and held[0] == log.agent:
            delta = parse_iso(log.started_at) - parse_iso(held[1])
            callbacks[(log.agent, log.day)].append(CALLBACK_KEPT[0] <= delta <= CALLBACK_KEPT[1])
        if log.disposition == "callback_requested" and log.callback_at:
            owner[pair] = (log.agent, log.callback_at)
    return verdicts, callbacks


def _flag_reasons(mine: list[Any], limits: Limits, t: dict[str, Any]) -> None:
    """Adds one day's calls, answers and quality flags to `t`."""
    from chalicelib.core.clock import parse_iso

    minutes: dict[str, int] = defaultdict(int)
    run_key, run = None, 0
    for g in mine:
        connected = g.disposition == "connected"
        t["attempts"] += 1
        t["connects"] += connected
        t["talk_s"] += g.duration_s
        t["ans_asked"] += limits.questions.get(g.campaign_id, 0) if connected else 0
        t["ans_given"] += _given(g.answers) if connected else 0
        reasons = set()
        if connected and g.duration_s < limits.short_s:
            reasons.add("short")
        minute = parse_iso(g.started_at).strftime("%Y-%m-%dT%H:%M")
        minutes[minute] += 1
        if minutes[minute] > limits.rapid:
            reasons.add("rapid")
        if connected and g.answers:
            run = run + 1 if g.answers == run_key else 1
            run_key = g.answers
            if run >= limits.same_run:
                reasons.add("same")
        for reason in ("short", "rapid", "same"):
            t[f"{reason}_n"] += reason in reasons
        t["flags_n"] += bool(reasons)


def recompute(days: list[date], people: list[str], limits: Limits, logs: Logs | None = None,
              sign_ins: SignIns | None = None) -> dict[str, dict[str, Any]]:
    """Per person, the month's figures (the CSV's names) and seat-days per shift, from each day's call logs
    (`logs`, read here when not given) and sign-ins, the rosters and the audit trail's slow-downs."""
    from chalicelib.core.clock import IST
    from chalicelib.shifts import rules as shift_rules
    from chalicelib.shifts.config import shift_config

    cfg = shift_config()
    logs = logs if logs is not None else all_logs(days, people)
    every = sorted((log for day_logs in logs.values() for log in day_logs), key=lambda g: (g.started_at, g.call_id))
    verdicts, callbacks = _verdicts_and_callbacks(every)
    lines = _roster_lines(days)
    paced = paced_of(days, people)
    out = {}
    for person in people:
        t: dict[str, Any] = defaultdict(int)
        seats = {s: {"seat_days_rostered": 0, "seat_days_staffed": 0} for s in ("morning", "evening")}
        for day in days:
            mine = sorted(logs[(person, day)], key=lambda g: (g.started_at, g.call_id))
            act = activity(_moments(mine, _signed_on(sign_ins, person, day)), limits.idle_limit_s)
            line = lines.get(shift_rules.period_start(day, cfg.period_weeks).isoformat(), {}).get(person)
            window = None
            if line is not None and line.status == "placed" and line.shift and day.weekday() in cfg.working_days:
                begin, end = cfg.windows[line.shift]
                window = (datetime.combine(day, begin, IST), datetime.combine(day, end, IST))
                seats[line.shift]["seat_days_rostered"] += bool(line.seat)  # a seat-day: a rostered seat's
            status = _status(window, act["first"], act["last"], limits.grace,
                             line is not None and line.role == "supervisor")
            if line is not None and window is not None and status != "absent":
                seats[line.shift]["seat_days_staffed"] += bool(line.seat)
            t[status] += 1
            for name in ("active_s", "idle_n", "idle_s"):
                t[name] += act[name]
            _flag_reasons(mine, limits, t)
            bad = verdicts.get((person, day.isoformat()), [])
            t["verified"] += len(bad)
            t["discrepant"] += sum(bad)
            kept = callbacks.get((person, day.isoformat()), [])
            t["callbacks_made"] += len(kept)
            t["callbacks_kept"] += sum(kept)
        row: dict[str, Any] = {name: 0 for name in COUNTED}
        row.update(t)
        row["days_rostered"] = sum(t[s] for s in ("on_time", "late", "left_early", "late_left_early", "absent"))
        row["days_present"] = sum(t[s] for s in ("on_time", "late", "left_early", "late_left_early", "unrostered"))
        row["late"], row["left_early"] = t["late"] + t["late_left_early"], t["left_early"] + t["late_left_early"]
        row["aht_s"] = round(t["talk_s"] / t["connects"]) if t["connects"] else None
        row["discrepancy_rate"] = round(t["discrepant"] / t["verified"], 3) if t["verified"] else None
        row["completeness"] = round(t["ans_given"] / t["ans_asked"], 3) if t["ans_asked"] else None
        row["hours_active"] = round(t["active_s"] / 3600, 2)
        row["paced"] = paced[person]
        row["leave"] = 0  # the demo takes no leave
        row["seats"] = seats
        out[person] = row
    return out


# ---- what the email says, against the recomputation ----------------------------------------------------


def parse_email(raw: str | bytes, month: str) -> tuple[str, list[list[str]]]:
    """The vendor email's plain text and its attached CSV's rows (the header first)."""
    message = (email.message_from_bytes(raw, policy=policy.default) if isinstance(raw, bytes)
               else email.message_from_string(raw, policy=policy.default))
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    attached = next(p for p in message.walk() if p.get_filename() == f"vendor-{month}.csv")
    payload = attached.get_payload(decode=True)
    assert isinstance(payload, bytes), "the CSV is attached as bytes"
    return body, list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def csv_mismatches(table: list[list[str]], expected: dict[str, dict[str, Any]]) -> list[str]:
    """Every figure of every row of the CSV against the recomputation; each person recomputed has a row."""
    header, rows = table[0], {r[table[0].index("username")]: r for r in table[1:]}
    out = [f"{person}: no row in the CSV" for person in expected if person not in rows]
    for person, row in rows.items():
        if person not in expected:
            out.append(f"{person}: in the CSV, not recomputed")
            continue
        for name in FIGURES:
            got, want = _number(row[header.index(name)]), expected[person][name]
            if got != want:
                out.append(f"{person} {name}: CSV {got}, recomputed {want}")
    return out


def employer_sentences(name_en: str, rows: list[dict[str, Any]]) -> list[str]:
    """What the English paragraph of one employer must say, from its people's recomputed figures."""
    def total(name: str) -> int:
        return sum(int(r[name]) for r in rows)

    seat = {s: {k: sum(r["seats"][s][k] for r in rows) for k in ("seat_days_rostered", "seat_days_staffed")}
            for s in ("morning", "evening")}
    people = "1 person" if len(rows) == 1 else f"{len(rows)} people"
    unrostered = total("unrostered")
    return [f"{name_en}: {people}; morning shift {seat['morning']['seat_days_staffed']} of "
            f"{seat['morning']['seat_days_rostered']} seat-days staffed, evening "
            f"{seat['evening']['seat_days_staffed']} of {seat['evening']['seat_days_rostered']}; "
            f"{round(total('active_s') / 3600, 1)} hours active; {total('attempts')} calls, "
            f"{total('connects')} connected; {total('verified')} verified",
            f"{total('absent')} absences, {total('late')} late, {total('left_early')} left early, "
            f"{unrostered} {'day' if unrostered == 1 else 'days'} worked unrostered"]


def email_mismatches(body: str, table: list[list[str]], expected: dict[str, dict[str, Any]]) -> list[str]:
    """Each employer's English paragraph against the sums of its people's recomputed figures (each person's
    employer as the CSV names it)."""
    from chalicelib.shifts.employers import employers

    header = table[0]
    firm = {r[header.index("username")]: r[header.index("employer")] for r in table[1:]}
    out = []
    for employer in employers():
        people = [expected[p] for p, e in firm.items() if e == employer["id"] and p in expected]
        if not people:
            continue
        for sentence in employer_sentences(employer["name_en"], people):
            if sentence not in body:
                out.append(f"the email does not say: {sentence!r}")
    return out


def check_email(raw: str | bytes, month: str, days: list[date], limits: Limits,
                sign_ins: SignIns | None = None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The vendor email's CSV and text against a recomputation for everyone its CSV lists (their call logs,
    the `sign_ins` given — the supervisors' only activity —, the rosters, the audit trail): the recomputed
    figures, and every difference found (none when the report is right)."""
    body, table = parse_email(raw, month)
    people = [r[table[0].index("username")] for r in table[1:]]
    logs = all_logs(days, people)
    expected = recompute(days, people, limits, logs, sign_ins)
    problems = day_mismatches(days, people, limits.idle_limit_s, logs, sign_ins)
    problems += csv_mismatches(table, expected) + email_mismatches(body, table, expected)
    return expected, problems
