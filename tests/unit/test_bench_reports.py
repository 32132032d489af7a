"""bench/reports.py's pure parts: issue 20's write units per call from the items' sizes, and its section of
bench/results.md; devtools/demo_month.py's calendar."""

from __future__ import annotations

from datetime import date, datetime

from bench import reports
from chalicelib.core.clock import IST
from devtools import demo_month


def test_the_day_item_stays_within_its_kb_and_a_flag_costs_two_units() -> None:
    w = reports.write_units()
    assert w["day_item_bytes_before"] < w["day_item_bytes_after"] <= 1024
    assert w["day_item_wru_per_call_extra"] == 0
    assert w["flag_item_wru"] == 2  # one put of under a KB, in the call's transaction
    assert w["extra_wru_per_call"] == round(w["flag_share"] * 2 + w["log_wru_per_call_extra"], 2)
    from infra import cost

    assert w["extra_wru_per_call"] == cost.WRU_PER_CALL_ISSUE_20
    # the contact's update in every call's transaction: under a KB, doubled
    assert w["contact_item_bytes"] <= 1024 and w["contact_wru_per_call"] == 2 == cost.WRU_PER_CALL_LOCK
    assert w["with_lock_wru_per_call"] == round(w["extra_wru_per_call"] + 2, 2)


def test_the_section_shows_each_report_per_size() -> None:
    run = {"seeded": {"calls_in_month": 70_000}, "seed_s": 1.0, "GET /reports/vendor": {"dynamodb_calls": 43}}
    big = {"seeded": {"calls_in_month": 700_000}, "seed_s": 1.0, "GET /reports/vendor": {"dynamodb_calls": 43}}
    lines = reports.markdown({"month": "2026-11", "runs": {"70 agents, 40": run, "70 agents, 400": big},
                              "write_units": reports.write_units()})
    assert "| GET /reports/vendor | 43 | 43 |" in lines
    assert "| calls in the month | 70,000 | 700,000 |" in lines


def test_the_demo_months_calendar() -> None:
    assert demo_month.previous_month(date(2026, 12, 3)) == "2026-11"
    assert demo_month.previous_month(date(2027, 1, 1)) == "2026-12"
    assert len(demo_month.month_days("2026-02")) == 28 and demo_month.month_days("2026-11")[-1] == date(2026, 11, 30)
    assert demo_month.job_time("2026-11") == datetime(2026, 12, 1, 0, 30, tzinfo=IST)
