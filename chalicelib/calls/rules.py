"""Pure rules of recording a call: dispositions and what each does to the call target, and the
coverage figures derived from counters. No AWS, no Chalice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..campaigns.rules import FINAL as FINAL  # a target's statuses (campaigns owns the targets)
from ..campaigns.rules import OPEN as OPEN
from ..reporting.dispositions import DISPOSITIONS as DISPOSITIONS  # the outcomes, named here for the call rules

RETRIED = frozenset({"no_answer", "busy", "switched_off"})


CONTACT_FLAGS = {"do_not_call": "opt_out", "wrong_number": "wrong_number"}  # what a call does to the person


@dataclass(frozen=True)
class Transition:
    """What a recorded call does to its target."""

    status: str  # queued | callback | done | closed
    outcome: str | None  # why it is done or closed
    attempts: int
    due_at: datetime | None  # when it may be leased again (queued or callback)
    callback_agent: str | None
    completes: bool  # the target leaves the campaign's work with this call
    contact_flag: str | None  # "opt_out" | "wrong_number": a change to the contact itself


def after_call(*, disposition: str, status_before: str, attempts_before: int, max_attempts: int,
               retry_delay_minutes: int, ended_at: datetime, callback_at: datetime | None,
               callback_agent: str | None, outcome_before: str | None = None) -> Transition:
    attempts = attempts_before + 1
    if status_before in FINAL:
        # A call on a finished target (a supervisor's follow-up, or a late call) is logged and counted,
        # and a request not to be called or a wrong number still reaches the contact; the target stays
        # finished.
        return Transition(status_before, outcome_before, attempts, None, None, False, CONTACT_FLAGS.get(disposition))

    def final(status: str, outcome: str, flag: str | None = None) -> Transition:
        return Transition(status, outcome, attempts, None, None, True, flag)

    if disposition == "connected":
        return final("done", "connected")
    if disposition == "declined":
        return final("closed", "declined")
    if disposition == "wrong_number":
        return final("closed", "wrong_number", "wrong_number")
    if disposition == "do_not_call":
        return final("closed", "do_not_call", "opt_out")
    if disposition == "callback_requested":
        assert callback_at is not None
        # The person asked to be called back: honoured whatever the attempts so far. With no agent
        # to own it (a supervisor recorded it and nobody holds the lease), it joins the queue.
        status = "callback" if callback_agent else "queued"
        return Transition(status, None, attempts, callback_at, callback_agent, False, None)
    assert disposition in RETRIED, disposition
    if attempts >= max_attempts:
        return final("closed", "max_attempts")
    return Transition("queued", None, attempts, ended_at + timedelta(minutes=retry_delay_minutes), None,
                      False, None)


def late_on_held(*, disposition: str, status_before: str, attempts_before: int,
                 outcome_before: str | None) -> Transition:
    """A late call (recorded after the agent's lease lapsed) on a target another agent holds now: the
    attempt is counted and a request not to be called or a wrong number reaches the contact, but the
    target stays as it is: its status, queue place and the other agent's lease are that agent's call's
    to decide, and it completes nothing (so completion is never counted twice)."""
    return Transition(status_before, outcome_before, attempts_before + 1, None, None, False,
                      CONTACT_FLAGS.get(disposition))


def late_call_window(started_at: datetime, lease_minutes: int, grace: timedelta,
                     slack: timedelta) -> tuple[datetime, datetime]:
    """When the agent must have been handed the contact for a call started at `started_at` to be
    theirs: from one lease plus `grace` before the call started, until `slack` after it (the phone's
    clock may drift)."""
    return started_at - timedelta(minutes=lease_minutes) - grace, started_at + slack


def coverage(level_order: tuple[str, ...], from_level: str, counters: dict[str, Any]) -> list[dict[str, Any]]:
    """Share of targeted units, level by level from `from_level` down, with at least one connected
    contact in their subtree."""
    out = []
    for level in level_order[level_order.index(from_level):]:
        targeted = int(counters.get(f"targeted_{level}") or 0)
        reached = int(counters.get(f"reached_{level}") or 0)
        out.append({"level": level, "targeted_units": targeted, "reached_units": reached,
                    "share": round(reached / targeted, 4) if targeted else None})
    return out
