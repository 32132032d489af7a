"""Periods, shift windows, configuration and messages: pure rules, no AWS."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.clock import IST
from chalicelib.core.errors import ValidationError
from chalicelib.shifts import messages, rules
from chalicelib.shifts.rules import DEFAULT_SHIFTS, EVENING, MORNING


def ist(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST)


@given(st.dates(date(2024, 1, 1), date(2040, 12, 31)), st.sampled_from(rules.PERIOD_WEEKS))
def test_every_day_is_in_exactly_one_period_that_starts_on_a_monday(day: date, weeks: int) -> None:
    start = rules.period_start(day, weeks)
    assert start.weekday() == 0 and start <= day < rules.shift_period(start, weeks, 1)
    assert rules.parse_period(start.isoformat(), weeks) == start
    assert rules.shift_period(rules.shift_period(start, weeks, 1), weeks, -1) == start


def test_periods_are_named_by_their_monday() -> None:
    assert rules.parse_period("2026-12-07", 1) == date(2026, 12, 7)
    with pytest.raises(ValidationError) as bad:
        rules.parse_period("2026-12-09", 1)
    assert bad.value.details == {"period_start": "2026-12-07"}
    for text in ("2026-13-01", "next week", ""):
        with pytest.raises(ValidationError):
            rules.parse_period(text, 1)
    assert rules.parse_period("next", 1, today=date(2026, 12, 5)) == date(2026, 12, 7)
    assert rules.parse_period("current", 1, today=date(2026, 12, 5)) == date(2026, 11, 30)


def test_windows_are_ist_and_half_open() -> None:
    w = rules.window_on(date(2026, 12, 7), MORNING, DEFAULT_SHIFTS)
    assert w is not None and w.start == datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    assert w.end == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert rules.shift_window(ist("2026-12-07", "08:00"), DEFAULT_SHIFTS).shift == MORNING  # type: ignore[union-attr]
    assert rules.shift_window(ist("2026-12-07", "14:29"), DEFAULT_SHIFTS).shift == MORNING  # type: ignore[union-attr]
    assert rules.shift_window(ist("2026-12-07", "14:30"), DEFAULT_SHIFTS).shift == EVENING  # type: ignore[union-attr]
    assert rules.shift_window(ist("2026-12-07", "21:00"), DEFAULT_SHIFTS) is None
    assert rules.shift_window(ist("2026-12-07", "03:00"), DEFAULT_SHIFTS) is None
    # the same instant in UTC is the same answer
    assert rules.shift_window(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), DEFAULT_SHIFTS).shift == EVENING  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        rules.shift_window(datetime(2026, 12, 7, 9, 0), DEFAULT_SHIFTS)  # naive on purpose


def test_a_window_may_end_at_midnight_and_days_off_have_none() -> None:
    cfg = rules.shift_config_from({"shifts": {"morning": {"start": "06:00", "end": "15:00"},
                                              "evening": {"start": "15:00", "end": "24:00"}},
                                   "working_days": ["mon", "tue", "wed", "thu", "fri", "sat"]})
    assert cfg.windows[EVENING] == (time(15, 0), time.max)
    late = rules.shift_window(ist("2026-12-07", "23:59"), cfg)
    assert late is not None and late.end == ist("2026-12-08", "00:00")
    assert rules.window_on(date(2026, 12, 13), MORNING, cfg) is None  # Sunday
    assert [w.day.isoformat() for w in rules.windows_from(ist("2026-12-12", "16:00"), MORNING, cfg, days=3)] == [
        "2026-12-14"]
    assert cfg.to_dict()["shifts"]["evening"]["end"] == "24:00"


def test_whole_period_leave_counts_working_days_only() -> None:
    cfg = rules.shift_config_from({**DEFAULT_SHIFTS.to_dict(), "working_days": ["mon", "tue", "wed", "thu", "fri"]})
    start = date(2026, 12, 7)
    assert rules.covers_whole_period([(date(2026, 12, 7), date(2026, 12, 11))], start, cfg)
    assert rules.covers_whole_period([(date(2026, 12, 1), date(2026, 12, 8)), (date(2026, 12, 9), date(2026, 12, 31))],
                                     start, cfg)
    assert not rules.covers_whole_period([(date(2026, 12, 7), date(2026, 12, 10))], start, cfg)
    assert not rules.covers_whole_period([(date(2026, 12, 7), date(2026, 12, 12))], start, DEFAULT_SHIFTS)


def test_default_seats_and_their_rooms() -> None:
    seats = rules.DEFAULT_SEATS
    assert len(seats.seat_ids) == 35 and seats.seat_ids[0] == "S01"
    assert seats.room_of("S13").name_en == "Room 2"  # type: ignore[union-attr]
    again = rules.seat_config_from(seats.to_dict())
    assert again.seats == seats.seats and again.rooms == seats.rooms


def _assignment(**kw: object) -> messages.Assignment:
    base: dict[str, object] = {
        "person": messages.Person("agent07", "सीमा", "Seema", "hi"), "role": "agent", "status": "placed",
        "shift": MORNING, "seat": "S05", "room_hi": "कक्ष 1", "room_en": "Room 1",
        "partner": messages.Person("agent08", "रीना", "Reena", "en"), "reason": None}
    base.update(kw)
    return messages.Assignment(**base)  # type: ignore[arg-type]


def test_messages_are_bilingual_short_and_carry_no_phone_number() -> None:
    first, last = date(2026, 12, 7), date(2026, 12, 13)
    subject, text = messages.assignment_email(_assignment(), first, last, 1, DEFAULT_SHIFTS)
    assert "रोस्टर 7 दिसंबर 2026" in subject and "Roster 7 Dec 2026 – 13 Dec 2026" in subject
    assert "सुबह की पाली, 08:00–14:30" in text and "Morning shift, 08:00–14:30 IST, seat S05 (Room 1)" in text
    assert "रीना (agent08)" in text and "Reena (agent08)" in text
    assert not re.search(r"\d{10}", text)
    sms = messages.assignment_sms(_assignment(), first, last, 2, DEFAULT_SHIFTS)
    assert sms == "सम्पर्क रोस्टर 07/12–13/12 (संशोधन 2): सुबह 08:00–14:30, सीट S05" and len(sms) <= 70
    english = messages.assignment_sms(_assignment(person=messages.Person("a", "", "A", "en")), first, last, 1,
                                      DEFAULT_SHIFTS)
    assert english == "Sampark roster 07/12-13/12: Morning 08:00–14:30, seat S05"
    _, standby = messages.assignment_email(_assignment(status="standby", shift=None, seat=None, partner=None,
                                                       reason="no_seat"), first, last, 1, DEFAULT_SHIFTS)
    assert "स्टैंडबाय" in standby and "every seat is taken" in standby


def test_the_roster_schedule_is_a_tuning_knob_with_a_default() -> None:
    from chalicelib.core.settings import SettingsError, roster_schedule

    assert roster_schedule({}) == "cron(30 6 ? * SAT *)"  # Saturday 12:00 IST
    assert roster_schedule({"SAMPARK_ROSTER_SCHEDULE": "cron(0 5 ? * FRI *)"}) == "cron(0 5 ? * FRI *)"
    with pytest.raises(SettingsError):
        roster_schedule({"SAMPARK_ROSTER_SCHEDULE": "every saturday"})
