"""Use cases of the performance room: agents' attendance and performance over a range, the quality flags of a
day and their re-check, the month's vendor report. No Chalice, boto3 or PynamoDB here.

Every figure comes from the counter items written with the activity (one Query of `d#<day>#agents` per day
of the range, restricted to the page's agents) and from the rosters (one BatchGetItem of the periods' heads,
one Query of each head's lines) and leave (one Query): the reads grow with days and agents, never with calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..core import clock
from ..core.clock import IST, iso
from ..core.errors import NotFound, ValidationError
from ..core.paging import MAX_PAGE
from ..reporting import counters
from ..shifts import agents as staff
from ..shifts import employers as firms
from ..shifts import rotation
from ..shifts import rules as shift_rules
from . import rules, store

CALL_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class AgentsQuery:
    first: str | None
    last: str | None
    employer: str | None
    after: str | None  # the cursor: the last username of the page before
    limit: int = MAX_PAGE


def today(now: datetime) -> date:
    return now.astimezone(IST).date()


def employer_ids() -> dict[str, dict[str, str]]:
    return {e["id"]: e for e in firms.employers()}


def require_employer(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in employer_ids():
        raise ValidationError(f"unknown employer {value[:40]}", field="employer", code="unknown_employer")
    return value


# ---- the per-agent rows -------------------------------------------------------------------------------


def _rostered(line: dict[str, Any] | None, day: date, cfg: shift_rules.ShiftConfig,
              spans: list[tuple[str, str]]) -> rules.Rostered:
    text = day.isoformat()
    on_leave = any(first <= text <= last for first, last in spans)
    if line is None:
        return rules.Rostered(leave=on_leave)
    if line.get("status") == rotation.ON_LEAVE:
        return rules.Rostered(leave=True)
    shift = str(line.get("shift") or "") if line.get("status") == rotation.PLACED else ""
    window = shift_rules.window_on(day, shift, cfg) if shift in cfg.windows else None
    if window is None:
        return rules.Rostered(seat=None, leave=on_leave)
    return rules.Rostered(shift=shift, seat=line.get("seat"), start=window.start, end=window.end, leave=on_leave)


def _at(value: Any) -> datetime | None:
    return clock.parse_iso(value) if isinstance(value, str) and value else None


def agent_rows(people: list[dict[str, Any]], days: list[date], now: datetime) -> list[dict[str, Any]]:
    """Each person's rows: per day (roster, attendance, figures) and the totals of the range."""
    if not people:
        return []
    cfg, grace = store.shift_config(), store.calling_settings().late_grace_minutes
    period_of = {d: shift_rules.period_id(shift_rules.period_start(d, cfg.period_weeks)) for d in days}
    roster = store.roster_lines(period_of.values())
    leaves = store.leave_spans(days[0], days[-1])
    usernames = [p["username"] for p in people]
    first, last = min(usernames), max(usernames)
    items = {d: store.day_items(d.isoformat(), first, last) for d in days}
    out = []
    for person in people:
        username = person["username"]
        rows = []
        for d in days:
            rostered = _rostered(roster[period_of[d]].get(username), d, cfg, leaves.get(username, []))
            figures = items[d].get(username, {})
            status = rules.attendance(rostered, _at(figures.get("first_at")), _at(figures.get("last_active_at")),
                                      grace, now, leaving_seen=rules.leaving_seen(person.get("role")))
            rows.append(rules.day_row(d.isoformat(), rostered, figures, status))
        out.append({"username": username, "name_hi": person.get("name_hi"), "name_en": person.get("name_en"),
                    "employer": person["employer"], "role": person.get("role"), "totals": rules.totals(rows),
                    "days": rows})
    return out


def agents_report(q: AgentsQuery) -> dict[str, Any]:
    """GET /reports/agents: a page of agents (by username) with their days and totals over the range."""
    now = clock.now_utc()
    days = rules.date_range(q.first, q.last, today(now))
    employer = require_employer(q.employer)
    people = [p for p in staff.staff_directory() if employer is None or p["employer"] == employer]
    if q.after:
        people = [p for p in people if p["username"] > q.after]
    page, more = people[:q.limit], len(people) > q.limit
    return {"from": days[0].isoformat(), "to": days[-1].isoformat(), "employer": employer,
            "items": agent_rows(page, days, now), "cursor": page[-1]["username"] if more and page else None}


# ---- quality flags ----------------------------------------------------------------------------------

def flags(day: str | None, agent: str | None, start_key: dict[str, Any] | None, limit: int) -> dict[str, Any]:
    """GET /reports/flags: the flagged calls of an IST day (today when not given), oldest first."""
    now = clock.now_utc()
    try:
        wanted = rules.date_range(day, day, today(now))[0] if day else today(now)
    except ValidationError as exc:
        raise ValidationError(exc.message.replace("from", "day"), field="day") from exc
    if agent is not None and not re.fullmatch(shift_rules.USERNAME, agent):
        raise ValidationError("agent is a login name", field="agent")
    page = counters.flags_of_day(wanted.isoformat(), agent or None, start_key, limit)
    return {"day": wanted.isoformat(), "agent": agent or None, "items": page.items, "next_key": page.next_key}


def recheck(call_id: str) -> dict[str, Any]:
    """POST /reports/flags/{call_id}/recheck: the call's report into its campaign's verification campaign
    (followup/verification.py), once however often asked. One call log read by its key (not a figure:
    the report to verify is the call's own answers)."""
    from ..calls import store as calls_store
    from ..followup import verification

    log = calls_store.get_log(call_id) if CALL_ID.fullmatch(call_id or "") else None
    if log is None:
        raise NotFound("no such call", field="call_id")
    return verification.force_sample({"call_id": log.call_id, "campaign_id": log.campaign_id,
                                      "contact_id": log.contact_id, "agent": log.agent,
                                      "disposition": log.disposition, "answers": log.answers or {}})


# ---- the vendor report ------------------------------------------------------------------------------


def month_rows(month: str | None, now: datetime) -> tuple[list[date], list[dict[str, Any]]]:
    """Every agent's rows over the month (the days up to today in the current month), by employer then name."""
    days = rules.month_days(month, today(now))
    rows = agent_rows(staff.staff_directory(), days, now)  # one Query per day for everyone (DynamoDB pages past 1 MB)
    order = {e: n for n, e in enumerate(employer_ids())}
    rows.sort(key=lambda r: (order.get(r["employer"], len(order)), r["employer"], r["username"]))
    return days, rows


def vendor_summary(month: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each employer's month, in the settings' order. Nobody's figures are left out: people whose employer is
    no longer in the list (removed while an admin was giving it to them: the removal's check of who still has
    it reads an index that may lag a moment) are totalled under that employer's id, named by it."""
    listed = firms.employers()
    known = {e["id"] for e in listed}
    gone = sorted({r["employer"] for r in rows} - known)
    out = []
    for employer in [*listed, *({"id": e, "name_hi": e, "name_en": e} for e in gone)]:
        mine = [r for r in rows if r["employer"] == employer["id"]]
        out.append(rules.employer_month(employer, mine))
    return out


def vendor_report(month: str | None, names: bool) -> dict[str, Any]:
    """GET /reports/vendor: the month per employer, and per agent when `names` (supervisors and admins;
    leaders see the employers' totals only: no agent, no name)."""
    now = clock.now_utc()
    days, rows = month_rows(month, now)
    assert month is not None
    body: dict[str, Any] = {"month": month, "from": days[0].isoformat(), "to": days[-1].isoformat(),
                            "employers": vendor_summary(month, rows)}
    if names:
        body["agents"] = [{k: r[k] for k in ("username", "name_hi", "name_en", "employer", "role", "totals")}
                          for r in rows]
    return body


def vendor_csv(month: str) -> tuple[list[str], list[list[Any]]]:
    """The per-agent table of the month (the vendor email's attachment; the export kind vendor_month)."""
    _, rows = month_rows(month, clock.now_utc())
    return list(rules.CSV_HEADER), rules.csv_rows(rows)


def iso_now() -> str:
    return iso(clock.now_utc())
