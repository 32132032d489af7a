"""Load a demo district into the local stack, with batch writes.

Refuses anything but the local stage talking to a server on 127.0.0.1: fake phone numbers can never
reach a real deployment.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core.clock import iso, now_utc
from chalicelib.core.ids import new_id
from chalicelib.core.observability import metrics
from chalicelib.core.settings import Settings
from chalicelib.org import rules
from chalicelib.org.store import ROOT, ContactModel, PhoneClaimModel, UnitModel, claim_key
from chalicelib.shifts import config as shift_config
from chalicelib.shifts import config_store, duty, employers, rosters
from chalicelib.shifts import rules as shift_rules
from chalicelib.shifts.agent_store import AgentModel
from chalicelib.shifts.agents import agent_record

from .demo_data import FIRM, DemoDistrict
from .provision import create_user

LEADERS = (("admin", "admin"), ("state", "state_leader"), ("central", "central_leader"))


class RefusedTarget(RuntimeError):
    """The seeder was pointed at something that is not the local stack."""


def check_local(settings: Settings) -> None:
    if settings.stage != "local" or not settings.is_local_endpoint:
        raise RefusedTarget(
            "the demo seeder writes only to the local stage on a 127.0.0.1 endpoint "
            f"(stage={settings.stage!r}, endpoint={settings.aws_endpoint!r})"
        )


def _unit_models(district: DemoDistrict, now: str) -> list[UnitModel]:
    by_id: dict[str, UnitModel] = {}
    for u in district.units:  # parents come before children
        parent = by_id.get(u.parent_id) if u.parent_id else None
        by_id[u.unit_id] = UnitModel(
            u.unit_id, level=u.level, name_hi=u.name_hi, name_en=u.name_en, parent_id=u.parent_id,
            parent_key=u.parent_id or ROOT, child_sort=f"{u.name_en.lower()}#{u.unit_id}",
            path=rules.unit_path(parent.path if parent else None, u.unit_id),
            district_id=rules.district_for(u.level, u.unit_id, parent.district_id if parent else None),
            created_at=now, updated_at=now,
        )
    return list(by_id.values())


def _contact_models(district: DemoDistrict, units: dict[str, UnitModel], now: str) -> list[ContactModel]:
    contacts = []
    for c in district.contacts:
        unit = units[c.unit_id]
        contact_id = new_id("ct")
        contacts.append(ContactModel(
            contact_id, district_id=unit.district_id, unit_id=unit.unit_id,
            tree_key=f"{unit.path}{contact_id}", district_role=f"{unit.district_id}#{c.role}",
            role=c.role, name_hi=c.name_hi, name_en=c.name_en, phone=c.phone, phone_last4=c.phone[-4:],
            language=c.language, consent_source="party_register", consent_purpose="party outreach (demo)",
            consent_at=now, opted_out=False, wrong_number=False, created_at=now, updated_at=now,
            created_by="seed", version=1,
        ))
    return contacts


def _agent_models(district: DemoDistrict, now: str) -> list[AgentModel]:
    """The call centre's agents and supervisors, as POST /agents would have stored them."""
    return [agent_record({"username": a.username, "role": a.role, "name_hi": a.name_hi, "name_en": a.name_en,
                          "email": a.email.lower(), "phone": rules.normalise_phone(a.phone),
                          "languages": list(a.languages), "active": True, "employer": a.employer}, "seed", now)
            for a in district.agents]


def _batch_put(model: Any, items: list[Any]) -> None:
    with model.batch_write() as batch:
        for item in items:
            batch.save(item)


def _all(jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> None:
    """Run the jobs four at a time; on the first failure or interruption (Ctrl-C) the ones not yet
    started are dropped, so that stopping `make run` while it seeds does not wait for the whole seed."""
    pool = ThreadPoolExecutor(max_workers=4)
    try:
        for future in [pool.submit(fn, *args) for fn, args in jobs]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def seed_demo(settings: Settings, district: DemoDistrict, cognito: Any, password: str) -> dict[str, Any]:
    """Write the district and create the demo logins. Expects empty tables and pool (a fresh
    local server): `make run` starts clean every time."""
    check_local(settings)
    started = time.perf_counter()
    now = iso(now_utc())
    units = _unit_models(district, now)
    by_id = {u.unit_id: u for u in units}
    contacts = _contact_models(district, by_id, now)
    claims = [PhoneClaimModel(claim_key(c.district_id, c.phone), contact_id=c.contact_id) for c in contacts]
    chunks: list[tuple[Any, list[Any]]] = [(UnitModel, units)]
    step = 2500
    chunks += [(ContactModel, contacts[i:i + step]) for i in range(0, len(contacts), step)]
    chunks += [(PhoneClaimModel, claims[i:i + step]) for i in range(0, len(claims), step)]
    chunks += [(AgentModel, _agent_models(district, now))]
    config_store.put_config(employers.NAME, {"employers": [FIRM]}, 0, now, "seed")  # the agents' firm
    _all([(_batch_put, (model, items)) for model, items in chunks])
    users: list[tuple[str, str, str | None]] = [(name, role, None) for name, role in LEADERS]
    users += [(a.username, a.role, a.email) for a in district.agents]
    _all([(create_user, (cognito, settings.user_pool_id, name, password, [role], email))
          for name, role, email in users])
    return {"units": len(units), "contacts": len(contacts), "logins": len(users),
            "seconds": round(time.perf_counter() - started, 1)}


def roster_demo(at: datetime) -> dict[str, Any]:
    """Roster the current period and the next through chalicelib.shifts.rosters, as an admin's
    `POST /rosters/current/generate` and the roster schedule do (seats, shifts, partners and the
    notices to every agent and supervisor), so that the agents of the shift in progress are on duty.
    Idempotent: a second run finds both rosters unchanged."""
    # Outside Lambda nothing flushes metrics, and powertools prints a full set of them (EMF) to stdout
    # whatever POWERTOOLS_METRICS_DISABLED says: they are dropped, not printed over `make run`'s banner.
    with contextlib.redirect_stdout(io.StringIO()):
        _, current = rosters.generate_roster("current", "seed", {})
        following = rosters.scheduled_roster(at)
        if following.get("result") == "not_yet":  # periods of 2 or 4 weeks: the schedule waits; the demo does not
            _, following = rosters.generate_roster("next", "seed", {})
        metrics.clear_metrics()
    return {"current": current["period"], "next": following["period"]}


@dataclass(frozen=True)
class OnDuty:
    """Who may take a call at one moment: the shift in progress (None outside shift hours) and the
    people on duty, as the next-call gate sees them (chalicelib.shifts.duty.duty_status)."""

    shift: str | None
    window: str  # "14:30–21:00 IST", or the day's shift hours when none is in progress
    agents: tuple[str, ...]
    supervisors: tuple[str, ...]


def on_duty(district: DemoDistrict, at: datetime) -> OnDuty:
    people = [(a.username, a.role) for a in district.agents]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda p: duty.duty_status(p[0], at), people))
    here = {s.username for s in statuses if s.on_duty}
    window = duty.shift_window(at)
    hours = shift_config.shift_config().to_dict()["shifts"]
    if window is not None:
        shift: str | None = window.shift
        text = f"{hours[window.shift]['start']}–{hours[window.shift]['end']} IST"
    else:
        shift = None
        text = ", ".join(f"{s} {hours[s]['start']}–{hours[s]['end']}" for s in shift_rules.SHIFTS) + " IST"
    return OnDuty(shift, text, tuple(u for u, r in people if u in here and r == "agent"),
                  tuple(u for u, r in people if u in here and r == "supervisor"))
