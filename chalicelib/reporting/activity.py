"""Attendance and quality from activity (issue 20): the pure rules behind the figures the hot paths write
on an agent's day item (`d#<IST day>#agents` / `a#<username>`, reporting/counters.py), so the same rules
recompute them from the call logs. No AWS.

* An activity (sign-in, lease, call recorded) at the server's `at`: the gap since the day's
  `last_active_at` as read counts as active time when it is at most the idle limit, otherwise as one idle
  gap (`step`). The write's condition is that `last_active_at` is still what was read, so a gap is counted
  exactly once.
* A call is flagged for a look by a supervisor when it is "connected" but shorter than `short_connect_s`
  (`short`), when it is started beyond `rapid_calls_per_minute` in one minute (`rapid`, the minute kept
  on the item), or when its answers are the same as the agent's previous `same_answers_run - 1` answered
  calls (`same_answers`, the run kept on the item).
* A call on a callback target by the callback's owner is a callback made; kept when it starts at most
  CALLBACK_KEPT after the time the person asked for (and not more than EARLY before it: phones' clocks)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CALLBACK_KEPT = timedelta(minutes=15)
EARLY = timedelta(minutes=5)
REASONS = ("short", "rapid", "same_answers")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Step:
    """What one activity at `at` adds to the day item read with `last_before` as its last_active_at
    (None: no activity yet that day): the gap split into active or idle seconds; `moves_last`: the item's
    last_active_at becomes `at` (not when `at` is not after it: two servers' clocks)."""

    at: str
    last_before: str | None
    moves_last: bool
    active_s: int = 0
    idle_n: int = 0
    idle_s: int = 0

    def increments(self) -> dict[str, int]:
        return {"active_s": self.active_s, "idle_n": self.idle_n, "idle_s": self.idle_s}


def gap(last: str | None, at: str, idle_limit_s: int) -> tuple[int, int, int]:
    """(active_s, idle_n, idle_s) of the gap from `last` to `at`, in whole seconds: active when it is at most
    `idle_limit_s`, one idle gap otherwise; nothing when there is no `last` or `at` is not after it."""
    if last is None:
        return 0, 0, 0
    seconds = int((_parse(at) - _parse(last)).total_seconds())
    if seconds <= 0:
        return 0, 0, 0
    return (seconds, 0, 0) if seconds <= idle_limit_s else (0, 1, seconds)


def step(last: str | None, at: str, idle_limit_s: int) -> Step:
    active, idle_n, idle_s = gap(last, at, idle_limit_s)
    return Step(at, last, last is None or at > last, active, idle_n, idle_s)


def replay(times: list[str], idle_limit_s: int) -> dict[str, Any]:
    """A day's activity recomputed from its times (any order): first_at, last_active_at, active_s, idle_n,
    idle_s — what the writes of `step` add up to when each activity is written in turn."""
    out: dict[str, Any] = {"first_at": None, "last_active_at": None, "active_s": 0, "idle_n": 0, "idle_s": 0}
    for at in sorted(times):
        s = step(out["last_active_at"], at, idle_limit_s)
        out["first_at"] = out["first_at"] or at
        for name, value in s.increments().items():
            out[name] += value
        if s.moves_last:
            out["last_active_at"] = at
    return out


# ---- quality flags ----------------------------------------------------------------------------------


def minute_of(started_at: datetime) -> str:
    """The UTC minute a call started in, as kept on the day item (`rapid_min`)."""
    return started_at.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Run:
    """A kept run (the rapid minute and its calls, or the answers' hash and its length) after one call:
    `key`/`n` to SET (None: left as it was), and whether this call is flagged."""

    key: str | None
    n: int
    flagged: bool


def rapid(kept_minute: str | None, kept_n: int, started_at: datetime, per_minute: int) -> Run:
    """A call started in the kept minute is one more in it, flagged beyond `per_minute`; in a later minute
    it starts a new count; a call started before the kept minute (sent late) leaves it alone."""
    minute = minute_of(started_at)
    if kept_minute is not None and minute < kept_minute:
        return Run(None, kept_n, False)
    n = kept_n + 1 if minute == kept_minute else 1
    return Run(minute, n, n > per_minute)


def answers_hash(answers: dict[str, Any]) -> str:
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def same_answers(kept_hash: str | None, kept_run: int, disposition: str, answers: dict[str, Any] | None,
                 run_length: int) -> Run:
    """A connected call with answers: the run of identical answers goes on (or starts again at 1), flagged
    from its `run_length`-th call on. Any other call leaves the run alone."""
    if disposition != "connected" or not answers:
        return Run(None, kept_run, False)
    h = answers_hash(answers)
    n = kept_run + 1 if h == kept_hash else 1
    return Run(h, n, n >= run_length)


def short(disposition: str, duration_s: int, short_connect_s: int) -> bool:
    return disposition == "connected" and duration_s < short_connect_s


def callback_kept(callback_at: str, started_at: datetime) -> bool:
    """A callback call started at most CALLBACK_KEPT after the time asked for (EARLY before it at most)."""
    delta = started_at - _parse(callback_at)
    return -EARLY <= delta <= CALLBACK_KEPT


def answered(answers: dict[str, Any] | None) -> int:
    """How many questions a call's answers answer (a null answer is none)."""
    return sum(1 for value in (answers or {}).values() if value is not None and value != "")
