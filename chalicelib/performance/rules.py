"""The performance room's rules, pure: an agent's attendance on a day from the roster and the day's first and
last activity, the per-day figures of the counter item, the totals of a range and an employer's month.
No Chalice, boto3 or PynamoDB here, and no clock: `now` is passed in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..core.errors import ValidationError

ON_TIME, LATE, LEFT_EARLY, LATE_LEFT_EARLY = "on_time", "late", "left_early", "late_left_early"
ABSENT, LEAVE, UNROSTERED, OFF = "absent", "leave", "unrostered", "off"
STATUSES = (ON_TIME, LATE, LEFT_EARLY, LATE_LEFT_EARLY, ABSENT, LEAVE, UNROSTERED, OFF)
PRESENT = frozenset({ON_TIME, LATE, LEFT_EARLY, LATE_LEFT_EARLY})
ROSTERED = PRESENT | {ABSENT}
MAX_DAYS = 93
SHIFTS = ("morning", "evening")
# the counter item's figures (reporting/counters.py, issue 20's contract), summed over days
SUMS = ("active_s", "idle_n", "idle_s", "attempts", "connects", "talk_s", "callbacks_made", "callbacks_kept",
        "verified", "discrepant", "ans_asked", "ans_given", "paced", "short_n", "rapid_n", "same_n", "flags_n")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True)
class Rostered:
    """What the roster says of one agent on one IST day: the shift's window (None: not a working day or
    no shift), the seat, whether the line is placed, and leave (the line's or a leave span's)."""

    shift: str | None = None
    seat: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    leave: bool = False


def attendance(rostered: Rostered, first_at: datetime | None, last_at: datetime | None, grace_minutes: int,
               now: datetime, *, leaving_seen: bool = True) -> str:
    """on_time | late | left_early | late_left_early | absent | leave | unrostered | off.

    Leave wins. Without a shift that day: any activity is `unrostered`, none is `off`. With one: no
    activity is `absent` once the grace after the start has passed (`off` before); a first activity
    more than `grace_minutes` after the start is late; a last activity more than `grace_minutes`
    before the end is left early (judged only once the shift has ended, and only when `leaving_seen`:
    a supervisor's activity is their sign-ins, the office screens they keep open all day write nothing,
    so when they leave cannot be seen)."""
    if rostered.leave:
        return LEAVE
    if rostered.start is None or rostered.end is None:
        return UNROSTERED if first_at is not None else OFF
    grace = timedelta(minutes=grace_minutes)
    if first_at is None:
        return ABSENT if now >= rostered.start + grace else OFF
    late = first_at > rostered.start + grace
    early = leaving_seen and now >= rostered.end and (last_at or first_at) < rostered.end - grace
    if late and early:
        return LATE_LEFT_EARLY
    return LATE if late else LEFT_EARLY if early else ON_TIME


def leaving_seen(role: str | None) -> bool:
    """Whether a person's activity shows when they leave: an agent's leases and calls do; a supervisor's
    sign-ins do not."""
    return role != "supervisor"


def ratio(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def day_row(day: str, rostered: Rostered, figures: Mapping[str, Any], status: str) -> dict[str, Any]:
    """One day of one agent as GET /reports/agents answers it."""
    row: dict[str, Any] = {"day": day, "shift": rostered.shift, "seat": rostered.seat, "status": status,
                           "first_at": figures.get("first_at"), "last_at": figures.get("last_active_at")}
    row.update({name: int(figures.get(name) or 0) for name in SUMS})
    row["aht_s"] = round(row["talk_s"] / row["connects"]) if row["connects"] else None
    return row


def totals(days: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The sums of a range of day rows, the attendance counts and the rates."""
    rows = list(days)
    out: dict[str, Any] = {name: sum(int(r.get(name) or 0) for r in rows) for name in SUMS}
    statuses = [r["status"] for r in rows]
    out.update({
        "days_rostered": sum(s in ROSTERED for s in statuses),
        "days_present": sum(s in PRESENT or s == UNROSTERED for s in statuses),
        "on_time": statuses.count(ON_TIME),
        "late": statuses.count(LATE) + statuses.count(LATE_LEFT_EARLY),
        "left_early": statuses.count(LEFT_EARLY) + statuses.count(LATE_LEFT_EARLY),
        "absent": statuses.count(ABSENT), "leave": statuses.count(LEAVE), "unrostered": statuses.count(UNROSTERED),
    })
    out["aht_s"] = round(out["talk_s"] / out["connects"]) if out["connects"] else None
    out["discrepancy_rate"] = ratio(out["discrepant"], out["verified"])
    out["completeness"] = ratio(out["ans_given"], out["ans_asked"])
    out["connects_per_hour"] = round(out["connects"] * 3600 / out["active_s"], 1) if out["active_s"] else None
    return out


def employer_month(employer: Mapping[str, str], agents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An employer's month from its agents' rows (each with `days` and `totals`): seat-days rostered and
    staffed per shift (a seat-day is staffed when its rostered agent was present), hours active, calls,
    verification, attendance."""
    shifts = {s: {"seat_days_rostered": 0, "seat_days_staffed": 0} for s in SHIFTS}
    for agent in agents:
        for d in agent["days"]:
            if d["shift"] in shifts and d["seat"] and d["status"] in ROSTERED:
                shifts[d["shift"]]["seat_days_rostered"] += 1
                shifts[d["shift"]]["seat_days_staffed"] += d["status"] in PRESENT
    t = [a["totals"] for a in agents]

    def total(name: str) -> int:
        return sum(int(x.get(name) or 0) for x in t)

    return {"employer": employer["id"], "name_hi": employer["name_hi"], "name_en": employer["name_en"],
            "agents": len(agents), "shifts": shifts, "hours_active": round(total("active_s") / 3600, 1),
            "attempts": total("attempts"), "connects": total("connects"), "verified": total("verified"),
            "discrepant": total("discrepant"), "discrepancy_rate": ratio(total("discrepant"), total("verified")),
            "absences": total("absent"), "late": total("late"), "left_early": total("left_early"),
            "unrostered_days": total("unrostered")}


# ---- input --------------------------------------------------------------------------------------


def _day(text: str | None, field: str) -> date:
    if not text or not DATE.fullmatch(text):
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD)", field=field) from exc


def date_range(first: str | None, last: str | None, today: date) -> list[date]:
    """The IST days from `first` to `last`: both given, not after today, in order, at most 93 days."""
    start, end = _day(first, "from"), _day(last, "to")
    if start > today:
        raise ValidationError("from is in the future", field="from")
    if end > today:
        raise ValidationError("to is in the future", field="to")
    if start > end:
        raise ValidationError("from is after to", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError(f"a range is at most {MAX_DAYS} days", field="to")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def month_days(month: str | None, today: date) -> list[date]:
    """The days of `month` (YYYY-MM), not a month after today's; the current month's days up to today."""
    bad = ValidationError("month must be YYYY-MM", field="month")
    if not month or not MONTH.fullmatch(month):
        raise bad
    year, number = int(month[:4]), int(month[5:])
    if not 1 <= number <= 12 or year < 2000:
        raise bad
    first = date(year, number, 1)
    if first > today:
        raise ValidationError("month is in the future", field="month")
    following = date(year + number // 12, number % 12 + 1, 1)
    last = min(following - timedelta(days=1), today)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def previous_month(today: date) -> str:
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


# ---- the per-agent CSV (the vendor email's attachment and the export kind vendor_month) ----------

CSV_HEADER = ["employer", "username", "name_hi", "name_en", "days_rostered", "days_present", "on_time", "late",
              "left_early", "absent", "leave", "unrostered", "hours_active", "idle_n", "attempts", "connects",
              "talk_s", "aht_s", "callbacks_made", "callbacks_kept", "verified", "discrepant", "discrepancy_rate",
              "completeness", "paced", "short_n", "rapid_n", "same_n", "flags_n"]


def csv_rows(agents: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    rows = []
    for a in agents:
        t = a["totals"]
        row: list[Any] = []
        for name in CSV_HEADER:
            if name in ("employer", "username", "name_hi", "name_en"):
                row.append(a.get(name) or "")
            elif name == "hours_active":
                row.append(round(int(t["active_s"]) / 3600, 2))
            else:
                value = t.get(name)
                row.append("" if value is None else value)
        rows.append(row)
    return rows
