"""The handover at the end of a shift (the schedule and the admin route run the same code): leases
held by the agents of the ending shift are released (their targets return to the queue), and their
callbacks due before the end of the coming shift move to the seat partner on duty then, who is told
once (email, and SMS where there is a phone) through the outbox, keyed on the handover.

Idempotent by its conditions: a release needs the lease still the agent's, a move needs the callback
still the owner's and unleased, so a second run (in sequence or at the same time) finds nothing left
to change; the message's key is the handover and the partner, so it is sent once.
No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from ..campaigns import store as targets
from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, ValidationError
from ..core.observability import count, logger
from ..notify import service as notify
from ..shifts import agent_store, duty, roster_store, rotation, rules
from ..shifts.config import shift_config

LATE_BY = timedelta(minutes=20)  # how long after a shift's end the schedule still hands it over
SHIFT_NAMES = {rules.MORNING: ("सुबह", "morning"), rules.EVENING: ("शाम", "evening")}


def scheduled_handover(at: datetime) -> dict[str, Any]:
    """The schedule: hand over the shift that ended within LATE_BY before `at`, if one did."""
    cfg = shift_config()
    day = rules.ist_date(at)
    for shift in rules.SHIFTS:
        window = rules.window_on(day, shift, cfg)
        if window is not None and window.end <= at + timedelta(minutes=1) and at - window.end < LATE_BY:
            return handover(window.day, shift, "schedule")
    return {"result": "no_shift_ended", "at": iso(at)}


def run_handover(day_text: str, shift: str, actor: str) -> dict[str, Any]:
    """POST /handovers/{day}/{shift}: the same handover on demand, for a shift that has ended."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day_text or ""):
        raise ValidationError("day must be a date YYYY-MM-DD", field="day")
    try:
        day = date.fromisoformat(day_text)
    except ValueError as exc:
        raise ValidationError("day must be a date YYYY-MM-DD", field="day") from exc
    if shift not in rules.SHIFTS:
        raise ValidationError(f"shift must be one of: {', '.join(rules.SHIFTS)}", field="shift")
    return handover(day, shift, actor)


def handover(day: date, shift: str, actor: str) -> dict[str, Any]:
    cfg = shift_config()
    now = clock.now_utc()
    window = rules.window_on(day, shift, cfg)
    key = f"{day.isoformat()}#{shift}"
    if window is None:
        return {"handover": key, "result": "no_shift"}
    if window.end > now:
        raise Conflict("this shift has not ended yet", field="shift", code="shift_not_over",
                       details={"ends_at": iso(window.end)})
    coming = next(rules.windows_from(window.end, rules.other(shift), cfg, days=14), None)
    period = rules.period_id(rules.period_start(day, cfg.period_weeks))
    head = roster_store.get_head(period)
    lines = roster_store.lines(period, head.set_hash) if head and head.set_hash else []
    ending = [i for i in lines if i.status == rotation.PLACED and i.shift == shift and i.username]
    tally: Counter[str] = Counter()
    now_s = iso(now)
    partners_told: set[str] = set()
    for line in sorted(ending, key=lambda i: i.username or ""):
        owner = line.username or ""
        partner = _partner_on_duty(line, coming)
        for target in targets.held_by(owner):
            holder: str | None = target.lease_agent
            if holder == owner:
                released = targets.release_lease(target, owner, now_s)
                tally["released" if released else "lost_race"] += 1
                if released is None or target.status != "callback":
                    continue
                holder = None  # released: an unleased callback now
            if target.status != "callback" or holder or not target.callback_at:
                continue
            if coming is None or target.callback_at >= iso(coming.end):
                continue  # due later: its owner is back by then
            if partner is None:
                tally["kept_no_partner"] += 1
                continue
            moved = targets.move_callback(target, owner, partner, key)
            tally["moved" if moved else "lost_race"] += 1
        if partner is not None:
            partners_told.add(partner)
    outcomes: Counter[str] = Counter()
    for partner in sorted(partners_told):
        outcome = _tell(partner, key, shift, day, coming)
        if outcome:
            outcomes[outcome] += 1
    count("ShiftHandovers")
    logger.info("shift handed over", extra={"handover": key, "actor": actor, **tally})
    return {"handover": key, "result": "done", "agents": len(ending), "released": tally["released"],
            "moved": tally["moved"], "kept_no_partner": tally["kept_no_partner"],
            "coming": coming.to_dict() if coming else None, "notifications": dict(outcomes)}


def _partner_on_duty(line: roster_store.RosterItem, coming: rules.Window | None) -> str | None:
    if not line.partner or coming is None:
        return None
    return line.partner if duty.duty_status(line.partner, coming.start).on_duty else None


def _tell(partner: str, key: str, shift: str, day: date, coming: rules.Window | None) -> str | None:
    """One message per partner per handover, listing what it gave them (read back from the targets,
    so a concurrent twin run's moves are in it too). Nothing when it gave them nothing."""
    given = targets.handed_over(partner, key)
    if not given:
        return None
    profile = agent_store.get_agent(partner)
    if profile is None or not profile.active:
        return None
    hi_shift, en_shift = SHIFT_NAMES.get(shift, (shift, shift))
    when = coming.day.isoformat() if coming else ""
    subject = f"पाली हस्तांतरण: {len(given)} कॉलबैक / Shift handover: {len(given)} callbacks"
    lines = [f"{t.name_hi} / {t.name_en} — {t.callback_at}" for t in sorted(given, key=lambda t: t.callback_at or "")]
    text = (f"नमस्ते {profile.name_hi},\n{day.isoformat()} की {hi_shift} पाली के आपके सीट साथी के "
            f"{len(given)} कॉलबैक अब आपके हैं ({when})।\n\n"
            f"Hello {profile.name_en},\nYour seat partner's {len(given)} callbacks from the {en_shift} shift of "
            f"{day.isoformat()} are now yours ({when}).\n\n" + "\n".join(lines) + "\n")
    outcome = notify.send_email(f"handover#{key}#{partner}#email", profile.email, subject, text)
    if profile.phone:
        notify.send_sms(f"handover#{key}#{partner}#sms", profile.phone,
                        f"Sampark: {len(given)} कॉलबैक आपको सौंपे गए / {len(given)} callbacks handed to you ({when})")
    return outcome.status
