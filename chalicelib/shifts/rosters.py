"""Use cases of rosters: generating a period's roster (the schedule and the admin run the same code) and
reading it. The assignment itself is rotation.py's (pure); telling people is notices.py's, after the
revision is committed. No Chalice, no boto3, no PynamoDB here: rosters are stored through roster_store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, validate
from . import agent_store, leave_store, roster_store, rotation, rules
from .config import reset_duty_cache, seat_config, shift_config

LOOKBACK_PERIODS = 4  # how far back a returning agent's last seat is looked for


def _today() -> date:
    return rules.ist_date(clock.now_utc())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()



def roster_hash(roster: rotation.Roster) -> str:
    return _hash([line.to_dict() for line in roster.lines])[:20]


@dataclass
class _Inputs:
    rotation: rotation.RotationInput
    agents: dict[str, agent_store.AgentModel]


def _lines_of(period: str) -> dict[str, roster_store.RosterItem]:
    head = roster_store.get_head(period)
    if head is None or not head.set_hash:
        return {}
    return {item.username: item for item in roster_store.lines(period, head.set_hash) if item.username}


def _inputs(start: date, cfg: rules.ShiftConfig, seats: rules.SeatConfig) -> _Inputs:
    agents = {a.username: a for a in agent_store.all_agents()}
    people = tuple(rotation.Person(a.username, a.role) for a in agents.values() if a.active)
    days = rules.period_days(start, cfg.period_weeks)
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for username, first, last in leave_store.leaves_overlapping(days[0].isoformat(), days[-1].isoformat()):
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


def _line_rows(roster: rotation.Roster, agents: Mapping[str, agent_store.AgentModel],
               seats: rules.SeatConfig) -> list[dict[str, Any]]:
    """The roster's lines as stored: each person's place with the room and both names (the notices and the
    roster screen read them without reading the agents again)."""
    rows = []
    for line in roster.lines:
        agent, partner = agents.get(line.username), agents.get(line.partner or "")
        room = seats.room_of(line.seat) if line.seat else None
        rows.append({
            "username": line.username, "role": line.role, "status": line.status, "shift": line.shift,
            "seat": line.seat, "room": room.room_id if room else None, "partner": line.partner,
            "reason": line.reason, "name_hi": agent.name_hi if agent else "",
            "name_en": agent.name_en if agent else "", "partner_name_hi": partner.name_hi if partner else None,
            "partner_name_en": partner.name_en if partner else None,
        })
    return rows


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
    head = roster_store.get_head(period)
    if head is not None and not revise:  # the schedule never revises
        rev = int(head.rev or 0)
        return 200, _result(period, rev, "exists", head)
    inputs = _inputs(start, cfg, seats)
    roster = rotation.rotate(inputs.rotation)
    set_hash = roster_hash(roster)
    if head is not None and head.set_hash == set_hash:
        rev = int(head.rev or 0)
        return 200, _result(period, rev, "unchanged", head)
    previous = roster_of(period, head.set_hash) if head is not None and head.set_hash else None
    changed = rotation.changed(previous, roster)
    if head is not None and rules.ist_midnight(start) <= clock.now_utc() and not force:
        raise Conflict("this roster is in force; its revision would change the assignment of "
                       f"{len(changed)} people. Send force=true to revise it and tell them",
                       field="period", code="roster_in_force", details={"would_change": len(changed)})
    later = rules.period_id(rules.shift_period(start, cfg.period_weeks, 1))
    if roster_store.get_head(later) is not None:  # it alternated from what this period held: keep it true
        raise Conflict(f"the roster of {later} exists and was built without this one; this period's "
                       "roster cannot be written now", field="period", code="later_roster_exists")
    rev = int(head.rev or 0) + 1 if head is not None else 1
    summary = _summary(roster, seats, cfg)
    roster_store.write_lines(period, set_hash, _line_rows(roster, inputs.agents, seats))
    revision = roster_store.Revision(period, rev, set_hash, json.dumps(summary), iso(clock.now_utc()), actor,
                                     len(changed))
    if not roster_store.commit_revision(revision):
        winner = roster_store.get_head(period)
        if winner is None or winner.set_hash != set_hash:
            raise Conflict("the roster was generated at the same time from other inputs; generate again",
                           field="period", code="roster_changed")
        rev = int(winner.rev or 0)  # a twin run committed the same roster: one roster, one set of notices
    else:
        count("RosterRevisions")
        logger.info("roster committed", extra={"period": period, "rev": rev, "changed": len(changed)})
    reset_duty_cache()
    committed = roster_store.get_head(period)
    return (201 if rev == 1 else 200), _result(period, rev, "created" if rev == 1 else "revised", committed)



def roster_of(period: str, set_hash: str) -> rotation.Roster:
    items = roster_store.lines(period, set_hash)
    return rotation.Roster(period, tuple(
        rotation.Line(i.username or "", i.role or rotation.AGENT, i.status or "", i.shift, i.seat, i.partner, i.reason)
        for i in sorted(items, key=lambda i: i.username or "")))


def _result(period: str, rev: int, result: str, head: roster_store.RosterItem | None) -> dict[str, Any]:
    """`notifications.pending`: the revision's notices are still to be sent by the notices job
    (`send_pending_notices`, every minute); false once they all went."""
    return {"period": period, "revision": rev, "result": result,
            "summary": json.loads(head.summary) if head and head.summary else None,
            "notifications": {"pending": roster_store.notices_pending(period, rev)}}


def line_view(item: roster_store.RosterItem, seats: rules.SeatConfig) -> dict[str, Any]:
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
    revs = roster_store.revisions(period)
    if not revs:
        raise NotFound(f"no roster for the period starting {period} yet", field="period")
    current = max(int(r.rev or 0) for r in revs)
    wanted = current
    if rev_text is not None:
        if not re.fullmatch(r"\d{1,4}", rev_text) or not 1 <= int(rev_text) <= current:
            raise ValidationError(f"rev must be a revision between 1 and {current}", field="rev")
        wanted = int(rev_text)
    chosen = next(r for r in revs if int(r.rev or 0) == wanted)
    result = roster_store.lines_page(period, chosen.set_hash or "", page)
    days = rules.period_days(start, cfg.period_weeks)
    body = page_body([line_view(i, seats) for i in result.items], result.next_key)
    body.update(period=period, first_day=days[0].isoformat(), last_day=days[-1].isoformat(), revision=wanted,
                current_revision=current, summary=json.loads(chosen.summary or "null"),
                revisions=[{"revision": int(r.rev or 0), "created_at": r.created_at, "created_by": r.created_by,
                            "changed": int(r.changed or 0)} for r in revs])
    return body
