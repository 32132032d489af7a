"""The board's agents: each agent's row (state and figures of the day), the seat map, the page of rows
and the pacing events, from what the board read (board/service.py). Pure; no Chalice, boto3 or PynamoDB.

An agent's state on the board (one of STATES):
* on_call: holds a live lease (a contact handed to them whose hold has not lapsed);
* idle: no live lease, and active (a lease taken or a call recorded) within BREAK_AFTER_MIN;
* on_break: rostered on the shift in progress or active today, no live lease, and nothing for more
  than BREAK_AFTER_MIN (a constant: a supervisor's rule of thumb, not a setting);
* absent: rostered on the shift in progress but on leave, or nothing since the shift began;
* off_shift: not rostered on the shift in progress (a duty override, or the other shift), and
  nothing for more than BREAK_AFTER_MIN.
Agents work one shift a day, so an agent's figures of the IST day are those of their shift.

Each row also carries the day's attendance and quality figures from the same day item (issue 20, written
with every sign-in, lease and call: reporting/activity.py): `first_at` (first activity), `active_s`,
`idle_n`/`idle_s` (gaps longer than the idle limit), `flags_n` (calls flagged), and, for an agent seated on
the shift in progress, `late_min`: how many minutes after the shift's start the first activity came when
that is beyond the late grace (calling settings), 0 when on time, None with no activity yet or no seat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..core import clock
from ..core.paging import MAX_PAGE, PageRequest, encode_cursor
from ..reporting import counters
from ..shifts import rotation
from ..shifts import rules as shift_rules

BREAK_AFTER_MIN = 10  # nothing for this long, no lease held: on break
BREAK_AFTER = timedelta(minutes=BREAK_AFTER_MIN)
STATES = ("on_call", "idle", "on_break", "absent", "off_shift")


@dataclass
class Floor:
    """What the board read about the agents: the roster's lines, the shift in progress and its seats,
    and the day's states, callbacks, leave and slow-downs."""

    lines: list[Any]  # the roster revision's lines
    window: shift_rules.Window | None
    seats: shift_rules.SeatConfig
    day_states: dict[str, dict[str, Any]]  # counters.agent_day_states
    callbacks: dict[str, dict[str, Any]]  # counters.open_callbacks
    on_leave: set[str]
    slowed: dict[str, dict[str, Any]]  # username -> {"slowed", "slowed_at"} (board/store.day_slowdowns)
    late_grace_min: int = 10  # calling settings: first activity this long after the shift's start is on time


def agent_rows(floor: Floor, now: datetime) -> list[dict[str, Any]]:
    """Every agent rostered on the shift in progress, active today or slowed today: one row each, in
    seat order (seated first, then on shift, then the rest)."""
    names = {line.username: line for line in floor.lines if line.username}
    window = floor.window
    seated = {line.username: line for line in floor.lines
              if window and line.username and line.status == rotation.PLACED and line.shift == window.shift}
    shift_start = clock.iso(window.start) if window else None
    now_s = clock.iso(now)
    out = []
    for username in sorted(set(seated) | set(floor.day_states) | set(floor.slowed)):
        line = seated.get(username) or names.get(username)
        states = floor.day_states.get(username) or {}
        f = states.get("figures") or counters.figures(None)
        hold = _live(states, floor.callbacks.get(username), now_s)
        lease = max(hold["leases"], key=lambda lease: lease["until"] or "", default=None)
        room = floor.seats.room_of(line.seat) if line is not None and line.seat and username in seated else None
        row = {"username": username, "name_hi": line.name_hi if line else None,
               "name_en": line.name_en if line else None, "role": line.role if line else None,
               "seat": line.seat if username in seated and line is not None else None,
               "room": room.to_dict() if room else None, "on_shift": username in seated,
               "rostered": username in seated, "on_leave": username in floor.on_leave,
               "calls": f["attempts"], "connects": f["connects"], "talk_s": f["talk_s"],
               "slowed": int((floor.slowed.get(username) or {}).get("slowed") or 0),
               "lease": lease, "leases": hold["leases"], "callbacks": hold["callbacks"],
               "active_at": hold["last_active_at"], **_activity(states.get("activity"))}
        row["late_min"] = _late_min(row["first_at"], window, floor.late_grace_min) if username in seated else None
        row["state"] = _state(row, username in seated, shift_start, now)
        out.append(row)
    return sorted(out, key=_sort_key)


def _activity(activity: dict[str, Any] | None) -> dict[str, Any]:
    """The day item's attendance and quality figures (0 and None when never written)."""
    a = activity or {}
    return {"first_at": a.get("first_at"), "active_s": int(a.get("active_s") or 0),
            "idle_n": int(a.get("idle_n") or 0), "idle_s": int(a.get("idle_s") or 0),
            "flags_n": int(a.get("flags_n") or 0)}


def _late_min(first_at: str | None, window: shift_rules.Window | None, grace_min: int) -> int | None:
    """Whole minutes late: the first activity after the shift's start plus the grace (0: on time)."""
    if not first_at or window is None:
        return None
    late = clock.parse_iso(first_at) - window.start
    if late <= timedelta(minutes=grace_min):
        return 0
    return int(late.total_seconds() // 60)


def totals(rows: list[dict[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    """(agents per state, the floor's totals), counting everyone (not only the page)."""
    states = {s: sum(1 for r in rows if r["state"] == s) for s in STATES}
    return states, {"agents": len(rows), "on_duty": sum(1 for r in rows if r["on_shift"] and not r["on_leave"]),
                    "calls": sum(r["calls"] for r in rows), "connects": sum(r["connects"] for r in rows),
                    "talk_s": sum(r["talk_s"] for r in rows), "leases": states["on_call"],
                    "callbacks_pending": sum(r["callbacks"]["pending"] for r in rows),
                    "callbacks_due": sum(r["callbacks"]["due"] for r in rows),
                    "late": sum(1 for r in rows if r["late_min"]), "flags": sum(r["flags_n"] for r in rows)}


def _live(day_states: dict[str, Any] | None, callbacks: dict[str, Any] | None, now_s: str) -> dict[str, Any]:
    lease = (day_states or {}).get("lease")
    entries = dict((callbacks or {}).get("callbacks") or {})
    return {"leases": [lease] if lease else [],
            "callbacks": {"pending": len(entries), "due": sum(1 for at in entries.values() if at <= now_s),
                          "more": False},
            "last_active_at": (day_states or {}).get("last_active_at")}


def _state(row: dict[str, Any], on_shift: bool, shift_start: str | None, now: datetime) -> str:
    if row["lease"]:
        return "on_call"
    if row["on_leave"]:
        return "absent"
    active = row["active_at"]
    if active and clock.parse_iso(active) > now - BREAK_AFTER:
        return "idle"
    if not on_shift:
        return "off_shift"
    if not active or (shift_start and active < shift_start):
        return "absent"
    return "on_break"


def _sort_key(row: dict[str, Any]) -> str:
    return f"{0 if row['seat'] else 1 if row['on_shift'] else 2}#{row['seat'] or ''}#{row['username']}"


def seat_map(seats: shift_rules.SeatConfig, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every room and seat of the settings, with who sits there on the shift in progress."""
    at = {r["seat"]: r for r in rows if r["seat"]}
    out = []
    for room in seats.rooms:
        out.append({**room.to_dict(), "seats": [
            {"seat": seat_id, "agent": _occupant(at[seat_id]) if seat_id in at else None}
            for seat_id, room_id in seats.seats if room_id == room.room_id]})
    return out


def _occupant(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("username", "name_hi", "name_en", "state", "calls", "connects", "on_leave",
                                "first_at", "late_min", "active_s", "idle_n", "flags_n")} | {
        "lease_until": row["lease"]["until"] if row["lease"] else None}


def agent_page(rows: list[dict[str, Any]], page: PageRequest) -> dict[str, Any]:
    after = ((page.start_key or {}).get("after") or {}).get("S", "")
    rest = [r for r in rows if _sort_key(r) > after] if after else rows
    limit = min(page.limit, MAX_PAGE)
    items = rest[:limit]
    more = len(rest) > limit
    return {"agents": items, "agents_cursor": encode_cursor({"after": {"S": _sort_key(items[-1])}}) if more else None}


def pacing(slowed: dict[str, dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Agents slowed down today for asking for new contacts too fast (chalicelib/campaigns/pacing.py):
    how many times and when last, latest first."""
    names = {r["username"]: r for r in rows}
    out = [{"username": username, "name_hi": names.get(username, {}).get("name_hi"),
            "name_en": names.get(username, {}).get("name_en"), "count": int(item["slowed"] or 0),
            "last_at": item["slowed_at"]} for username, item in slowed.items()]
    return sorted(out, key=lambda p: p["last_at"] or "", reverse=True)
