"""What one recorded call adds to the report counters (calls/plan.py puts it in the CallPlan): its figures on
every unit of the contact's path, all-time and the day's items, and on the agent's day; first connects and
acknowledgements as conditions; the answer tallies. Pure: no AWS, no Chalice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..campaigns import rules as campaign_rules
from ..reporting import activity, counters
from ..shifts.calling import CallingSettings


@dataclass
class CounterWrite:
    key: tuple[str, str]
    increments: dict[str, Any]  # figure -> amount (answer sums may be decimals)
    labels: dict[str, Any] = field(default_factory=dict)  # attributes SET (names, kept runs)
    first_connect: bool = False  # condition: no connect counted here yet (exact coverage)
    first_received: bool = False  # condition: no relay acknowledgement counted here yet (chalicelib/relay)
    seen_connect: bool = False  # condition: a connect is counted here already (assumed without reading)
    seen_received: bool = False  # condition: an acknowledgement is counted here already (assumed)
    clear_lease: tuple[str, str] | None = None  # (campaign, contact): the live lease to take off this day item
    extremes: list[counters.Extreme] = field(default_factory=list)  # number answers' min/max (conditioned)
    marks_new: list[str] = field(default_factory=list)  # per-unit markers set now (condition: absent)
    marks_seen: list[str] = field(default_factory=list)  # per-unit markers assumed there (condition: present)
    activity: activity.Step | None = None  # the call as the agent's activity (condition: last_active_at as read)
    expect: dict[str, Any] = field(default_factory=dict)  # condition: these attributes as read (None: absent)


@dataclass(frozen=True)
class CallPath:
    """Where a call counts: its campaign, the agent, the IST day and the units of the contact's path
    (the contact's own unit first, the district last)."""

    campaign_id: str
    agent: str
    day: str
    units: list[campaign_rules.PathUnit]


@dataclass(frozen=True)
class Counted:
    """What one call adds to the counters."""

    disposition: str
    duration_s: int
    completes: bool
    relay: dict[str, bool] | None = None
    at: str | None = None  # when the call ended: a connect's last_connect_at (the escalation sweep's)
    now: str | None = None  # when it was recorded: the agent's last_active_at


@dataclass(frozen=True)
class Firsts:
    """Which units this call reaches first: the connects (and the contact's own unit's acknowledgements)
    counted before it, read or `assumed` (the first try assumes each unit reached, as its condition)."""

    connects_before: dict[tuple[str, str], int]
    received_before: int = 0
    assumed: bool = False


def counter_writes(path: CallPath, counted: Counted, firsts: Firsts) -> list[CounterWrite]:
    """The call's figures on every unit of its path (all-time and the day's items) and on the agent's day.
    A unit reached for the first time counts at itself and above; the relay's facts count at the
    contact's own unit, its first acknowledgement at every unit of the path."""
    base = {"attempts": 1, f"d_{counted.disposition}": 1, "talk_s": counted.duration_s,
            "connects": 1 if counted.disposition == "connected" else 0}
    units, relay = path.units, counted.relay
    first = [u for u in units if firsts.connects_before.get(counters.campaign_unit(path.campaign_id, u.unit_id)) == 0]
    last = {"last_connect_at": counted.at} if counted.at and counted.disposition == "connected" else {}
    writes = []
    for i, unit in enumerate(units):  # the contact's own unit first, the district last
        increments = {**base, "completed": 1 if counted.completes else 0}
        for new in first:
            if units.index(new) <= i:
                increments[f"reached_{new.level}"] = increments.get(f"reached_{new.level}", 0) + 1
        first_received = False
        if relay and relay["received"]:
            if i == 0:
                increments["relay_received"] = 1
                increments["relay_passed_on"] = 1 if relay["passed_on"] else 0
                first_received = firsts.received_before == 0
            if firsts.received_before == 0:
                increments[f"received_{units[0].level}"] = 1
        labels = {"unit_id": unit.unit_id, "level": unit.level}
        writes.append(CounterWrite(counters.campaign_unit(path.campaign_id, unit.unit_id), increments,
                                   {**labels, **last}, first_connect=unit in first, first_received=first_received,
                                   seen_connect=firsts.assumed,
                                   seen_received=firsts.assumed and i == 0 and bool(relay and relay["received"])))
        writes.append(CounterWrite(counters.day_unit(path.day, path.campaign_id, unit.unit_id), dict(base), labels))
    writes.append(CounterWrite(counters.day_agent(path.day, path.agent), dict(base),
                               {"agent": path.agent, **({"last_active_at": counted.now} if counted.now else {})}))
    return writes


def answer_tallies(writes: list[CounterWrite], path: CallPath, questions: list[dict[str, Any]],
                   answers: dict[str, Any], markers: dict[tuple[str, str], Any] | None) -> None:
    """The call's answer tallies on every unit of its path, all-time and day items (issue 19). A per-unit
    question counts when its marker is absent on the contact's own unit: the first try assumes it is
    there (stated as the condition), so the unit's first answer is refused once and written again with
    the markers read; racing first answers count once (the marker's `attribute_not_exists`). Number
    answers keep min/max on the all-time items (counters.Extreme)."""
    if not path.units:
        return
    cid = path.campaign_id
    own = counters.campaign_unit(cid, path.units[0].unit_id)
    known = markers or {}
    counted: set[str] = set()
    marks_new, marks_seen = [], []
    for i, q in enumerate(questions):
        if counters.per_of(q) != "unit" or q["id"] not in answers:
            continue
        name = counters.tally(i, "unit")
        if markers is not None and name not in counters.tallies_of(known.get(own)):
            marks_new.append(name)
            counted.add(q["id"])
        else:
            marks_seen.append(name)
    increments, numbers = counters.answer_increments(questions, answers, counted)
    all_time = {counters.campaign_unit(cid, u.unit_id) for u in path.units}
    for write in writes:
        if write.key in all_time:
            write.increments.update(increments)
            write.extremes = counters.extremes(numbers, known.get(write.key), markers is not None)
            if write.key == own:
                write.marks_new, write.marks_seen = marks_new, marks_seen
        elif write.key[0].startswith("d#") and write.key[1] == f"c#{cid}":  # the day's items of the path
            write.increments.update(increments)


# ---- the agent's day: performance, quality flags and attendance (issue 20) ------------------------------


@dataclass(frozen=True)
class CallFacts:
    """What the agent's day figures of one call depend on: the call, the number of questions the campaign
    asks, and the callback this call is on when the caller owns it (its time, as read on the target)."""

    disposition: str
    duration_s: int
    started_at: datetime
    answers: dict[str, Any] | None
    questions: int
    callback_at: str | None = None


def write_for(writes: list[CounterWrite], key: tuple[str, str], labels: dict[str, Any] | None = None) -> CounterWrite:
    """The write of `key` in the plan (one update per item in a transaction), added if there is none."""
    for write in writes:
        if write.key == key:
            return write
    write = CounterWrite(key, {}, dict(labels or {}))
    writes.append(write)
    return write


def add_to(write: CounterWrite, increments: Mapping[str, int]) -> None:
    for name, value in increments.items():
        if value:
            write.increments[name] = write.increments.get(name, 0) + value


def agent_day(writes: list[CounterWrite], path: CallPath, facts: CallFacts, settings: CallingSettings,
              read: Mapping[tuple[str, str], Any], today: str, now: str) -> list[str]:
    """The call's figures on the agent's day item of the call's day (callbacks made and kept, questions
    asked and answered, the quality flags and the runs they keep, conditioned on the runs as read) and its
    activity on the agent's item of the day it is recorded (`now`), from the items as `read`. Returns the
    call's flags' reasons (activity.REASONS), empty when it is not flagged."""
    key = counters.day_agent(path.day, path.agent)
    write, item = write_for(writes, key, {"agent": path.agent}), read.get(key)
    connected = facts.disposition == "connected"
    inc: dict[str, int] = {}
    if facts.callback_at:
        inc["callbacks_made"] = 1
        inc["callbacks_kept"] = 1 if activity.callback_kept(facts.callback_at, facts.started_at) else 0
    if connected:
        inc["ans_asked"], inc["ans_given"] = facts.questions, activity.answered(facts.answers)
    reasons = []
    if activity.short(facts.disposition, facts.duration_s, settings.short_connect_s):
        reasons.append("short")
    kept_min, kept_n = getattr(item, "rapid_min", None), getattr(item, "rapid_min_n", None)
    rapid = activity.rapid(kept_min, int(kept_n or 0), facts.started_at, settings.rapid_calls_per_minute)
    if rapid.key is not None:
        write.labels.update(rapid_min=rapid.key, rapid_min_n=rapid.n)
        write.expect.update(rapid_min=kept_min, rapid_min_n=kept_n)
    if rapid.flagged:
        reasons.append("rapid")
    kept_hash, kept_run = getattr(item, "ans_hash", None), getattr(item, "ans_run", None)
    same = activity.same_answers(kept_hash, int(kept_run or 0), facts.disposition, facts.answers,
                                 settings.same_answers_run)
    if same.key is not None:
        write.labels.update(ans_hash=same.key, ans_run=same.n)
        write.expect.update(ans_hash=kept_hash, ans_run=kept_run)
    if same.flagged:
        reasons.append("same_answers")
    inc.update(short_n=int("short" in reasons), rapid_n=int("rapid" in reasons),
               same_n=int("same_answers" in reasons), flags_n=int(bool(reasons)))
    add_to(write, inc)
    today_key = counters.day_agent(today, path.agent)
    today_item = read.get(today_key)
    write_for(writes, today_key, {"agent": path.agent}).activity = activity.step(
        getattr(today_item, "last_active_at", None), now, settings.idle_limit_minutes * 60)
    return reasons
