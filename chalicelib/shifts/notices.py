"""Telling people their roster: the notices job (a schedule, every minute) sends the emails and SMS of every
revision committed with its notices pending, through the outbox, each keyed on the revision and the
person. The texts are messages.py's. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from typing import Any

from ..core.observability import logger
from ..notify import service as notify
from . import agent_store, messages, roster_store, rotation, rules
from .config import seat_config, shift_config
from .rosters import roster_of

NOTIFY_WORKERS = 4
NOTICES_PER_RUN = 10  # revisions a run of the notices job takes on; the rest wait for the next minute


def send_pending_notices() -> dict[str, Any]:
    """The notices job (a schedule, every minute): send the notices of every revision committed with
    notices pending. Each message is keyed in the outbox on the revision and the person, so a run that
    fires twice, overlaps another or follows one that died sends only what was never sent. A revision
    leaves the pending list once none of its messages is deferred or held by another run."""
    pending = roster_store.pending_notices(NOTICES_PER_RUN)
    totals: Counter[str] = Counter()
    finished = 0
    if not pending:
        return {"revisions": 0, "finished": 0, "messages": {}}
    cfg, seats = shift_config(), seat_config()
    for period, rev in pending:
        outcome = _notify(date.fromisoformat(period), cfg, seats, rev)
        totals.update(outcome)
        if not (outcome[notify.DEFERRED] or outcome[notify.IN_FLIGHT]):
            roster_store.notices_done(period, rev)
            finished += 1
    logger.info("roster notices", extra={"revisions": len(pending), "finished": finished, **totals})
    return {"revisions": len(pending), "finished": finished, "messages": dict(totals)}



def _assignments(items: list[roster_store.RosterItem], profiles: Mapping[str, agent_store.AgentModel],
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
    revision = roster_store.get_revision(period, rev)
    outcomes: Counter[str] = Counter()
    if revision is None or not revision.set_hash:
        return outcomes
    items = roster_store.lines(period, revision.set_hash)
    now_lines = roster_of(period, revision.set_hash)
    before = roster_store.get_revision(period, rev - 1) if rev > 1 else None
    changed = set(rotation.changed(roster_of(period, before.set_hash) if before and before.set_hash else None,
                                   now_lines))
    profiles = agent_store.get_agents(i.username for i in items if i.username)
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
