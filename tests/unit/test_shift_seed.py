"""The demo seeder writes the call centre's agents as POST /agents would have."""

from __future__ import annotations

from collections import Counter

from devtools.demo_data import generate_district
from devtools.seed import _agent_models


def test_the_seventy_agents_and_four_supervisors_get_profiles() -> None:
    district = generate_district(7, booths_per_kendra=1, contacts_per_booth=1)
    agents = _agent_models(district, "2026-12-05T06:30:00.000Z")
    assert Counter(a.role for a in agents) == {"agent": 70, "supervisor": 4}
    assert all(a.phone and a.phone.startswith("+91") and a.phone_last4 == a.phone[-4:] for a in agents)
    assert all(a.active and a.languages and a.list_key == f"{a.role}#{a.username}" for a in agents)
    assert {a.username for a in agents} == {a.username for a in district.agents}
