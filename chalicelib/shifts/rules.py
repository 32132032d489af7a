"""Pure rules of seats, shift windows and rotation periods. No AWS, no Chalice.

Time is reasoned in IST (a fixed +05:30). A period starts on a Monday: periods of `weeks` weeks are
aligned on ANCHOR (a Monday), so every date belongs to exactly one period whatever the length, and
a period is named by its first day (`2026-12-07`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ..core.clock import IST
from ..core.errors import ValidationError

MORNING, EVENING = "morning", "evening"
SHIFTS = (MORNING, EVENING)
SHIFT_NAMES = {MORNING: ("सुबह", "Morning"), EVENING: ("शाम", "Evening")}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ANCHOR = date(2024, 1, 1)  # a Monday
PERIOD_WEEKS = (1, 2, 4)
SEAT_ID = r"[A-Z0-9][A-Z0-9-]{0,15}"
ROOM_ID = r"[a-z0-9][a-z0-9-]{0,31}"
MAX_SEATS = 1000
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
USERNAME = r"[a-z0-9][a-z0-9._-]{2,63}"  # an agent's login name (the duty gate refuses others unread)


def other(shift: str) -> str:
    return EVENING if shift == MORNING else MORNING


# ---- periods -------------------------------------------------------------------------------


def ist_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no place in shift rules")
    return at.astimezone(IST).date()


def period_start(day: date, weeks: int) -> date:
    """The first day (a Monday) of the period holding `day`."""
    span = 7 * weeks
    return ANCHOR + timedelta(days=((day - ANCHOR).days // span) * span)


def period_days(start: date, weeks: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(7 * weeks)]


def shift_period(start: date, weeks: int, by: int) -> date:
    return start + timedelta(days=7 * weeks * by)


def period_id(start: date) -> str:
    return start.isoformat()


def parse_period(text: str, weeks: int, *, today: date | None = None) -> date:
    """A period named by its first day, or `current` / `next` relative to `today` (IST)."""
    if text in ("current", "next") and today is not None:
        start = period_start(today, weeks)
        return shift_period(start, weeks, 1) if text == "next" else start
    bad = ValidationError("period must be the Monday a rotation period starts on (YYYY-MM-DD), "
                          "'current' or 'next'", field="period")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise bad
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise bad from exc
    start = period_start(day, weeks)
    if start != day:
        raise ValidationError(f"{text} is not the first day of a period; that period starts on {start}",
                              field="period", details={"period_start": start.isoformat()})
    return start


def ist_midnight(day: date) -> datetime:
    """00:00 IST of `day`, as a UTC datetime."""
    return datetime.combine(day, time(0), IST).astimezone(UTC)


# ---- shift windows -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftConfig:
    windows: Mapping[str, tuple[time, time]]  # shift -> (start, end) IST; end may be 24:00 as time.max
    period_weeks: int = 1
    working_days: frozenset[int] = frozenset(range(7))  # 0 = Monday
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shifts": {s: {"start": _hhmm(self.windows[s][0]), "end": _hhmm(self.windows[s][1])} for s in SHIFTS},
            "period_weeks": self.period_weeks,
            "working_days": [DAY_NAMES[d] for d in sorted(self.working_days)],
            "timezone": "Asia/Kolkata",
            "version": self.version,
        }


DEFAULT_SHIFTS = ShiftConfig({MORNING: (time(8, 0), time(14, 30)), EVENING: (time(14, 30), time(21, 0))})


def _hhmm(t: time) -> str:
    return "24:00" if t == time.max else t.strftime("%H:%M")


def _parse_hhmm(text: Any, field: str) -> time:
    if not isinstance(text, str) or not _HHMM.fullmatch(text):
        raise ValidationError(f"{field} must be a time HH:MM (IST)", field=field)
    if text == "24:00":
        return time.max
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def shift_config_from(data: Mapping[str, Any], version: int = 0) -> ShiftConfig:
    """Validate a shift configuration: two windows, morning before evening, not overlapping."""
    shifts = data.get("shifts")
    if not isinstance(shifts, dict) or set(shifts) != set(SHIFTS):
        raise ValidationError("shifts must give exactly 'morning' and 'evening'", field="shifts")
    windows: dict[str, tuple[time, time]] = {}
    for name in SHIFTS:
        window = shifts[name]
        if not isinstance(window, dict) or set(window) != {"start", "end"}:
            raise ValidationError(f"shifts.{name} must be {{start, end}}", field=f"shifts.{name}")
        start = _parse_hhmm(window["start"], f"shifts.{name}.start")
        end = _parse_hhmm(window["end"], f"shifts.{name}.end")
        if start >= end:
            raise ValidationError(f"shifts.{name} must end after it starts", field=f"shifts.{name}.end")
        windows[name] = (start, end)
    if windows[MORNING][1] > windows[EVENING][0]:
        raise ValidationError("the morning shift must end before the evening shift starts",
                              field="shifts.evening.start")
    weeks = data.get("period_weeks", 1)
    if weeks not in PERIOD_WEEKS or isinstance(weeks, bool):
        raise ValidationError(f"period_weeks must be one of {PERIOD_WEEKS}", field="period_weeks")
    days = data.get("working_days", list(DAY_NAMES))
    if (not isinstance(days, list) or not days or len(days) > 7
            or any(d not in DAY_NAMES for d in days) or len(set(days)) != len(days)):
        raise ValidationError(f"working_days must be distinct days from {', '.join(DAY_NAMES)}",
                              field="working_days")
    return ShiftConfig(windows, int(weeks), frozenset(DAY_NAMES.index(d) for d in days), version)


@dataclass(frozen=True)
class Window:
    """One occurrence of a shift: the IST day and its start and end as UTC datetimes."""

    day: date
    shift: str
    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def to_dict(self) -> dict[str, Any]:
        from ..core.clock import iso

        return {"date": self.day.isoformat(), "shift": self.shift, "start": iso(self.start), "end": iso(self.end)}


def window_on(day: date, shift: str, cfg: ShiftConfig) -> Window | None:
    """The shift's window on `day`, or None when `day` is not a working day."""
    if day.weekday() not in cfg.working_days:
        return None
    start, end = cfg.windows[shift]
    start_dt = datetime.combine(day, start, IST)
    end_dt = datetime.combine(day + timedelta(days=1), time(0), IST) if end == time.max \
        else datetime.combine(day, end, IST)
    return Window(day, shift, start_dt.astimezone(UTC), end_dt.astimezone(UTC))


def shift_window(at: datetime, cfg: ShiftConfig) -> Window | None:
    """The shift window (either shift) that `at` falls in, or None between and outside shifts."""
    day = ist_date(at)
    for shift in SHIFTS:
        window = window_on(day, shift, cfg)
        if window and window.contains(at):
            return window
    return None


def windows_from(at: datetime, shift: str, cfg: ShiftConfig, days: int = 35) -> Iterator[Window]:
    """Windows of `shift` that have not ended by `at`, in order, for the next `days` days."""
    day = ist_date(at)
    for offset in range(days):
        window = window_on(day + timedelta(days=offset), shift, cfg)
        if window and window.end > at:
            yield window


def working_days_in(start: date, cfg: ShiftConfig) -> list[date]:
    return [d for d in period_days(start, cfg.period_weeks) if d.weekday() in cfg.working_days]


def covers_whole_period(leaves: list[tuple[date, date]], start: date, cfg: ShiftConfig) -> bool:
    """True when the leaves together cover every working day of the period."""
    days = working_days_in(start, cfg)
    return bool(days) and all(any(lo <= d <= hi for lo, hi in leaves) for d in days)


# ---- seats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Room:
    room_id: str
    name_hi: str
    name_en: str

    def to_dict(self) -> dict[str, str]:
        return {"room_id": self.room_id, "name_hi": self.name_hi, "name_en": self.name_en}


@dataclass(frozen=True)
class SeatConfig:
    rooms: tuple[Room, ...]
    seats: tuple[tuple[str, str], ...]  # (seat_id, room_id) in order
    version: int = 0

    @property
    def seat_ids(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.seats)

    def room_of(self, seat_id: str) -> Room | None:
        room_id = dict(self.seats).get(seat_id)
        return next((r for r in self.rooms if r.room_id == room_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rooms": [{"room_id": r.room_id, "name_hi": r.name_hi, "name_en": r.name_en,
                       "seats": [s for s, room in self.seats if room == r.room_id]} for r in self.rooms],
            "seat_count": len(self.seats),
            "version": self.version,
        }


def _default_seats() -> SeatConfig:
    rooms = (Room("room-1", "कक्ष 1", "Room 1"), Room("room-2", "कक्ष 2", "Room 2"), Room("room-3", "कक्ष 3", "Room 3"))
    seats = tuple((f"S{i:02d}", "room-1" if i <= 12 else "room-2" if i <= 24 else "room-3") for i in range(1, 36))
    return SeatConfig(rooms, seats)


DEFAULT_SEATS = _default_seats()


def seat_config_from(data: Mapping[str, Any], version: int = 0) -> SeatConfig:
    rooms_in = data.get("rooms")
    if not isinstance(rooms_in, list) or not 1 <= len(rooms_in) <= 50:
        raise ValidationError("rooms must be a list of 1 to 50 rooms", field="rooms")
    rooms: list[Room] = []
    seats: list[tuple[str, str]] = []
    for i, room in enumerate(rooms_in):
        name = f"rooms[{i}]"
        if not isinstance(room, dict) or set(room) - {"room_id", "name_hi", "name_en", "seats"}:
            raise ValidationError(f"{name} must be {{room_id, name_hi, name_en, seats}}", field=name)
        room_id = room.get("room_id")
        if not isinstance(room_id, str) or not re.fullmatch(ROOM_ID, room_id):
            raise ValidationError(f"{name}.room_id must be lower-case letters, digits and '-'", field=f"{name}.room_id")
        names = []
        for key in ("name_hi", "name_en"):
            value = room.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > 60:
                raise ValidationError(f"{name}.{key} must be a name of 1-60 characters", field=f"{name}.{key}")
            names.append(value.strip())
        seat_list = room.get("seats")
        if not isinstance(seat_list, list) or not seat_list:
            raise ValidationError(f"{name}.seats must be a non-empty list", field=f"{name}.seats")
        for seat in seat_list:
            if not isinstance(seat, str) or not re.fullmatch(SEAT_ID, seat):
                raise ValidationError(f"{name}.seats: seat ids are upper-case letters, digits and '-'",
                                      field=f"{name}.seats")
            seats.append((seat, room_id))
        rooms.append(Room(room_id, names[0], names[1]))
    if len({r.room_id for r in rooms}) != len(rooms):
        raise ValidationError("room ids must be distinct", field="rooms")
    if len({s for s, _ in seats}) != len(seats):
        raise ValidationError("seat ids must be distinct", field="rooms")
    if len(seats) > MAX_SEATS:
        raise ValidationError(f"at most {MAX_SEATS} seats", field="rooms")
    return SeatConfig(tuple(rooms), tuple(seats), version)
