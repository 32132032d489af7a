"""The performance room's pure rules: attendance against the roster, the totals, an employer's month, input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chalicelib.core.clock import IST
from chalicelib.core.errors import ValidationError
from chalicelib.performance import rules
from chalicelib.performance.rules import Rostered, attendance

DAY = date(2026, 11, 10)


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00").replace(tzinfo=IST)


MORNING = Rostered(shift="morning", seat="S01", start=at("08:00"), end=at("14:30"))
AFTER = at("23:00")


@pytest.mark.parametrize(("first", "last", "status"), [
    ("08:00", "14:30", rules.ON_TIME),
    ("08:10", "14:20", rules.ON_TIME),  # both inside the 10-minute grace
    ("08:11", "14:30", rules.LATE),
    ("07:30", "14:19", rules.LEFT_EARLY),
    ("09:00", "12:00", rules.LATE_LEFT_EARLY),
])
def test_a_rostered_day_is_judged_by_the_first_and_last_activity(first: str, last: str, status: str) -> None:
    assert attendance(MORNING, at(first), at(last), 10, AFTER) == status


def test_no_activity_is_absent_once_the_grace_has_passed_and_off_before() -> None:
    assert attendance(MORNING, None, None, 10, AFTER) == rules.ABSENT
    assert attendance(MORNING, None, None, 10, at("08:05")) == rules.OFF
    assert attendance(MORNING, None, None, 10, at("08:11")) == rules.ABSENT


def test_left_early_is_judged_only_once_the_shift_has_ended() -> None:
    assert attendance(MORNING, at("08:00"), at("11:00"), 10, at("11:05")) == rules.ON_TIME
    assert attendance(MORNING, at("08:00"), at("11:00"), 10, at("14:30")) == rules.LEFT_EARLY


def test_a_supervisor_is_judged_on_arrival_only_their_leaving_is_not_seen() -> None:
    seen = rules.leaving_seen("supervisor")
    assert not seen and rules.leaving_seen("agent")
    assert attendance(MORNING, at("08:02"), at("08:02"), 10, AFTER, leaving_seen=seen) == rules.ON_TIME
    assert attendance(MORNING, at("09:00"), at("09:00"), 10, AFTER, leaving_seen=seen) == rules.LATE
    assert attendance(MORNING, None, None, 10, AFTER, leaving_seen=seen) == rules.ABSENT
    assert attendance(MORNING, at("08:02"), at("08:02"), 10, AFTER) == rules.LEFT_EARLY  # an agent's would be


def test_leave_wins_and_a_day_without_a_shift_is_unrostered_or_off() -> None:
    assert attendance(Rostered(leave=True), at("09:00"), at("10:00"), 10, AFTER) == rules.LEAVE
    assert attendance(Rostered(), at("09:00"), at("10:00"), 10, AFTER) == rules.UNROSTERED
    assert attendance(Rostered(), None, None, 10, AFTER) == rules.OFF


def test_the_grace_is_the_setting() -> None:
    assert attendance(MORNING, at("08:20"), at("14:30"), 30, AFTER) == rules.ON_TIME
    assert attendance(MORNING, at("08:01"), at("14:30"), 0, AFTER) == rules.LATE


def test_totals_sum_the_days_and_derive_the_rates() -> None:
    rows = [rules.day_row("2026-11-10", MORNING, {"attempts": 10, "connects": 4, "talk_s": 400, "active_s": 7200,
                                                 "verified": 4, "discrepant": 1, "ans_asked": 8, "ans_given": 6},
                          rules.ON_TIME),
            rules.day_row("2026-11-11", MORNING, {"attempts": 2, "connects": 0}, rules.LATE_LEFT_EARLY),
            rules.day_row("2026-11-12", MORNING, {}, rules.ABSENT),
            rules.day_row("2026-11-13", Rostered(), {"attempts": 1}, rules.UNROSTERED),
            rules.day_row("2026-11-14", Rostered(leave=True), {}, rules.LEAVE)]
    assert rows[0]["aht_s"] == 100 and rows[1]["aht_s"] is None
    t = rules.totals(rows)
    assert (t["attempts"], t["connects"], t["talk_s"], t["aht_s"]) == (13, 4, 400, 100)
    assert (t["days_rostered"], t["days_present"], t["on_time"], t["late"], t["left_early"], t["absent"],
            t["unrostered"], t["leave"]) == (3, 3, 1, 1, 1, 1, 1, 1)
    assert (t["discrepancy_rate"], t["completeness"], t["connects_per_hour"]) == (0.25, 0.75, 2.0)


def test_an_employers_month_counts_seat_days_staffed_against_rostered_per_shift() -> None:
    evening = Rostered(shift="evening", seat="S01", start=at("14:30"), end=at("21:00"))
    a = [rules.day_row("2026-11-10", MORNING, {"active_s": 3600, "attempts": 5}, rules.ON_TIME),
         rules.day_row("2026-11-11", MORNING, {}, rules.ABSENT)]
    b = [rules.day_row("2026-11-10", evening, {"active_s": 1800, "attempts": 1}, rules.LATE),
         rules.day_row("2026-11-11", Rostered(), {"attempts": 2}, rules.UNROSTERED)]
    agents = [{"days": d, "totals": rules.totals(d)} for d in (a, b)]
    month = rules.employer_month({"id": "firm", "name_hi": "फर्म", "name_en": "Firm"}, agents)
    assert month["shifts"] == {"morning": {"seat_days_rostered": 2, "seat_days_staffed": 1},
                               "evening": {"seat_days_rostered": 1, "seat_days_staffed": 1}}
    assert (month["agents"], month["hours_active"], month["attempts"], month["absences"], month["late"],
            month["unrostered_days"]) == (2, 1.5, 8, 1, 1, 1)


def test_a_range_is_checked_on_its_field() -> None:
    today = date(2026, 11, 30)
    assert len(rules.date_range("2026-09-01", "2026-11-30", today)) == 91
    cases = [("2026-12-01", "2026-12-01", "from"), ("2026-11-01", "2026-12-01", "to"),
             ("2026-11-10", "2026-11-09", "from"), ("2026-08-01", "2026-11-30", "to"),
             ("2026-11-31", "2026-11-30", "from"),             (None, "2026-11-30", "from"), ("2026-11-01", "x", "to")]
    for first, last, field in cases:
        with pytest.raises(ValidationError) as err:
            rules.date_range(first, last, today)
        assert err.value.field == field, (first, last)


def test_a_month_is_checked_and_the_current_one_stops_today() -> None:
    today = date(2026, 11, 15)
    assert len(rules.month_days("2026-10", today)) == 31
    assert rules.month_days("2026-11", today)[-1] == today
    assert rules.previous_month(date(2026, 1, 1)) == "2025-12"
    for bad in ("2026-12", "2026-13", "26-11", None, "2026-1"):
        with pytest.raises(ValidationError) as err:
            rules.month_days(bad, today)
        assert err.value.field == "month"
    assert rules.month_days("2026-02", today + timedelta(days=200))[-1] == date(2026, 2, 28)
