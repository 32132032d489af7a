"""The demo seeder writes the call centre's agents as POST /agents would have, and `make run`'s banner
says who is on duty and how to put an agent on duty."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

from devtools import seed
from devtools.demo_data import generate_district
from devtools.local_stack import ROOT, banner
from devtools.seed import _agent_models


def test_the_seventy_agents_and_four_supervisors_get_profiles() -> None:
    district = generate_district(7, booths_per_kendra=1, contacts_per_booth=1)
    agents = _agent_models(district, "2026-12-05T06:30:00.000Z")
    assert Counter(a.role for a in agents) == {"agent": 70, "supervisor": 4}
    assert all(a.phone and a.phone.startswith("+91") and a.phone_last4 == a.phone[-4:] for a in agents)
    assert all(a.active and a.languages and a.list_key == f"{a.role}#{a.username}" for a in agents)
    assert {a.username for a in agents} == {a.username for a in district.agents}


def test_the_demo_agents_work_for_the_firm_and_the_supervisors_are_split_with_the_party() -> None:
    district = generate_district(7, booths_per_kendra=1, contacts_per_booth=1)
    agents = _agent_models(district, "2026-12-05T06:30:00.000Z")
    assert Counter((a.role, a.employer) for a in agents) == {
        ("agent", "jan-sampark"): 70, ("supervisor", "jan-sampark"): 2, ("supervisor", "party"): 2}


def _stack(district: Any) -> Any:
    return SimpleNamespace(
        summary={"units": 10, "contacts": 20, "logins": 77, "seconds": 1.5, "roster_seconds": 0.5},
        api_url="http://127.0.0.1:8123", district=district, programme_topic_arn="arn:aws:sns:x:1:p",
        password="sampark-local-2026",
        logs={"moto": ROOT / ".local/logs/moto-5001.log", "api": ROOT / ".local/logs/api-8123.log"})


@pytest.mark.parametrize("password_from_env", [False, True])
def test_the_banner_outside_shift_hours_says_nobody_is_on_duty_and_how_to_put_one_on_duty(
        monkeypatch: pytest.MonkeyPatch, password_from_env: bool) -> None:
    district = generate_district(7, booths_per_kendra=1, contacts_per_booth=1)
    night = seed.OnDuty(None, "morning 08:00–14:30, evening 14:30–21:00 IST", (), ())
    monkeypatch.setattr(seed, "on_duty", lambda d, at: night)
    text = banner(_stack(district), None, password_from_env)
    assert "on duty now: nobody, no shift is in progress (shifts: morning 08:00–14:30, evening 14:30–21:00 IST)" in text
    assert "curl -s -X POST http://127.0.0.1:8123/agents/agent01/duty-override" in text
    assert '"until":"\'$(date -u -d +8hours +%FT%TZ)\'"' in text
    assert ".local/logs/moto-5001.log" in text and ".local/logs/api-8123.log" in text
    assert str(ROOT) not in text  # paths as a reader at the repository's root types them
    if password_from_env:  # the password is not echoed; the line reads it from the environment
        assert "sampark-local-2026" not in text and '"password":"\'"$SAMPARK_DEMO_PASSWORD"\'"' in text
    else:
        assert '"password":"sampark-local-2026"' in text


def test_the_banner_in_a_shift_lists_who_is_on_duty_and_offers_an_agent_who_is_not() -> None:
    district = generate_district(7, booths_per_kendra=1, contacts_per_booth=1)
    evening = seed.OnDuty("evening", "14:30–21:00 IST", tuple(f"agent{i:02d}" for i in range(1, 36)),
                          ("supervisor3", "supervisor4"))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(seed, "on_duty", lambda d, at: evening)
        text = banner(_stack(district), None, False)
    assert "on duty now, evening shift (14:30–21:00 IST): supervisors supervisor3, supervisor4 and 35 agents:" in text
    assert "agent01, agent02" in text and "agent35" in text and "agent36," not in text
    assert "/agents/agent36/duty-override" in text  # the first agent not on duty now
    assert all(len(line) <= 100 for line in text.splitlines() if line.startswith("    agent"))
