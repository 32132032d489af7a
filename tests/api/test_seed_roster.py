"""`make run`'s seeder rosters the demo's current and next period through the roster service, so that the
agents of the shift in progress are on duty, and says who they are at any hour."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core.clock import iso
from chalicelib.shifts import duty, notices
from chalicelib.shifts.agent_store import AgentModel
from devtools.demo_data import generate_district
from devtools.seed import _agent_models, _batch_put, on_duty, roster_demo
from tests.api.conftest import Api
from tests.api.shifts_support import Clock, emails, ist, roster_lines


def test_the_seeded_roster_puts_the_shift_in_progress_on_duty(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist("2026-12-03", "10:00"))  # a Thursday, in the morning shift
    full = generate_district(7, booths_per_kendra=1, contacts_per_booth=1)
    # 20 of the demo's 70 agents and 2 of its 4 supervisors: the same code, a quarter of the notices
    district = replace(full, agents=tuple(a for a in full.agents if a.role == "agent")[:20]
                       + tuple(a for a in full.agents if a.role == "supervisor")[:2])
    _batch_put(AgentModel, _agent_models(district, iso(clock.now)))
    before = on_duty(district, clock.now)
    assert before.shift == "morning" and before.agents == () and before.supervisors == ()  # no roster, no duty
    assert duty.duty_status("agent01", clock.now).reason == "not_rostered"

    assert roster_demo(clock.now) == {"current": "2026-11-30", "next": "2026-12-07"}
    current, following = roster_lines(api, "2026-11-30"), roster_lines(api, "2026-12-07")
    assert len(current) == len(following) == 22
    morning = on_duty(district, clock.now)
    assert morning.shift == "morning" and morning.window == "08:00–14:30 IST"
    assert set(morning.agents) == {u for u, line in current.items()
                                   if line["shift"] == "morning" and line["role"] == "agent"}
    assert len(morning.agents) == 10 and len(morning.supervisors) == 1  # the agents split evenly
    assert all(duty.duty_status(u, clock.now).reason == "on_duty" for u in morning.agents[:3])  # by the roster
    assert not emails(district.agents[0].email.lower())  # generating sends nothing: the notices job does
    assert notices.send_pending_notices()["finished"] == 2
    assert emails(district.agents[0].email.lower())  # the roster notices went out, as the schedule sends them

    clock.set_ist("2026-12-03", "15:00")
    evening = on_duty(district, clock.now)
    assert evening.shift == "evening" and len(evening.agents) == 10 and len(evening.supervisors) == 1
    assert set(evening.agents).isdisjoint(morning.agents)
    clock.set_ist("2026-12-03", "22:00")
    night = on_duty(district, clock.now)
    assert night.shift is None and night.agents == () and night.window == "morning 08:00–14:30, evening 14:30–21:00 IST"
    clock.set_ist("2026-12-07", "10:00")  # the next period, rostered too: everyone alternates
    assert set(on_duty(district, clock.now).agents) == set(evening.agents)

    clock.set_ist("2026-12-03", "10:05")
    sent = len(emails())
    assert roster_demo(clock.now) == {"current": "2026-11-30", "next": "2026-12-07"}  # a second run changes nothing
    assert notices.send_pending_notices()["revisions"] == 0
    assert roster_lines(api, "2026-11-30") == current and len(emails()) == sent
