"""GET /me/shift: an agent's or supervisor's own shift today and the next one, with seat and seat partner, as
the roster in force says (leave and standby included). No Chalice, no boto3, no PynamoDB here.

One BatchGetItem: the caller's agent item (the profile check, core/access.py, and the leave spans), both
configurations, the heads of this period and the next and, under the heads this container saw last
(duty.SEEN_HEADS), the caller's two roster lines; a second one only for lines under a head it had not seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..core import access, clock
from ..core.db import Key
from . import agent_store, config_store, duty, leave_store, roster_store, rotation, rules
from . import store as shifts_store
from .config import remember
from .rosters import line_view

# a period's start -> (period id, its head, the caller's line under it)
Periods = dict[date, tuple[str, Any, Any]]


def my_shift(username: str) -> dict[str, Any]:
    now = clock.now_utc()
    today = rules.ist_date(now)
    guessed = [rules.period_id(start) for start in _starts(today, duty.config_guess())]
    found = shifts_store.read_keys(_first_keys(username, guessed))
    agent = found.get(agent_store.agent_key(username))
    access.settle_profile(username, None if agent is None else access.Profile(agent.role, bool(agent.active)))
    cfg, seats = _configs(found)
    starts = _starts(today, cfg)
    periods = _periods(username, found, starts, guessed)
    # Leave matters only on a day the caller is placed: no profile, or no placed line in either period,
    # has no leave to read (that Query, on top of a cold container's second read, made the third call).
    placed = agent is not None and any(item is not None and item.status == rotation.PLACED
                                       for _, _, item in periods.values())
    spans = agent_store.leave_spans(agent) if agent is not None and agent.leaves is not None else None
    leave_days = _leave_days(username, today, today + timedelta(days=14 * cfg.period_weeks + 14),
                             spans if placed else [])
    days = _Days(periods, leave_days, cfg, seats, now)
    rostered = {}
    for start, (period, head, item) in periods.items():
        rostered["current" if start == starts[0] else "next"] = {
            "period": period, "revision": int(head.rev or 0) if head else None,
            "assignment": line_view(item, seats) if item else None,
        }
    return {"username": username, "today": days.body(*days.duty_on(today)), "next": days.upcoming(today),
            "periods": rostered}


def _starts(today: date, cfg: rules.ShiftConfig) -> list[date]:
    """The first days of the period holding `today` and of the next one."""
    first = rules.period_start(today, cfg.period_weeks)
    return [first, rules.shift_period(first, cfg.period_weeks, 1)]


def _first_keys(username: str, guessed: list[str]) -> list[Key]:
    keys = [agent_store.agent_key(username), config_store.config_key("shifts"), config_store.config_key("seats")]
    for period in guessed:
        keys.append(roster_store.head_key(period))
        if duty.SEEN_HEADS.get(period):
            keys.append(roster_store.line_key(period, duty.SEEN_HEADS[period], username))
    return keys


def _configs(found: dict[Key, Any]) -> tuple[rules.ShiftConfig, rules.SeatConfig]:
    stored = config_store.config_of(found.get(config_store.config_key("shifts")))
    cfg = rules.shift_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SHIFTS
    remember("config", cfg)
    stored_seats = config_store.config_of(found.get(config_store.config_key("seats")))
    seats = rules.seat_config_from(stored_seats[0], stored_seats[1]) if stored_seats else rules.DEFAULT_SEATS
    return cfg, seats


def _periods(username: str, found: dict[Key, Any], starts: list[date], guessed: list[str]) -> Periods:
    """Each period's head and the caller's line, reading what the first read could not guess: the heads
    when the period length changed, the lines under a head this container had not seen."""
    if [rules.period_id(start) for start in starts] != guessed:  # the period length changed: read afresh
        found.update(shifts_store.read_keys([roster_store.head_key(rules.period_id(start)) for start in starts]))
    heads = {start: found.get(roster_store.head_key(rules.period_id(start))) for start in starts}
    missing = []
    for start, head in heads.items():
        period = rules.period_id(start)
        if head is not None and head.set_hash and roster_store.line_key(period, head.set_hash, username) not in found:
            if duty.SEEN_HEADS.get(period) != head.set_hash or period not in guessed:
                missing.append(roster_store.line_key(period, head.set_hash, username))
            duty.SEEN_HEADS[period] = head.set_hash
    if missing:
        found.update(shifts_store.read_keys(missing))
    periods: Periods = {}
    for start, head in heads.items():
        period = rules.period_id(start)
        key = roster_store.line_key(period, head.set_hash, username) if head and head.set_hash else None
        periods[start] = (period, head, found.get(key) if key else None)
    return periods


@dataclass(frozen=True)
class _Days:
    """The caller's duty day by day, from the lines of this period and the next and their leave."""

    periods: Periods
    leave_days: set[date]
    cfg: rules.ShiftConfig
    seats: rules.SeatConfig
    now: datetime

    def duty_on(self, day: date) -> tuple[rules.Window | None, Any, str]:
        _, _, item = self.periods.get(rules.period_start(day, self.cfg.period_weeks), (None, None, None))
        if item is None:
            return None, None, duty.NOT_ROSTERED
        if item.status != rotation.PLACED or not item.shift:
            return None, item, duty.ON_LEAVE if item.status == rotation.ON_LEAVE else duty.STANDBY
        if day in self.leave_days:
            return None, item, duty.ON_LEAVE
        window = rules.window_on(day, item.shift, self.cfg)
        return window, item, duty.ON_DUTY if window else duty.OFF_SHIFT

    def body(self, window: rules.Window | None, item: Any, reason: str) -> dict[str, Any]:
        if window is None or item is None:  # no shift that day, and why
            return {"state": reason, "message": duty.DUTY_MESSAGES[reason][1],
                    "message_hi": duty.DUTY_MESSAGES[reason][0]}
        now = self.now
        state = "on_duty" if window.contains(now) else ("upcoming" if window.start > now else "finished")
        view = line_view(item, self.seats)
        return {"state": state, **window.to_dict(), "seat": view["seat"], "room": view["room"],
                "partner": view["partner"]}

    def upcoming(self, today: date) -> dict[str, Any] | None:
        """The caller's next shift that has not started, within the periods read."""
        for offset in range(0, 14 * self.cfg.period_weeks + 1):
            day = today + timedelta(days=offset)
            if rules.period_start(day, self.cfg.period_weeks) not in self.periods:
                break
            window, item, reason = self.duty_on(day)
            if window and item and window.start > self.now:
                return self.body(window, item, reason)
        return None


def _leave_days(username: str, first: date, last: date, spans: list[tuple[str, str]] | None = None) -> set[date]:
    """Days of leave between first and last: from the spans on the agent's item, or (an item from before
    they were kept there) a Query of the leave table."""
    if spans is None:
        spans = [(leave.from_date, leave.to_date) for leave in leave_store.leaves_from(username, first.isoformat())]
    days: set[date] = set()
    for start, end in spans:
        lo, hi = max(date.fromisoformat(start), first), min(date.fromisoformat(end), last)
        days.update(lo + timedelta(days=i) for i in range((hi - lo).days + 1))
    return days
