"""Use cases of rosters and duty: generating a period's roster (the schedule and the admin run the
same code), telling people, reading rosters, and who is on duty. No Chalice, no boto3, no PynamoDB.

`duty_status(username, at)` and `shift_window(at)` are what the calling workflow asks before it
hands an agent the next call.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from ..core import access, clock
from ..core.clock import iso
from ..core.db import Key
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, validate
from ..notify import service as notify
from . import messages, rotation, rules, store
from .agents import USERNAME
from .config import peek, remember, reset_duty_cache
from .config import seat_config as seat_config  # re-exported: other features read the configuration here
from .config import shift_config as shift_config

LOOKBACK_PERIODS = 4  # how far back a returning agent's last seat is looked for
NOTIFY_WORKERS = 4

def _today() -> date:
    return rules.ist_date(clock.now_utc())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ---- rosters -------------------------------------------------------------------------------


def roster_hash(roster: rotation.Roster) -> str:
    return _hash([line.to_dict() for line in roster.lines])[:20]


@dataclass
class _Inputs:
    rotation: rotation.RotationInput
    agents: dict[str, store.AgentModel]


def _lines_of(period: str) -> dict[str, store.RosterItem]:
    head = store.get_head(period)
    if head is None or not head.set_hash:
        return {}
    return {item.username: item for item in store.lines(period, head.set_hash) if item.username}


def _inputs(start: date, cfg: rules.ShiftConfig, seats: rules.SeatConfig) -> _Inputs:
    agents = {a.username: a for a in store.all_agents()}
    people = tuple(rotation.Person(a.username, a.role) for a in agents.values() if a.active)
    days = rules.period_days(start, cfg.period_weeks)
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for username, first, last in store.leaves_overlapping(days[0].isoformat(), days[-1].isoformat()):
        spans[username].append((date.fromisoformat(first), date.fromisoformat(last)))
    away = frozenset(u for u, s in spans.items() if rules.covers_whole_period(s, start, cfg))
    previous_lines = _lines_of(rules.period_id(rules.shift_period(start, cfg.period_weeks, -1)))
    previous = {u: rotation.Place(i.status or "", i.shift, i.seat) for u, i in previous_lines.items()}
    last_seat: dict[str, str] = {}
    missing = {p.username for p in people} - {u for u, p in previous.items() if p.status == rotation.PLACED}
    for back in range(2, LOOKBACK_PERIODS + 2):
        if not missing:
            break
        older = _lines_of(rules.period_id(rules.shift_period(start, cfg.period_weeks, -back)))
        for username in sorted(missing):
            item = older.get(username)
            if item and item.status == rotation.PLACED and item.seat:
                last_seat[username] = item.seat
                missing.discard(username)
    current = {u: rotation.Place(i.status or "", i.shift, i.seat) for u, i in _lines_of(rules.period_id(start)).items()}
    inp = rotation.RotationInput(rules.period_id(start), seats.seat_ids, people, away, previous, last_seat, current)
    return _Inputs(inp, agents)


def _line_items(period: str, set_hash: str, roster: rotation.Roster, agents: Mapping[str, store.AgentModel],
                seats: rules.SeatConfig) -> list[store.RosterItem]:
    items = []
    for line in roster.lines:
        agent, partner = agents.get(line.username), agents.get(line.partner or "")
        room = seats.room_of(line.seat) if line.seat else None
        items.append(store.RosterItem(
            period, f"{store.line_prefix(set_hash)}{line.username}", username=line.username, role=line.role,
            status=line.status, shift=line.shift, seat=line.seat, room=room.room_id if room else None,
            partner=line.partner, reason=line.reason, name_hi=agent.name_hi if agent else "",
            name_en=agent.name_en if agent else "", partner_name_hi=partner.name_hi if partner else None,
            partner_name_en=partner.name_en if partner else None,
        ))
    return items


def _summary(roster: rotation.Roster, seats: rules.SeatConfig, cfg: rules.ShiftConfig) -> dict[str, Any]:
    summary = roster.summary()
    summary.update(seats=len(seats.seats), period_weeks=cfg.period_weeks)
    if summary["agent_gap"] > 1:
        summary["note"] = ("everyone who worked last period takes the other shift; there were not enough new or "
                           "returning agents to even out the head-counts this period")
    return summary


def generate_roster(period_text: str, actor: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POST /rosters/{period}/generate: create the roster, or a new revision of it when its inputs
    (leave, agents, seats) changed. A roster already in force is revised only with force=true.
    Nothing is sent here: the revision is committed with its notices pending (send_pending_notices)."""
    data = validate(body or {}, {"force": Field("bool")})
    cfg, seats = shift_config(), seat_config()
    start = rules.parse_period(period_text, cfg.period_weeks, today=_today())
    return _generate(start, cfg, seats, actor, revise=True, force=bool(data.get("force")))


def scheduled_roster(at: datetime) -> dict[str, Any]:
    """The schedule: the roster of the next period, if it starts within a week and has none yet.
    Keyed on the period, so a repeated or concurrent firing stores one roster; its notices are sent
    by the notices job (send_pending_notices), never here."""
    cfg, seats = shift_config(), seat_config()
    today = rules.ist_date(at)
    start = rules.shift_period(rules.period_start(today, cfg.period_weeks), cfg.period_weeks, 1)
    if (start - today).days > 7:
        return {"period": rules.period_id(start), "result": "not_yet"}
    try:
        _, view = _generate(start, cfg, seats, "schedule", revise=False, force=False)
    except Conflict as exc:  # retrying cannot help: say why, do not fail the schedule
        logger.warning("roster not generated", extra={"period": rules.period_id(start), "code": exc.code})
        return {"period": rules.period_id(start), "result": exc.code}
    return view


def _generate(start: date, cfg: rules.ShiftConfig, seats: rules.SeatConfig, actor: str, *, revise: bool,
              force: bool) -> tuple[int, dict[str, Any]]:
    period = rules.period_id(start)
    head = store.get_head(period)
    if head is not None and not revise:  # the schedule never revises
        rev = int(head.rev or 0)
        return 200, _result(period, rev, "exists", head)
    inputs = _inputs(start, cfg, seats)
    roster = rotation.rotate(inputs.rotation)
    set_hash = roster_hash(roster)
    if head is not None and head.set_hash == set_hash:
        rev = int(head.rev or 0)
        return 200, _result(period, rev, "unchanged", head)
    previous = _roster_of(period, head.set_hash) if head is not None and head.set_hash else None
    changed = rotation.changed(previous, roster)
    if head is not None and rules.ist_midnight(start) <= clock.now_utc() and not force:
        raise Conflict("this roster is in force; its revision would change the assignment of "
                       f"{len(changed)} people. Send force=true to revise it and tell them",
                       field="period", code="roster_in_force", details={"would_change": len(changed)})
    later = rules.period_id(rules.shift_period(start, cfg.period_weeks, 1))
    if store.get_head(later) is not None:  # it alternated from what this period held: keep it true
        raise Conflict(f"the roster of {later} exists and was built without this one; this period's "
                       "roster cannot be written now", field="period", code="later_roster_exists")
    rev = int(head.rev or 0) + 1 if head is not None else 1
    summary = _summary(roster, seats, cfg)
    store.write_lines(_line_items(period, set_hash, roster, inputs.agents, seats))
    if not store.commit_revision(period, rev, set_hash, json.dumps(summary), iso(clock.now_utc()), actor, len(changed)):
        winner = store.get_head(period)
        if winner is None or winner.set_hash != set_hash:
            raise Conflict("the roster was generated at the same time from other inputs; generate again",
                           field="period", code="roster_changed")
        rev = int(winner.rev or 0)  # a twin run committed the same roster: one roster, one set of notices
    else:
        count("RosterRevisions")
        logger.info("roster committed", extra={"period": period, "rev": rev, "changed": len(changed)})
    reset_duty_cache()
    committed = store.get_head(period)
    return (201 if rev == 1 else 200), _result(period, rev, "created" if rev == 1 else "revised", committed)


def _roster_of(period: str, set_hash: str) -> rotation.Roster:
    items = store.lines(period, set_hash)
    return rotation.Roster(period, tuple(
        rotation.Line(i.username or "", i.role or rotation.AGENT, i.status or "", i.shift, i.seat, i.partner, i.reason)
        for i in sorted(items, key=lambda i: i.username or "")))


def _result(period: str, rev: int, result: str, head: store.RosterItem | None) -> dict[str, Any]:
    """`notifications.pending`: the revision's notices are still to be sent by the notices job
    (`send_pending_notices`, every minute); false once they all went."""
    return {"period": period, "revision": rev, "result": result,
            "summary": json.loads(head.summary) if head and head.summary else None,
            "notifications": {"pending": store.notices_pending(period, rev)}}


# ---- notifications -------------------------------------------------------------------------

NOTICES_PER_RUN = 10  # revisions a run of the notices job takes on; the rest wait for the next minute


def send_pending_notices() -> dict[str, Any]:
    """The notices job (a schedule, every minute): send the notices of every revision committed with
    notices pending. Each message is keyed in the outbox on the revision and the person, so a run that
    fires twice, overlaps another or follows one that died sends only what was never sent. A revision
    leaves the pending list once none of its messages is deferred or held by another run."""
    pending = store.pending_notices(NOTICES_PER_RUN)
    totals: Counter[str] = Counter()
    finished = 0
    if not pending:
        return {"revisions": 0, "finished": 0, "messages": {}}
    cfg, seats = shift_config(), seat_config()
    for period, rev in pending:
        outcome = _notify(date.fromisoformat(period), cfg, seats, rev)
        totals.update(outcome)
        if not (outcome[notify.DEFERRED] or outcome[notify.IN_FLIGHT]):
            store.notices_done(period, rev)
            finished += 1
    logger.info("roster notices", extra={"revisions": len(pending), "finished": finished, **totals})
    return {"revisions": len(pending), "finished": finished, "messages": dict(totals)}



def _assignments(items: list[store.RosterItem], profiles: Mapping[str, store.AgentModel],
                 seats: rules.SeatConfig) -> dict[str, messages.Assignment]:
    rooms = {r.room_id: r for r in seats.rooms}

    def person(username: str, name_hi: str | None, name_en: str | None) -> messages.Person:
        profile = profiles.get(username)
        preferred: list[str] = [str(lang) for lang in (profile.languages or [])] if profile else []
        language = preferred[0] if preferred else "hi"
        return messages.Person(username, name_hi or "", name_en or "", language)

    out = {}
    for i in items:
        room = rooms.get(i.room or "")
        out[i.username or ""] = messages.Assignment(
            person(i.username or "", i.name_hi, i.name_en), i.role or rotation.AGENT, i.status or "", i.shift,
            i.seat, room.name_hi if room else None, room.name_en if room else None,
            person(i.partner, i.partner_name_hi, i.partner_name_en) if i.partner else None, i.reason)
    return out


def _notify(start: date, cfg: rules.ShiftConfig, seats: rules.SeatConfig, rev: int) -> Counter[str]:
    """Tell everyone whose line is new or changed in revision `rev` (email, and SMS where there is a
    phone); send every supervisor the whole roster. Each message is keyed on the revision and the
    person, so this can run any number of times: only what was never sent is sent."""
    period = rules.period_id(start)
    revision = store.get_revision(period, rev)
    outcomes: Counter[str] = Counter()
    if revision is None or not revision.set_hash:
        return outcomes
    items = store.lines(period, revision.set_hash)
    now_lines = _roster_of(period, revision.set_hash)
    before = store.get_revision(period, rev - 1) if rev > 1 else None
    changed = set(rotation.changed(_roster_of(period, before.set_hash) if before and before.set_hash else None,
                                   now_lines))
    profiles = store.get_agents(i.username for i in items if i.username)
    assignments = _assignments(items, profiles, seats)
    days = rules.period_days(start, cfg.period_weeks)
    first, last = days[0], days[-1]
    seat_rooms = {seat: (seats.room_of(seat) or rules.Room("", "", "")).name_en for seat in seats.seat_ids}
    jobs: list[Callable[[], notify.Outcome]] = []
    for username in sorted(assignments):
        a, profile = assignments[username], profiles.get(username)
        if profile is None or not profile.active:
            continue
        key = f"roster#{period}#rev{rev}#{username}"
        if a.role == rotation.SUPERVISOR:
            subject, text = messages.roster_email(a, list(assignments.values()), changed, first, last, rev, cfg,
                                                  seat_rooms)
            jobs.append(partial(notify.send_email, f"{key}#email", profile.email, subject, text))
        elif username in changed:
            subject, text = messages.assignment_email(a, first, last, rev, cfg)
            jobs.append(partial(notify.send_email, f"{key}#email", profile.email, subject, text))
        if username in changed and profile.phone:
            sms = messages.assignment_sms(a, first, last, rev, cfg)
            jobs.append(partial(notify.send_sms, f"{key}#sms", profile.phone, sms))
    # Sending is I/O: a few at a time (SES throttles beyond its rate; the outbox backs off).
    with ThreadPoolExecutor(max_workers=NOTIFY_WORKERS) as pool:
        for outcome in pool.map(lambda job: job(), jobs):
            outcomes[outcome.status] += 1
    return outcomes


# ---- reading rosters -----------------------------------------------------------------------


def line_view(item: store.RosterItem, seats: rules.SeatConfig) -> dict[str, Any]:
    room = seats.room_of(item.seat) if item.seat else None
    return {
        "username": item.username, "name_hi": item.name_hi, "name_en": item.name_en, "role": item.role,
        "status": item.status, "shift": item.shift, "seat": item.seat, "room": room.to_dict() if room else None,
        "partner": {"username": item.partner, "name_hi": item.partner_name_hi, "name_en": item.partner_name_en}
        if item.partner else None,
        "reason": item.reason,
    }


def get_roster(period_text: str, rev_text: str | None, page: PageRequest) -> dict[str, Any]:
    cfg, seats = shift_config(), seat_config()
    start = rules.parse_period(period_text, cfg.period_weeks, today=_today())
    period = rules.period_id(start)
    revs = store.revisions(period)
    if not revs:
        raise NotFound(f"no roster for the period starting {period} yet", field="period")
    current = max(int(r.rev or 0) for r in revs)
    wanted = current
    if rev_text is not None:
        if not re.fullmatch(r"\d{1,4}", rev_text) or not 1 <= int(rev_text) <= current:
            raise ValidationError(f"rev must be a revision between 1 and {current}", field="rev")
        wanted = int(rev_text)
    chosen = next(r for r in revs if int(r.rev or 0) == wanted)
    result = store.lines_page(period, chosen.set_hash or "", page)
    days = rules.period_days(start, cfg.period_weeks)
    body = page_body([line_view(i, seats) for i in result.items], result.next_key)
    body.update(period=period, first_day=days[0].isoformat(), last_day=days[-1].isoformat(), revision=wanted,
                current_revision=current, summary=json.loads(chosen.summary or "null"),
                revisions=[{"revision": int(r.rev or 0), "created_at": r.created_at, "created_by": r.created_by,
                            "changed": int(r.changed or 0)} for r in revs])
    return body


# ---- duty ----------------------------------------------------------------------------------

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
_SEEN_HEADS: dict[str, str] = {}


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
        keys = [store.agent_key(self.username), store.config_key("shifts"), store.head_key(self.period)]
        if self.set_hash:
            keys.append(store.line_key(self.period, self.set_hash, self.username))
        return keys

    def status(self, found: Mapping[Key, Any]) -> DutyStatus:
        return _duty_from(self, found)


def duty_read(username: str, at: datetime) -> DutyRead:
    cfg = _config_guess()
    period = rules.period_id(rules.period_start(rules.ist_date(at), cfg.period_weeks))
    return DutyRead(username, at, period, _SEEN_HEADS.get(period))


def _config_guess() -> rules.ShiftConfig:
    hit = peek("config")
    return hit if isinstance(hit, rules.ShiftConfig) else rules.DEFAULT_SHIFTS


def _duty_from(read: DutyRead, found: Mapping[Key, Any]) -> DutyStatus:
    username, at = read.username, read.at
    agent: store.AgentModel | None = found.get(store.agent_key(username))
    if agent is None:
        return DutyStatus(username, False, NOT_AN_AGENT)
    if not agent.active:
        return DutyStatus(username, False, INACTIVE)
    if agent.override_until and agent.override_until > iso(at):
        return DutyStatus(username, True, OVERRIDE, override_until=agent.override_until)
    stored = store.config_of(found.get(store.config_key("shifts")))
    cfg = rules.shift_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SHIFTS
    remember("config", cfg)
    day = rules.ist_date(at)
    period = rules.period_id(rules.period_start(day, cfg.period_weeks))
    head = found.get(store.head_key(period)) if period == read.period else store.get_head(period)
    item = None
    if head is not None and head.set_hash:
        _SEEN_HEADS[period] = head.set_hash
        key = store.line_key(period, head.set_hash, username)
        item = found.get(key) if period == read.period and head.set_hash == read.set_hash \
            else store.get_line(period, head.set_hash, username)
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


def _on_leave(agent: store.AgentModel, day: date) -> bool:
    """Leave covering `day`, from the spans on the agent's item; an item written before the spans were
    kept there (no map at all) asks the leave table (one Query)."""
    if agent.leaves is None:
        return bool(store.leaves_on(agent.username, day.isoformat()))
    text = day.isoformat()
    return any(first <= text <= last for first, last in store.leave_spans(agent))


def duty_status(username: str, at: datetime) -> DutyStatus:
    """Is `username` on duty at `at`: active, and either put on duty by a supervisor's override that
    runs past `at`, or rostered this period, not on leave today, and inside their shift's window
    today. One BatchGetItem (the agent with their leave, the configuration, the roster head and line);
    one more read only when the roster was revised since this container last looked."""
    read = duty_read(username, at) if re.fullmatch(USERNAME, username or "") else None
    if read is None:
        return DutyStatus(username, False, NOT_AN_AGENT)
    return read.status(store.read_keys(read.keys()))


def my_shift(username: str) -> dict[str, Any]:
    """GET /me/shift: today's shift and the next one, with seat and seat partner. One BatchGetItem: the
    caller's agent item (the profile check, core/access.py, and the leave spans), both configurations,
    the heads of this period and the next and, under the heads this container saw last, the caller's
    two roster lines; a second one only for lines under a head it had not seen."""
    now = clock.now_utc()
    guess = _config_guess()
    today = rules.ist_date(now)

    def starts(cfg: rules.ShiftConfig) -> list[date]:
        first = rules.period_start(today, cfg.period_weeks)
        return [first, rules.shift_period(first, cfg.period_weeks, 1)]

    guessed = [rules.period_id(start) for start in starts(guess)]
    keys = [store.agent_key(username), store.config_key("shifts"), store.config_key("seats")]
    for period in guessed:
        keys.append(store.head_key(period))
        if _SEEN_HEADS.get(period):
            keys.append(store.line_key(period, _SEEN_HEADS[period], username))
    found = store.read_keys(keys)
    agent = found.get(store.agent_key(username))
    access.settle_profile(username, None if agent is None else access.Profile(agent.role, bool(agent.active)))
    stored = store.config_of(found.get(store.config_key("shifts")))
    cfg = rules.shift_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SHIFTS
    remember("config", cfg)
    stored_seats = store.config_of(found.get(store.config_key("seats")))
    seats = rules.seat_config_from(stored_seats[0], stored_seats[1]) if stored_seats else rules.DEFAULT_SEATS
    current_start = starts(cfg)[0]
    if [rules.period_id(start) for start in starts(cfg)] != guessed:  # the period length changed: read afresh
        found.update(store.read_keys([store.head_key(rules.period_id(start)) for start in starts(cfg)]))
    heads = {start: found.get(store.head_key(rules.period_id(start))) for start in starts(cfg)}
    missing = []
    for start, head in heads.items():
        period = rules.period_id(start)
        if head is not None and head.set_hash and store.line_key(period, head.set_hash, username) not in found:
            if _SEEN_HEADS.get(period) != head.set_hash or period not in guessed:
                missing.append(store.line_key(period, head.set_hash, username))
            _SEEN_HEADS[period] = head.set_hash
    if missing:
        found.update(store.read_keys(missing))
    periods = {}
    for start, head in heads.items():
        period = rules.period_id(start)
        item = found.get(store.line_key(period, head.set_hash, username)) if head and head.set_hash else None
        periods[start] = (period, head, item)
    # Leave matters only on a day the caller is placed: no profile, or no placed line in either period,
    # has no leave to read (that Query, on top of a cold container's second read, made the third call).
    placed = agent is not None and any(item is not None and item.status == rotation.PLACED
                                       for _, _, item in periods.values())
    spans = store.leave_spans(agent) if agent is not None and agent.leaves is not None else None
    leave_days = _leave_days(username, today, today + timedelta(days=14 * cfg.period_weeks + 14),
                             spans if placed else [])

    def duty_on(day: date) -> tuple[rules.Window | None, store.RosterItem | None, str]:
        _, _, item = periods.get(rules.period_start(day, cfg.period_weeks), (None, None, None))
        if item is None:
            return None, None, NOT_ROSTERED
        if item.status != rotation.PLACED or not item.shift:
            return None, item, ON_LEAVE if item.status == rotation.ON_LEAVE else STANDBY
        if day in leave_days:
            return None, item, ON_LEAVE
        window = rules.window_on(day, item.shift, cfg)
        return window, item, ON_DUTY if window else OFF_SHIFT

    def shift_body(window: rules.Window | None, item: store.RosterItem | None, reason: str) -> dict[str, Any]:
        if window is None or item is None:  # no shift that day, and why
            return {"state": reason, "message": DUTY_MESSAGES[reason][1], "message_hi": DUTY_MESSAGES[reason][0]}
        state = "on_duty" if window.contains(now) else ("upcoming" if window.start > now else "finished")
        view = line_view(item, seats)
        return {"state": state, **window.to_dict(), "seat": view["seat"], "room": view["room"],
                "partner": view["partner"]}

    today_body = shift_body(*duty_on(today))
    upcoming = None
    for offset in range(0, 14 * cfg.period_weeks + 1):
        day = today + timedelta(days=offset)
        if rules.period_start(day, cfg.period_weeks) not in periods:
            break
        window, item, reason = duty_on(day)
        if window and item and window.start > now:
            upcoming = shift_body(window, item, reason)
            break
    rostered = {}
    for start, (period, head, item) in periods.items():
        rostered["current" if start == current_start else "next"] = {
            "period": period, "revision": int(head.rev or 0) if head else None,
            "assignment": line_view(item, seats) if item else None,
        }
    return {"username": username, "today": today_body, "next": upcoming, "periods": rostered}


def _leave_days(username: str, first: date, last: date, spans: list[tuple[str, str]] | None = None) -> set[date]:
    """Days of leave between first and last: from the spans on the agent's item, or (an item from before
    they were kept there) a Query of the leave table."""
    if spans is None:
        spans = [(leave.from_date, leave.to_date) for leave in store.leaves_from(username, first.isoformat())]
    days: set[date] = set()
    for start, end in spans:
        lo, hi = max(date.fromisoformat(start), first), min(date.fromisoformat(end), last)
        days.update(lo + timedelta(days=i) for i in range((hi - lo).days + 1))
    return days
