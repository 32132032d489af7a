"""Who may take calls now: the gate the next call passes (`require_on_duty`; POST /campaigns/{id}/next reads
its keys with its own, `duty_read`), and the duty status every screen shows. No Chalice, no boto3, no
PynamoDB here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..core import access
from ..core.clock import iso
from ..core.db import Key
from ..core.errors import Conflict
from . import agent_store, config_store, leave_store, roster_store, rotation, rules
from . import store as shifts_store
from .config import peek, remember, shift_config

ON_DUTY, OFF_SHIFT, ON_LEAVE, NOT_ROSTERED, STANDBY, INACTIVE, NOT_AN_AGENT, OVERRIDE = (
    "on_duty", "off_shift", "on_leave", "not_rostered", "standby", "inactive", "not_an_agent", "override")
DUTY_MESSAGES = {
    ON_DUTY: ("आप ड्यूटी पर हैं", "you are on duty"),
    OVERRIDE: ("पर्यवेक्षक ने आपको ड्यूटी पर रखा है", "a supervisor has put you on duty"),
    OFF_SHIFT: ("यह आपकी पाली का समय नहीं है", "this is not your shift"),
    ON_LEAVE: ("आप आज छुट्टी पर हैं", "you are on leave today"),
    NOT_ROSTERED: ("इस अवधि के रोस्टर में आपका नाम नहीं है", "you are not on this period's roster"),
    STANDBY: ("आप इस अवधि में स्टैंडबाय पर हैं", "you are on standby this period"),
    INACTIVE: ("आपका खाता निष्क्रिय है", "your agent profile is inactive"),
    NOT_AN_AGENT: ("आपकी एजेंट प्रोफ़ाइल नहीं है", "you have no agent profile"),
}


@dataclass(frozen=True)
class DutyStatus:
    username: str
    on_duty: bool
    reason: str  # on_duty | override | off_shift | on_leave | not_rostered | standby | inactive | not_an_agent
    period: str | None = None
    shift: str | None = None
    seat: str | None = None
    partner: str | None = None
    window: rules.Window | None = None  # the agent's shift today (the one in progress when on duty)
    next_window: rules.Window | None = None  # when off shift: the agent's next window this period
    override_until: str | None = None  # when a supervisor's override puts the agent on duty

    @property
    def message_hi(self) -> str:
        return DUTY_MESSAGES[self.reason][0]

    @property
    def message(self) -> str:
        return DUTY_MESSAGES[self.reason][1]

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "on_duty": self.on_duty, "reason": self.reason,
                "message": self.message, "message_hi": self.message_hi, "period": self.period,
                "shift": self.shift, "seat": self.seat, "partner": self.partner,
                "window": self.window.to_dict() if self.window else None,
                "next_window": self.next_window.to_dict() if self.next_window else None,
                "override_until": self.override_until}


def shift_window(at: datetime) -> rules.Window | None:
    """The shift window (morning or evening, from the configuration) that `at` falls in, if any."""
    return rules.shift_window(at, shift_config())


# The set_hash of each period's roster head last seen by this container: the line of a caller is read
# with the head itself (one BatchGetItem), so a revision is seen at once; a changed hash costs one read.
SEEN_HEADS: dict[str, str] = {}


@dataclass(frozen=True)
class DutyRead:
    """What the duty gate reads, as keys another feature can fetch with its own in one BatchGetItem
    (POST /campaigns/{id}/next): the agent's item (active, override, leave spans), the shift
    configuration, the period's roster head and, under the head this container saw last, the agent's
    roster line. `status(found)` decides from what was found (a rare path reads more)."""

    username: str
    at: datetime
    period: str
    set_hash: str | None

    def keys(self) -> list[Key]:
        keys = [agent_store.agent_key(self.username), config_store.config_key("shifts"),
                roster_store.head_key(self.period)]
        if self.set_hash:
            keys.append(roster_store.line_key(self.period, self.set_hash, self.username))
        return keys

    def status(self, found: Mapping[Key, Any]) -> DutyStatus:
        return _duty_from(self, found)


def duty_read(username: str, at: datetime) -> DutyRead:
    cfg = config_guess()
    period = rules.period_id(rules.period_start(rules.ist_date(at), cfg.period_weeks))
    return DutyRead(username, at, period, SEEN_HEADS.get(period))


def config_guess() -> rules.ShiftConfig:
    hit = peek("config")
    return hit if isinstance(hit, rules.ShiftConfig) else rules.DEFAULT_SHIFTS


def _duty_from(read: DutyRead, found: Mapping[Key, Any]) -> DutyStatus:
    username, at = read.username, read.at
    agent: agent_store.AgentModel | None = found.get(agent_store.agent_key(username))
    if agent is None:
        return DutyStatus(username, False, NOT_AN_AGENT)
    if not agent.active:
        return DutyStatus(username, False, INACTIVE)
    if agent.override_until and agent.override_until > iso(at):
        return DutyStatus(username, True, OVERRIDE, override_until=agent.override_until)
    stored = config_store.config_of(found.get(config_store.config_key("shifts")))
    cfg = rules.shift_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SHIFTS
    remember("config", cfg)
    day = rules.ist_date(at)
    period = rules.period_id(rules.period_start(day, cfg.period_weeks))
    head = found.get(roster_store.head_key(period)) if period == read.period else roster_store.get_head(period)
    item = None
    if head is not None and head.set_hash:
        SEEN_HEADS[period] = head.set_hash
        key = roster_store.line_key(period, head.set_hash, username)
        item = found.get(key) if period == read.period and head.set_hash == read.set_hash \
            else roster_store.get_line(period, head.set_hash, username)
    if item is None:
        return DutyStatus(username, False, NOT_ROSTERED, period)
    base = DutyStatus(username, False, STANDBY, period, item.shift, item.seat, item.partner)
    if item.status == rotation.ON_LEAVE:
        return replace(base, reason=ON_LEAVE)
    if item.status != rotation.PLACED or not item.shift:
        return base
    if _on_leave(agent, day):
        return replace(base, reason=ON_LEAVE)
    window = rules.window_on(day, item.shift, cfg)
    if window is not None and window.contains(at):
        return replace(base, on_duty=True, reason=ON_DUTY, window=window)
    last_day = rules.period_days(rules.period_start(day, cfg.period_weeks), cfg.period_weeks)[-1]
    upcoming = next((w for w in rules.windows_from(at, item.shift, cfg, days=(last_day - day).days + 1)
                     if w.start > at), None)
    return replace(base, reason=OFF_SHIFT, window=window, next_window=upcoming)


def _on_leave(agent: agent_store.AgentModel, day: date) -> bool:
    """Leave covering `day`, from the spans on the agent's item; an item written before the spans were
    kept there (no map at all) asks the leave table (one Query)."""
    if agent.leaves is None:
        return bool(leave_store.leaves_on(agent.username, day.isoformat()))
    text = day.isoformat()
    return any(first <= text <= last for first, last in agent_store.leave_spans(agent))


def duty_status(username: str, at: datetime) -> DutyStatus:
    """Is `username` on duty at `at`: active, and either put on duty by a supervisor's override that
    runs past `at`, or rostered this period, not on leave today, and inside their shift's window
    today. One BatchGetItem (the agent with their leave, the configuration, the roster head and line);
    one more read only when the roster was revised since this container last looked."""
    read = duty_read(username, at) if re.fullmatch(rules.USERNAME, username or "") else None
    if read is None:
        return DutyStatus(username, False, NOT_AN_AGENT)
    return read.status(shifts_store.read_keys(read.keys()))



def profile_of(found: Mapping[Key, Any], username: str) -> access.Profile | None:
    """The caller's profile (core/access.py) from the agent item read with the gate's keys."""
    agent = found.get(agent_store.agent_key(username))
    return None if agent is None else access.Profile(agent.role, bool(agent.active))


def require_on_duty(username: str, at: datetime) -> DutyStatus:
    """The next call's gate: a 409 `off_duty` that says why and when the agent's next window opens."""
    return require(duty_status(username, at))


def require(status: DutyStatus) -> DutyStatus:
    if status.on_duty:
        return status
    raise Conflict(f"you are not on duty now: {status.message}", code="off_duty", details={
        "reason": status.reason, "message_hi": status.message_hi, "shift": status.shift,
        "next_window": status.next_window.to_dict() if status.next_window else None})
