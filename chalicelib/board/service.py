"""The supervisors' wall board, and an agent's own figures of the day, in one read each.

A board is one request and at most 8 DynamoDB calls whatever the number of agents and campaigns
(one district's call centre: the escalations are one Query per district of the active campaigns):
1. the active campaigns (one Query on the campaigns' status index; a page of CAMPAIGNS_PAGE);
2. one BatchGetItem across tables: the seat and shift settings, the roster heads of the period in
   force (one key per period length an admin may choose), and each listed campaign's counters at its
   target unit, all time and today (its progress and coverage, today's answers) and its questions;
3. the roster revision's lines (one Query; none when this container has read that revision before:
   lines are immutable);
4. leave overlapping today (one Query);
5. every agent's counter item of the day: calls, connects, talk time, live lease, last activity (one Query);
6. the agents slowed down today for asking for contacts too fast (one Query);
7. the district's unresolved escalations of every campaign (one Query on a sparse index).
8. every agent's open callbacks (one Query: the calls feature keeps them as a map per agent on one
   partition); each agent's live lease and last activity ride on item 5 (chalicelib/reporting/counters.py).
The budget is asserted in tests/api/test_board_budget.py (cold 8; 7 once this container has the
roster revision's lines). Reads 2-8 run in parallel after 1 (3 after 2). Nothing here reads call logs.

An agent's state on the board (one of STATES):
* on_call: holds a live lease (a contact handed to them whose hold has not lapsed);
* idle: no live lease, and active (a lease taken or a call recorded) within BREAK_AFTER_MIN;
* on_break: rostered on the shift in progress or active today, no live lease, and nothing for more
  than BREAK_AFTER_MIN (a constant: a supervisor's rule of thumb, not a setting);
* absent: rostered on the shift in progress but on leave, or nothing since the shift began;
* off_shift: not rostered on the shift in progress (a duty override, or the other shift), and
  nothing for more than BREAK_AFTER_MIN.
Agents work one shift a day, so an agent's figures of the IST day are those of their shift.
No Chalice, boto3 or PynamoDB here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ..calls import rules as call_rules
from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..core import clock
from ..core.clock import iso
from ..core.paging import MAX_PAGE, PageRequest, encode_cursor
from ..followup import service as followup
from ..reporting import counters
from ..shifts import rotation
from ..shifts import rules as shift_rules
from ..shifts import store as shift_store
from . import store

T = TypeVar("T")
REFRESH_S = 15  # how often the client reads the board (it pauses while the tab is hidden)
BREAK_AFTER_MIN = 10  # nothing for this long, no lease held: on break
BREAK_AFTER = timedelta(minutes=BREAK_AFTER_MIN)
STATES = ("on_call", "idle", "on_break", "absent", "off_shift")
CONFIG_NAMES = ("seats", "shifts")
# one BatchGetItem: per campaign its all-time and today's counters at its target and its questions (3 keys)
CAMPAIGNS_PAGE = (store.MAX_KEYS - len(CONFIG_NAMES) - len(shift_rules.PERIOD_WEEKS)) // 3
MAX_ESCALATIONS = 10  # open escalations listed on the board
READERS = 8  # reads in parallel


def my_day(username: str) -> dict[str, Any]:
    """GET /me/today: the agent's calls, connects and talk time of the IST day (one GetItem)."""
    day = campaign_rules.ist_date(clock.now_utc())
    figures = counters.figures(store.day_agent_figures(day, username))
    return {"date": day, "calls": figures["attempts"], "connects": figures["connects"], "talk_s": figures["talk_s"]}


@dataclass(frozen=True)
class BoardRequest:
    agents: PageRequest  # start_key {"after": {"S": <sort key>}}
    campaigns: PageRequest  # the campaigns' status index's key; at most CAMPAIGNS_PAGE


AGENT_KEYS = ("after",)


class _Pool:
    """Reads in parallel, each in a copy of the caller's context (the recorder and the logger see it)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=READERS)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True)

    def run(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self.pool.submit(contextvars.copy_context().run, fn, *args)


def _configs(snap: store.Snapshot) -> tuple[shift_rules.SeatConfig, shift_rules.ShiftConfig]:
    seats = snap.config.get("seats")
    shifts = snap.config.get("shifts")
    return (shift_rules.seat_config_from(*seats) if seats else shift_rules.DEFAULT_SEATS,
            shift_rules.shift_config_from(*shifts) if shifts else shift_rules.DEFAULT_SHIFTS)


def _periods(now: datetime) -> dict[int, str]:
    day = shift_rules.ist_date(now)
    return {w: shift_rules.period_id(shift_rules.period_start(day, w)) for w in shift_rules.PERIOD_WEEKS}


def _campaign_row(c: campaign_store.CampaignModel, item: counters.CounterModel | None,
                  today: counters.CounterModel | None, questions: list[dict[str, Any]]) -> dict[str, Any]:
    f = counters.figures(item)
    level = item.level if item is not None and item.level in counters.LEVELS else "district"
    return {"campaign_id": c.campaign_id, "title_hi": c.title_hi, "title_en": c.title_en, "kind": c.kind,
            "unit_id": c.target_unit_id, "level": level, "targets": f["targets"], "completed": f["completed"],
            "remaining": max(f["targets"] - f["completed"], 0), "attempts": f["attempts"],
            "connects": f["connects"], "coverage": call_rules.coverage(counters.LEVELS, level, f),
            "open_escalations": 0, "answers_today": _answers_today(questions, today)}


def _answers_today(questions: list[dict[str, Any]], today: counters.CounterModel | None) -> list[dict[str, Any]]:
    """Today's answers at the campaign's target, compact: per question its texts and tallies (yes/no,
    the leading choice, the sum), for a line each on the wall."""
    views = counters.answers_view(today, questions)
    out = []
    for q in questions:
        row: dict[str, Any] = {"id": q["id"], "text_hi": q["text_hi"], "text_en": q["text_en"], **views[q["id"]]}
        if q["kind"] == "choice":
            row["labels"] = {ch["value"]: {"label_hi": ch["label_hi"], "label_en": ch["label_en"]}
                             for ch in q.get("choices") or []}
        out.append(row)
    return out


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


def board(req: BoardRequest) -> dict[str, Any]:
    """GET /board: the seat map of the shift in progress, every agent's state and figures of the day
    (a page of rows; the states and totals count everyone), campaigns' progress, open escalations and
    pacing events."""
    now = clock.now_utc()
    now_s = iso(now)
    day = campaign_rules.ist_date(now)
    periods = _periods(now)
    with _Pool() as pool:
        f_day = pool.run(counters.agent_day_states, day, now_s)
        f_callbacks = pool.run(counters.open_callbacks)
        f_slowed = pool.run(store.day_slowdowns, day)
        f_leave = pool.run(shift_store.leaves_overlapping, day, day)
        listed = campaign_store.list_campaigns("active", None,
                                               PageRequest(min(req.campaigns.limit, CAMPAIGNS_PAGE),
                                                           req.campaigns.start_key))
        keys = {c.campaign_id: counters.campaign_unit(c.campaign_id, c.target_unit_id) for c in listed.items}
        day_keys = {c.campaign_id: counters.day_unit(day, c.campaign_id, c.target_unit_id) for c in listed.items}
        f_esc = pool.run(followup.open_in_districts, [c.district_id for c in listed.items], MAX_ESCALATIONS)
        snap = store.snapshot(list(CONFIG_NAMES), list(periods.values()), [*keys.values(), *day_keys.values()],
                              [c.campaign_id for c in listed.items])
        seats, cfg = _configs(snap)
        window = shift_rules.shift_window(now, cfg)
        period = periods[cfg.period_weeks]
        head = snap.heads.get(period)
        lines = store.roster_lines(period, head.set_hash) if head and head.set_hash else []
        day_states = f_day.result()
        slowed = {c.agent or (c.sk or "")[2:]: c for c in f_slowed.result()}
        on_leave = {username for username, _, _ in f_leave.result()}
        names = {line.username: line for line in lines if line.username}
        seated = {line.username: line for line in lines
                  if window and line.username and line.status == rotation.PLACED and line.shift == window.shift}
        usernames = sorted(set(seated) | set(day_states) | set(slowed))
        callbacks = f_callbacks.result()
        holdings = {u: _live(day_states.get(u), callbacks.get(u), now_s) for u in usernames}
        escalations, esc_more = f_esc.result()

    shift = {"period": period, "rostered": bool(head and head.set_hash),
             "window": window.to_dict() if window else None}
    shift_start = iso(window.start) if window else None
    rows = []
    for username in usernames:
        line = seated.get(username) or names.get(username)
        f = (day_states.get(username) or {}).get("figures") or counters.figures(None)
        hold = holdings[username]
        lease = max(hold["leases"], key=lambda lease: lease["until"] or "", default=None)
        room = seats.room_of(line.seat) if line is not None and line.seat and username in seated else None
        active_at = hold["last_active_at"]
        row = {"username": username, "name_hi": line.name_hi if line else None,
               "name_en": line.name_en if line else None, "role": line.role if line else None,
               "seat": line.seat if username in seated and line is not None else None,
               "room": room.to_dict() if room else None, "on_shift": username in seated,
               "rostered": username in seated, "on_leave": username in on_leave,
               "calls": f["attempts"], "connects": f["connects"], "talk_s": f["talk_s"],
               "slowed": int(getattr(slowed.get(username), "slowed", 0) or 0),
               "lease": lease, "leases": hold["leases"], "callbacks": hold["callbacks"], "active_at": active_at}
        row["state"] = _state(row, username in seated, shift_start, now)
        rows.append(row)
    rows.sort(key=_sort_key)
    states = {s: sum(1 for r in rows if r["state"] == s) for s in STATES}
    totals = {"agents": len(rows), "on_duty": sum(1 for r in rows if r["on_shift"] and not r["on_leave"]),
              "calls": sum(r["calls"] for r in rows), "connects": sum(r["connects"] for r in rows),
              "talk_s": sum(r["talk_s"] for r in rows), "leases": states["on_call"],
              "callbacks_pending": sum(r["callbacks"]["pending"] for r in rows),
              "callbacks_due": sum(r["callbacks"]["due"] for r in rows)}
    campaigns = [_campaign_row(c, snap.counters.get(keys[c.campaign_id]), snap.counters.get(day_keys[c.campaign_id]),
                               snap.questions.get(c.campaign_id, [])) for c in listed.items]
    by_id = {c["campaign_id"]: c for c in campaigns}
    shown = []
    for e in escalations:
        campaign = by_id.get(e["campaign_id"])
        if campaign is None:
            continue  # an escalation of a campaign that is no longer active (or on another page)
        campaign["open_escalations"] += 1
        shown.append({**e, "title_hi": campaign["title_hi"], "title_en": campaign["title_en"]})
    return {"at": now_s, "date": day, "refresh_s": REFRESH_S, "break_after_min": BREAK_AFTER_MIN,
            "shift": shift, "rooms": _seat_map(seats, rows), "states": states, "totals": totals,
            **_agent_page(rows, req.agents), "pacing": _pacing(slowed, rows),
            "campaigns": campaigns, "campaigns_cursor": encode_cursor(listed.next_key),
            "escalations": {"items": shown, "more": esc_more}}


def _seat_map(seats: shift_rules.SeatConfig, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every room and seat of the settings, with who sits there on the shift in progress."""
    at = {r["seat"]: r for r in rows if r["seat"]}
    out = []
    for room in seats.rooms:
        out.append({**room.to_dict(), "seats": [
            {"seat": seat_id, "agent": _occupant(at[seat_id]) if seat_id in at else None}
            for seat_id, room_id in seats.seats if room_id == room.room_id]})
    return out


def _occupant(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("username", "name_hi", "name_en", "state", "calls", "connects", "on_leave")} | {
        "lease_until": row["lease"]["until"] if row["lease"] else None}


def _agent_page(rows: list[dict[str, Any]], page: PageRequest) -> dict[str, Any]:
    after = ((page.start_key or {}).get("after") or {}).get("S", "")
    rest = [r for r in rows if _sort_key(r) > after] if after else rows
    limit = min(page.limit, MAX_PAGE)
    items = rest[:limit]
    more = len(rest) > limit
    return {"agents": items, "agents_cursor": encode_cursor({"after": {"S": _sort_key(items[-1])}}) if more else None}


def _pacing(slowed: dict[str, counters.CounterModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Agents slowed down today for asking for new contacts too fast (chalicelib/campaigns/pacing.py):
    how many times and when last, latest first."""
    names = {r["username"]: r for r in rows}
    out = [{"username": username, "name_hi": names.get(username, {}).get("name_hi"),
            "name_en": names.get(username, {}).get("name_en"), "count": int(item.slowed or 0),
            "last_at": item.slowed_at} for username, item in slowed.items()]
    return sorted(out, key=lambda p: p["last_at"] or "", reverse=True)
