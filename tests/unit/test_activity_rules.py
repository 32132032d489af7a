"""The pure rules behind attendance and the quality flags (reporting/activity.py): the gap between two
activities as active or idle time, the rapid minute, the run of identical answers, short connects, a
callback kept, and the day recomputed from its times. No AWS."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.reporting import activity

LIMIT = 15 * 60


def at(hh: int, mm: int, ss: int = 0) -> str:
    return datetime(2026, 3, 10, hh, mm, ss, tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_gap_within_the_idle_limit_is_active_time_and_a_longer_one_one_idle_gap() -> None:
    assert activity.gap(None, at(4, 0), LIMIT) == (0, 0, 0)
    assert activity.gap(at(4, 0), at(4, 15), LIMIT) == (900, 0, 0)  # exactly the limit: still active
    assert activity.gap(at(4, 0), at(4, 15, 1), LIMIT) == (0, 1, 901)
    assert activity.gap(at(4, 10), at(4, 0), LIMIT) == (0, 0, 0)  # out of order: nothing


def test_a_step_moves_last_active_at_only_forward_and_keeps_what_it_read() -> None:
    first = activity.step(None, at(4, 0), LIMIT)
    assert (first.last_before, first.moves_last, first.increments()) == (None, True,
                                                                         {"active_s": 0, "idle_n": 0, "idle_s": 0})
    later = activity.step(at(4, 0), at(4, 5), LIMIT)
    assert (later.last_before, later.moves_last, later.active_s) == (at(4, 0), True, 300)
    earlier = activity.step(at(4, 5), at(4, 0), LIMIT)
    assert (earlier.moves_last, earlier.active_s, earlier.idle_n) == (False, 0, 0)


def test_replay_recomputes_a_day_from_its_times_in_any_order() -> None:
    times = [at(4, 30), at(3, 0), at(3, 10), at(4, 0), at(4, 31)]
    # 03:00 -> 03:10 active, -> 04:00 idle (50 min), -> 04:30 idle (30 min), -> 04:31 active
    assert activity.replay(times, LIMIT) == {"first_at": at(3, 0), "last_active_at": at(4, 31),
                                             "active_s": 600 + 60, "idle_n": 2, "idle_s": (50 + 30) * 60}


def test_rapid_counts_calls_in_one_minute_and_flags_those_beyond_the_limit() -> None:
    minute = datetime(2026, 3, 10, 4, 0, 5, tzinfo=UTC)
    run = activity.rapid(None, 0, minute, 3)
    assert (run.key, run.n, run.flagged) == ("2026-03-10T04:00", 1, False)
    n, flags = 1, []
    for _ in range(4):
        run = activity.rapid("2026-03-10T04:00", n, minute, 3)
        n = run.n
        flags.append(run.flagged)
    assert flags == [False, False, True, True] and n == 5
    next_minute = activity.rapid("2026-03-10T04:00", 5, datetime(2026, 3, 10, 4, 1, tzinfo=UTC), 3)
    assert (next_minute.key, next_minute.n, next_minute.flagged) == ("2026-03-10T04:01", 1, False)
    late = activity.rapid("2026-03-10T04:01", 2, minute, 3)  # sent late: the kept minute stays
    assert (late.key, late.n, late.flagged) == (None, 2, False)


def test_same_answers_flag_the_run_from_its_nth_call_and_only_answered_connects_count() -> None:
    answers = {"received": True, "count": 4}
    kept, n, flags = None, 0, []
    for _ in range(6):
        run = activity.same_answers(kept, n, "connected", answers, 5)
        kept, n = run.key, run.n
        flags.append(run.flagged)
    assert flags == [False, False, False, False, True, True]
    assert activity.same_answers(kept, n, "no_answer", answers, 5) == activity.Run(None, 6, False)
    assert activity.same_answers(kept, n, "connected", {}, 5) == activity.Run(None, 6, False)
    other = activity.same_answers(kept, n, "connected", {"received": False, "count": 4}, 5)
    assert (other.n, other.flagged) == (1, False)
    assert activity.answers_hash({"a": 1, "b": 2}) == activity.answers_hash({"b": 2, "a": 1})


def test_short_connects_callbacks_kept_and_answers_given() -> None:
    assert activity.short("connected", 19, 20) and not activity.short("connected", 20, 20)
    assert not activity.short("no_answer", 0, 20)
    asked = "2026-03-10T04:00:00.000Z"
    assert activity.callback_kept(asked, datetime(2026, 3, 10, 4, 15, tzinfo=UTC))
    assert not activity.callback_kept(asked, datetime(2026, 3, 10, 4, 15, 1, tzinfo=UTC))
    assert activity.callback_kept(asked, datetime(2026, 3, 10, 3, 55, tzinfo=UTC))
    assert not activity.callback_kept(asked, datetime(2026, 3, 10, 3, 54, 59, tzinfo=UTC))
    assert activity.answered({"a": True, "b": None, "c": "", "d": 0, "e": False}) == 3
