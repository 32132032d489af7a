"""What each disposition does to a call target, and coverage figures from counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.calls import rules

ENDED = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
LATER = ENDED + timedelta(hours=3)


def after(disposition: str, attempts_before: int = 0, status_before: str = "queued",
          callback_agent: str | None = "agent01") -> rules.Transition:
    return rules.after_call(disposition=disposition, status_before=status_before, attempts_before=attempts_before,
                            max_attempts=3, retry_delay_minutes=120, ended_at=ENDED,
                            callback_at=LATER if disposition == "callback_requested" else None,
                            callback_agent=callback_agent)


def test_connected_is_done_and_completes() -> None:
    t = after("connected")
    assert (t.status, t.outcome, t.attempts, t.due_at, t.completes, t.contact_flag) == (
        "done", "connected", 1, None, True, None)


@pytest.mark.parametrize("disposition", ["no_answer", "busy", "switched_off"])
def test_unanswered_calls_retry_after_the_delay_until_max_attempts(disposition: str) -> None:
    first = after(disposition, attempts_before=0)
    assert (first.status, first.due_at, first.completes) == ("queued", ENDED + timedelta(minutes=120), False)
    assert after(disposition, attempts_before=1).status == "queued"
    last = after(disposition, attempts_before=2)
    assert (last.status, last.outcome, last.attempts, last.completes) == ("closed", "max_attempts", 3, True)


def test_wrong_number_and_do_not_call_close_the_target_and_change_the_contact() -> None:
    wrong = after("wrong_number")
    assert (wrong.status, wrong.outcome, wrong.contact_flag) == ("closed", "wrong_number", "wrong_number")
    dnc = after("do_not_call")
    assert (dnc.status, dnc.outcome, dnc.contact_flag) == ("closed", "do_not_call", "opt_out")
    assert after("declined").status == "closed" and after("declined").contact_flag is None


def test_a_callback_goes_to_its_agent_or_else_to_the_queue() -> None:
    t = after("callback_requested", attempts_before=2)  # asked for: honoured even at the last attempt
    assert (t.status, t.due_at, t.callback_agent, t.completes) == ("callback", LATER, "agent01", False)
    nobody = after("callback_requested", callback_agent=None)
    assert (nobody.status, nobody.due_at) == ("queued", LATER)


def test_a_call_on_a_finished_target_leaves_it_finished() -> None:
    again = rules.after_call(disposition="no_answer", status_before="done", attempts_before=1, max_attempts=3,
                             retry_delay_minutes=120, ended_at=ENDED, callback_at=None, callback_agent=None,
                             outcome_before="connected")
    assert (again.status, again.outcome, again.attempts, again.due_at, again.completes) == (
        "done", "connected", 2, None, False)
    assert after("declined", status_before="closed").completes is False
    assert after("do_not_call", status_before="done").contact_flag == "opt_out"


def test_coverage_is_per_level_from_the_unit_down() -> None:
    levels = ("district", "assembly", "mandal", "shakti_kendra", "booth")
    figures = {"targeted_mandal": 4, "reached_mandal": 1, "targeted_booth": 20, "reached_booth": 5}
    out = rules.coverage(levels, "mandal", figures)
    assert [c["level"] for c in out] == ["mandal", "shakti_kendra", "booth"]
    assert out[0]["share"] == 0.25 and out[1]["share"] is None and out[2]["share"] == 0.25


@pytest.mark.parametrize(("disposition", "flag"), [("connected", None), ("do_not_call", "opt_out"),
                                                   ("wrong_number", "wrong_number"), ("busy", None)])
def test_a_late_call_on_a_target_another_agent_holds_counts_but_changes_only_the_person(
        disposition: str, flag: str | None) -> None:
    t = rules.late_on_held(disposition=disposition, status_before="queued", attempts_before=1, outcome_before=None)
    assert (t.status, t.outcome, t.attempts, t.due_at, t.callback_agent, t.completes, t.contact_flag) == (
        "queued", None, 2, None, None, False, flag)


def test_a_late_call_belongs_to_whoever_was_handed_the_contact_within_a_lease_and_the_grace() -> None:
    since, until = rules.late_call_window(ENDED, 10, timedelta(hours=1), timedelta(minutes=5))
    assert (since, until) == (ENDED - timedelta(minutes=70), ENDED + timedelta(minutes=5))
