"""Use cases of agents, leave, seats and shifts, rosters and duty. Validates input, applies the
rules, calls the store, the login adapter and the outbox. No Chalice, no boto3, no PynamoDB here.

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

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, validate
from ..notify import service as notify
from ..org.rules import LANGUAGES, mask_phone, normalise_phone
from . import cognito, messages, rotation, rules, store

ROLES = (rotation.AGENT, rotation.SUPERVISOR)
USERNAME = r"[a-z0-9][a-z0-9._-]{2,63}"
EMAIL = r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
LEAVE_ID = r"lv_[0-9a-f]{24}"
IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
LOOKBACK_PERIODS = 4  # how far back a returning agent's last seat is looked for
NOTIFY_WORKERS = 4
NAME = Field("str", max_len=120)
AGENT_SPEC = {
    "username": Field("str", required=True, max_len=64, pattern=USERNAME),
    "name_hi": NAME,
    "name_en": NAME,
    "email": Field("str", required=True, max_len=254, pattern=EMAIL),
    "phone": Field("str", nullable=True, max_len=32),
    "languages": Field("list", item=Field("str", choices=LANGUAGES), max_items=len(LANGUAGES)),
    "role": Field("str", required=True, choices=ROLES),
    "active": Field("bool"),
}
AGENT_PATCH_SPEC = {
    "version": Field("int", required=True, minimum=1),
    "name_hi": NAME,
    "name_en": NAME,
    "email": Field("str", max_len=254, pattern=EMAIL),
    "phone": Field("str", nullable=True, max_len=32),
    "languages": AGENT_SPEC["languages"],
    "role": Field("str", choices=ROLES),
    "active": Field("bool"),
}
DATE = Field("str", required=True, pattern=r"\d{4}-\d{2}-\d{2}", max_len=10)
LEAVE_SPEC = {"from": DATE, "to": DATE, "reason": Field("str", required=True, max_len=200)}
MAX_LEAVE_DAYS = 366


def _today() -> date:
    return rules.ist_date(clock.now_utc())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ---- configuration -------------------------------------------------------------------------


def seat_config() -> rules.SeatConfig:
    stored = store.get_config("seats")
    return rules.seat_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SEATS


def shift_config() -> rules.ShiftConfig:
    stored = store.get_config("shifts")
    return rules.shift_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SHIFTS


def get_seats() -> dict[str, Any]:
    return seat_config().to_dict()


def get_shifts() -> dict[str, Any]:
    return shift_config().to_dict()


def _versioned(body: Any) -> tuple[dict[str, Any], int]:
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    data = dict(body)
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError("version is required: the version you read (0 for the defaults)", field="version")
    return data, version


def put_seats(actor: str, body: Any) -> dict[str, Any]:
    data, version = _versioned(body)
    data.pop("seat_count", None)
    if set(data) - {"rooms"}:
        raise ValidationError(f"unknown field {sorted(set(data) - {'rooms'})[0]}", field="body", code="unknown_field")
    config = rules.seat_config_from(data)
    stored = {"rooms": config.to_dict()["rooms"]}
    new_version = store.put_config("seats", stored, version, iso(clock.now_utc()), actor)
    return rules.seat_config_from(stored, new_version).to_dict()


def put_shifts(actor: str, body: Any) -> dict[str, Any]:
    data, version = _versioned(body)
    data.pop("timezone", None)
    unknown = set(data) - {"shifts", "period_weeks", "working_days"}
    if unknown:
        raise ValidationError(f"unknown field {sorted(unknown)[0]}", field="body", code="unknown_field")
    config = rules.shift_config_from(data)
    stored = {k: v for k, v in config.to_dict().items() if k not in ("version", "timezone")}
    new_version = store.put_config("shifts", stored, version, iso(clock.now_utc()), actor)
    return rules.shift_config_from(stored, new_version).to_dict()


# ---- agents --------------------------------------------------------------------------------


def agent_view(agent: store.AgentModel) -> dict[str, Any]:
    return {
        "username": agent.username, "role": agent.role, "name_hi": agent.name_hi, "name_en": agent.name_en,
        "email": agent.email, "phone_masked": mask_phone(agent.phone_last4) if agent.phone_last4 else None,
        "languages": list(agent.languages or []), "active": bool(agent.active), "version": int(agent.version),
        "created_at": agent.created_at, "updated_at": agent.updated_at,
    }


def agent_list_item(agent: store.AgentModel) -> dict[str, Any]:
    """Built from the index projection alone: the phone itself is not even read."""
    return {
        "username": agent.username, "role": agent.role, "name_hi": agent.name_hi, "name_en": agent.name_en,
        "email": agent.email, "phone_masked": mask_phone(agent.phone_last4) if agent.phone_last4 else None,
        "languages": list(agent.languages or []), "active": bool(agent.active),
    }


def _names(name_hi: str | None, name_en: str | None) -> None:
    if not (name_hi or name_en):
        raise ValidationError("give the agent's name in Hindi or English", field="name_hi")


def _languages(values: list[str] | None) -> list[str]:
    langs = list(dict.fromkeys(values or ["hi"]))
    if not langs:
        raise ValidationError("languages must name at least one language", field="languages")
    return langs


def agent_record(normalised: dict[str, Any], actor: str, now: str) -> store.AgentModel:
    """The stored profile for normalised create data (also what the demo seeder writes)."""
    phone = normalised["phone"]
    return store.AgentModel(
        normalised["username"], list_key=f"{normalised['role']}#{normalised['username']}",
        role=normalised["role"], name_hi=normalised["name_hi"], name_en=normalised["name_en"],
        email=normalised["email"], phone=phone, phone_last4=phone[-4:] if phone else None,
        languages=normalised["languages"], active=normalised["active"], created_at=now, updated_at=now,
        created_by=actor, create_hash=_hash(normalised), version=1,
    )


def create_agent(actor: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Create the profile and its login. The same request again returns the same agent (and
    completes a login that a failure left unfinished); another body for the same username is a 409."""
    data = validate(body, AGENT_SPEC)
    _names(data.get("name_hi"), data.get("name_en"))
    phone = normalise_phone(data["phone"]) if data.get("phone") else None
    normalised = {
        "username": data["username"], "role": data["role"], "name_hi": data.get("name_hi") or "",
        "name_en": data.get("name_en") or "", "email": data["email"].lower(), "phone": phone,
        "languages": _languages(data.get("languages")), "active": data.get("active", True),
    }
    agent = agent_record(normalised, actor, iso(clock.now_utc()))
    create_hash = agent.create_hash
    try:
        store.create_agent(agent)
    except Conflict as exists:
        current = store.get_agent(agent.username)
        if current is None or current.create_hash != create_hash:
            raise Conflict("a different agent already has this username", field="username",
                           code="agent_exists") from exists
        _sync_login(current)  # a retry: finish what the first attempt may not have
        return 201, agent_view(current)
    try:
        password = cognito.ensure_login(agent.username, agent.email, agent.role)
        if not agent.active:
            cognito.set_enabled(agent.username, False)
    except Conflict:
        store.delete_agent_if(agent.username, create_hash)
        raise
    view = agent_view(agent)
    if password:
        view["temporary_password"] = password  # shown once; Cognito also sends it by email
    return 201, view


def _sync_login(agent: store.AgentModel) -> None:
    cognito.ensure_login(agent.username, agent.email, agent.role)
    cognito.set_enabled(agent.username, bool(agent.active))


def require_agent(username: str) -> store.AgentModel:
    agent = store.get_agent(username) if re.fullmatch(USERNAME, username or "") else None
    if agent is None:
        raise NotFound("agent not found", field="username")
    return agent


def get_agent(username: str) -> dict[str, Any]:
    return agent_view(require_agent(username))


def list_agents(role: str | None, page: PageRequest) -> dict[str, Any]:
    if role is not None and role not in ROLES:
        raise ValidationError(f"role must be one of: {', '.join(ROLES)}", field="role")
    result = store.list_agents(role, page)
    return page_body([agent_list_item(a) for a in result.items], result.next_key)


def update_agent(actor: str, username: str, body: Any) -> dict[str, Any]:
    data = validate(body, AGENT_PATCH_SPEC)
    current = require_agent(username)
    version = data.pop("version")
    if version != current.version:
        raise Conflict("the agent was changed by someone else; reload it and try again",
                       field="version", code="stale_version")
    changes: dict[str, Any] = {}
    for name in ("name_hi", "name_en"):
        if name in data:
            changes[name] = data[name] or ""
    _names(changes.get("name_hi", current.name_hi), changes.get("name_en", current.name_en))
    if "email" in data:
        changes["email"] = data["email"].lower()
    if "phone" in data:
        phone = normalise_phone(data["phone"]) if data["phone"] else None
        changes.update(phone=phone, phone_last4=phone[-4:] if phone else None)
    if "languages" in data:
        changes["languages"] = _languages(data["languages"])
    if "role" in data:
        changes.update(role=data["role"], list_key=f"{data['role']}#{username}")
    if "active" in data:
        changes["active"] = data["active"]
    changes["updated_at"] = iso(clock.now_utc())
    updated = store.update_agent(username, version, changes)
    # The profile is the truth; the login follows it. Every call is idempotent, so repeating the
    # same PATCH (with the new version) repairs a login that a failure here left behind.
    if "role" in data or "email" in data:
        cognito.ensure_login(updated.username, updated.email, updated.role)
    if "active" in data:
        cognito.set_enabled(updated.username, bool(updated.active))
    logger.info("agent updated", extra={"agent": username, "fields": sorted(changes)})
    return agent_view(updated)


# ---- leave ---------------------------------------------------------------------------------


def leave_view(leave: store.LeaveModel) -> dict[str, Any]:
    return {"leave_id": leave.leave_id, "username": leave.username, "from": leave.from_date, "to": leave.to_date,
            "reason": leave.reason, "created_at": leave.created_at, "created_by": leave.created_by}


def _day(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{field_name} must be a date YYYY-MM-DD", field=field_name) from exc


def add_leave(actor: str, username: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    """Record leave (IST dates, both included). Idempotent on the Idempotency-Key header, or, without
    one, on the dates: the same request again returns the same leave."""
    if idempotency_key is not None and not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError("Idempotency-Key must be 8-64 letters, digits, '-' or '_'", field="Idempotency-Key")
    data = validate(body, LEAVE_SPEC)
    first, last = _day(data["from"], "from"), _day(data["to"], "to")
    if last < first:
        raise ValidationError("to must not be before from", field="to")
    if (last - first).days >= MAX_LEAVE_DAYS:
        raise ValidationError(f"a leave is at most {MAX_LEAVE_DAYS} days; record a longer one in parts", field="to")
    require_agent(username)
    seed = f"key:{idempotency_key}" if idempotency_key else f"dates:{first}:{last}"
    leave_id = "lv_" + hashlib.sha256(f"{username}#{seed}".encode()).hexdigest()[:24]
    body_hash = _hash({"from": first.isoformat(), "to": last.isoformat(), "reason": data["reason"]})
    leave = store.LeaveModel(
        username, leave_id, from_date=first.isoformat(), to_date=last.isoformat(), reason=data["reason"],
        from_key=f"{first.isoformat()}#{leave_id}", end_key=f"{last.isoformat()}#{username}#{leave_id}",
        body_hash=body_hash, created_at=iso(clock.now_utc()), created_by=actor,
    )
    if store.put_leave(leave):
        return 201, leave_view(leave)
    existing = store.get_leave(username, leave_id)
    if existing is None or existing.body_hash != body_hash:
        if idempotency_key:
            raise Conflict("this Idempotency-Key was used for a different leave", field="Idempotency-Key",
                           code="idempotency_key_reused")
        raise Conflict("a leave for these dates exists with another reason", field="from", code="leave_exists")
    return 201, leave_view(existing)


def list_leaves(username: str, page: PageRequest) -> dict[str, Any]:
    require_agent(username)
    result = store.agent_leaves(username, page)
    return page_body([leave_view(lv) for lv in result.items], result.next_key)


def withdraw_leave(actor: str, username: str, leave_id: str) -> dict[str, Any]:
    """Only a leave that has not started (it begins after today, IST) can be withdrawn."""
    if not re.fullmatch(LEAVE_ID, leave_id):
        raise NotFound("leave not found", field="leave_id")
    require_agent(username)
    store.delete_leave(username, leave_id, _today().isoformat())
    logger.info("leave withdrawn", extra={"agent": username, "leave_id": leave_id, "by": actor})
    return {"leave_id": leave_id, "withdrawn": True}


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
    (leave, agents, seats) changed. A roster already in force is revised only with force=true."""
    data = validate(body or {}, {"force": Field("bool")})
    cfg, seats = shift_config(), seat_config()
    start = rules.parse_period(period_text, cfg.period_weeks, today=_today())
    return _generate(start, cfg, seats, actor, revise=True, force=bool(data.get("force")))


def scheduled_roster(at: datetime) -> dict[str, Any]:
    """The schedule: the roster of the next period, if it starts within a week and has none yet.
    Keyed on the period, so a repeated or concurrent firing stores one roster and notifies once
    (and completes the notifications of a run that died)."""
    cfg, seats = shift_config(), seat_config()
    today = rules.ist_date(at)
    start = rules.shift_period(rules.period_start(today, cfg.period_weeks), cfg.period_weeks, 1)
    if (start - today).days > 7:
        return {"period": rules.period_id(start), "result": "not_yet"}
    _, view = _generate(start, cfg, seats, "schedule", revise=False, force=False)
    return view


def _generate(start: date, cfg: rules.ShiftConfig, seats: rules.SeatConfig, actor: str, *, revise: bool,
              force: bool) -> tuple[int, dict[str, Any]]:
    period = rules.period_id(start)
    head = store.get_head(period)
    if head is not None and not revise:  # the schedule never revises; it finishes what was started
        rev = int(head.rev or 0)
        return 200, _result(period, rev, "exists", head, _notify(start, cfg, seats, rev))
    inputs = _inputs(start, cfg, seats)
    roster = rotation.rotate(inputs.rotation)
    set_hash = roster_hash(roster)
    if head is not None and head.set_hash == set_hash:
        rev = int(head.rev or 0)
        return 200, _result(period, rev, "unchanged", head, _notify(start, cfg, seats, rev))
    previous = _roster_of(period, head.set_hash) if head is not None and head.set_hash else None
    changed = rotation.changed(previous, roster)
    if head is not None:
        if rules.ist_midnight(start) <= clock.now_utc() and not force:
            raise Conflict("this roster is in force; its revision would change the assignment of "
                           f"{len(changed)} people. Send force=true to revise it and tell them",
                           field="period", code="roster_in_force", details={"would_change": len(changed)})
        later = rules.period_id(rules.shift_period(start, cfg.period_weeks, 1))
        if store.get_head(later) is not None:
            raise Conflict(f"the roster of {later} was built on this one; it cannot be revised now",
                           field="period", code="later_roster_exists")
    rev = int(head.rev or 0) + 1 if head is not None else 1
    summary = _summary(roster, seats, cfg)
    store.write_lines(_line_items(period, set_hash, roster, inputs.agents, seats))
    if not store.commit_revision(period, rev, set_hash, json.dumps(summary), iso(clock.now_utc()), actor, len(changed)):
        winner = store.get_head(period)
        if winner is None or winner.set_hash != set_hash:
            raise Conflict("the roster was generated at the same time from other inputs; generate again",
                           field="period", code="roster_changed")
        rev = int(winner.rev or 0)  # a twin run committed the same roster: one roster, and we help notify
    else:
        count("RosterRevisions")
        logger.info("roster committed", extra={"period": period, "rev": rev, "changed": len(changed)})
    committed = store.get_head(period)
    outcome = _notify(start, cfg, seats, rev)
    return (201 if rev == 1 else 200), _result(period, rev, "created" if rev == 1 else "revised", committed, outcome)


def _roster_of(period: str, set_hash: str) -> rotation.Roster:
    items = store.lines(period, set_hash)
    return rotation.Roster(period, tuple(
        rotation.Line(i.username or "", i.role or rotation.AGENT, i.status or "", i.shift, i.seat, i.partner, i.reason)
        for i in sorted(items, key=lambda i: i.username or "")))


def _result(period: str, rev: int, result: str, head: store.RosterItem | None,
            notified: Mapping[str, int]) -> dict[str, Any]:
    return {"period": period, "revision": rev, "result": result,
            "summary": json.loads(head.summary) if head and head.summary else None, "notifications": dict(notified)}


# ---- notifications -------------------------------------------------------------------------


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

ON_DUTY, OFF_SHIFT, ON_LEAVE, NOT_ROSTERED, STANDBY, INACTIVE, NOT_AN_AGENT = (
    "on_duty", "off_shift", "on_leave", "not_rostered", "standby", "inactive", "not_an_agent")
DUTY_MESSAGES = {
    ON_DUTY: ("आप ड्यूटी पर हैं", "you are on duty"),
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
    reason: str  # on_duty | off_shift | on_leave | not_rostered | standby | inactive | not_an_agent
    period: str | None = None
    shift: str | None = None
    seat: str | None = None
    partner: str | None = None
    window: rules.Window | None = None  # the agent's shift today (the one in progress when on duty)
    next_window: rules.Window | None = None  # when off shift: the agent's next window this period

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
                "next_window": self.next_window.to_dict() if self.next_window else None}


def shift_window(at: datetime) -> rules.Window | None:
    """The shift window (morning or evening, from the configuration) that `at` falls in, if any."""
    return rules.shift_window(at, shift_config())


def duty_status(username: str, at: datetime) -> DutyStatus:
    """Is `username` on duty at `at`: active, rostered this period, not on leave today, and inside
    their shift's window today. Five key lookups and one Query at most."""
    agent = store.get_agent(username) if re.fullmatch(USERNAME, username or "") else None
    if agent is None:
        return DutyStatus(username, False, NOT_AN_AGENT)
    if not agent.active:
        return DutyStatus(username, False, INACTIVE)
    cfg = shift_config()
    day = rules.ist_date(at)
    period = rules.period_id(rules.period_start(day, cfg.period_weeks))
    head = store.get_head(period)
    item = store.get_line(period, head.set_hash, username) if head and head.set_hash else None
    if item is None:
        return DutyStatus(username, False, NOT_ROSTERED, period)
    base = DutyStatus(username, False, STANDBY, period, item.shift, item.seat, item.partner)
    if item.status == rotation.ON_LEAVE:
        return replace(base, reason=ON_LEAVE)
    if item.status != rotation.PLACED or not item.shift:
        return base
    if store.leaves_on(username, day.isoformat()):
        return replace(base, reason=ON_LEAVE)
    window = rules.window_on(day, item.shift, cfg)
    if window is not None and window.contains(at):
        return replace(base, on_duty=True, reason=ON_DUTY, window=window)
    last_day = rules.period_days(rules.period_start(day, cfg.period_weeks), cfg.period_weeks)[-1]
    upcoming = next((w for w in rules.windows_from(at, item.shift, cfg, days=(last_day - day).days + 1)
                     if w.start > at), None)
    return replace(base, reason=OFF_SHIFT, window=window, next_window=upcoming)


def my_shift(username: str) -> dict[str, Any]:
    """GET /me/shift: today's shift and the next one, with seat and seat partner."""
    now = clock.now_utc()
    cfg = shift_config()
    today = rules.ist_date(now)
    current_start = rules.period_start(today, cfg.period_weeks)
    seats = seat_config()
    periods = {}
    for start in (current_start, rules.shift_period(current_start, cfg.period_weeks, 1)):
        period = rules.period_id(start)
        head = store.get_head(period)
        item = store.get_line(period, head.set_hash, username) if head and head.set_hash else None
        periods[start] = (period, head, item)
    leave_days = _leave_days(username, today, today + timedelta(days=14 * cfg.period_weeks + 14))

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


def _leave_days(username: str, first: date, last: date) -> set[date]:
    days: set[date] = set()
    for leave in store.leaves_from(username, first.isoformat()):
        lo, hi = max(date.fromisoformat(leave.from_date), first), min(date.fromisoformat(leave.to_date), last)
        days.update(lo + timedelta(days=i) for i in range((hi - lo).days + 1))
    return days
