"""Tests for devtools.demo_data: the deterministic synthetic district."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from devtools.demo_data import (
    ASSEMBLIES,
    CONTACT_ROLES,
    LEVELS,
    DemoAgent,
    DemoContact,
    DemoDistrict,
    DemoUnit,
    district_summary,
    generate_district,
)

UNIT_ID = re.compile(r"^[a-z0-9-]{1,64}$")
E164_IN_MOBILE = re.compile(r"^\+91[6-9]\d{9}$")
BOOTH_NUMBER = re.compile(r"^Booth (\d+) — ")
EXPECTED_ASSEMBLIES = [
    ("जुन्नारदेव", "Junnardeo"),
    ("अमरवाड़ा", "Amarwara"),
    ("चौरई", "Chaurai"),
    ("सौंसर", "Sausar"),
    ("छिंदवाड़ा", "Chhindwara"),
    ("परासिया", "Parasia"),
    ("पांढुर्णा", "Pandhurna"),
]


def has_devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def is_english(text: str) -> bool:
    """ASCII, except the em dash used in booth names."""
    return bool(text) and text.replace("—", "-").isascii() and not has_devanagari(text)


@pytest.fixture(scope="module")
def district() -> DemoDistrict:
    return generate_district()


@pytest.fixture(scope="module")
def summary(district: DemoDistrict) -> dict[str, int]:
    return district_summary(district)


# --- structure -----------------------------------------------------------------


def test_levels_constant() -> None:
    assert LEVELS == (
        "state",
        "district",
        "assembly",
        "mandal",
        "shakti_kendra",
        "booth",
    )


def test_district_root(district: DemoDistrict) -> None:
    root = district.units[0]
    assert (root.unit_id, root.level, root.parent_id) == ("chw", "district", None)
    assert (root.name_hi, root.name_en) == ("छिंदवाड़ा", "Chhindwara")
    assert [u for u in district.units if u.parent_id is None] == [root]


def test_assemblies_have_exact_names(district: DemoDistrict) -> None:
    assemblies = [u for u in district.units if u.level == "assembly"]
    assert [(u.name_hi, u.name_en) for u in assemblies] == EXPECTED_ASSEMBLIES
    assert list(ASSEMBLIES) == EXPECTED_ASSEMBLIES
    assert all(u.parent_id == "chw" for u in assemblies)


def test_counts_in_range(summary: dict[str, int]) -> None:
    assert summary["units.state"] == 0
    assert summary["units.district"] == 1
    assert summary["units.assembly"] == 7
    assert 75 <= summary["units.mandal"] <= 90
    assert 380 <= summary["units.shakti_kendra"] <= 420
    assert 1900 <= summary["units.booth"] <= 2100
    assert summary["contacts"] >= 20_000
    assert summary["agents.agent"] == 70
    assert summary["agents.supervisor"] == 4
    assert summary["agents"] == 74
    assert summary["units"] == sum(summary[f"units.{level}"] for level in LEVELS)
    assert summary["contacts"] == sum(
        summary[f"contacts.{role}"] for role in CONTACT_ROLES
    )


def test_mandals_and_kendras_per_parent(district: DemoDistrict) -> None:
    children: dict[str, int] = Counter(
        u.parent_id for u in district.units if u.parent_id
    )
    for unit in district.units:
        if unit.level == "assembly":
            assert 10 <= children[unit.unit_id] <= 13
        elif unit.level == "mandal":
            assert 4 <= children[unit.unit_id] <= 6
        elif unit.level == "shakti_kendra":
            assert children[unit.unit_id] == 5


def test_ids_unique_and_valid(district: DemoDistrict) -> None:
    ids = [u.unit_id for u in district.units]
    assert len(ids) == len(set(ids))
    bad = [i for i in ids if not UNIT_ID.match(i)]
    assert bad == []


def test_parents_exist_one_level_up_and_come_first(district: DemoDistrict) -> None:
    seen: dict[str, str] = {}
    for unit in district.units:
        assert unit.level in LEVELS
        if unit.parent_id is not None:
            assert unit.parent_id in seen, f"{unit.unit_id} listed before its parent"
            parent_level = seen[unit.parent_id]
            assert LEVELS.index(unit.level) == LEVELS.index(parent_level) + 1
            assert unit.unit_id.startswith(unit.parent_id + "-")
        seen[unit.unit_id] = unit.level


def test_booth_names_and_numbers_unique_per_assembly(district: DemoDistrict) -> None:
    numbers: dict[str, list[int]] = defaultdict(list)
    for unit in district.units:
        if unit.level != "booth":
            continue
        match = BOOTH_NUMBER.match(unit.name_en)
        assert match, unit.name_en
        assert unit.name_hi.startswith(f"बूथ {match.group(1)} — ")
        assembly = "-".join(unit.unit_id.split("-")[:2])
        numbers[assembly].append(int(match.group(1)))
    assert len(numbers) == 7
    for assembly_numbers in numbers.values():
        assert len(assembly_numbers) == len(set(assembly_numbers))
    assert any(
        "Primary School" in u.name_en for u in district.units if u.level == "booth"
    )


def test_names_scripts(district: DemoDistrict) -> None:
    named: list[DemoUnit | DemoContact | DemoAgent] = [
        *district.units,
        *district.contacts,
        *district.agents,
    ]
    assert [n for n in named if not has_devanagari(n.name_hi)] == []
    assert [n for n in named if not is_english(n.name_en)] == []


# --- contacts --------------------------------------------------------------------


def test_contacts_attach_by_role(district: DemoDistrict) -> None:
    level_of = {u.unit_id: u.level for u in district.units}
    roles_at: dict[str, Counter[str]] = defaultdict(Counter)
    for contact in district.contacts:
        assert contact.unit_id in level_of
        roles_at[contact.unit_id][contact.role] += 1
    expected_single = {
        "assembly": "assembly_incharge",
        "mandal": "mandal_president",
        "shakti_kendra": "shakti_kendra_incharge",
    }
    for unit_id, level in level_of.items():
        roles = roles_at[unit_id]
        if level == "district":
            assert not roles
        elif level == "booth":
            assert roles["booth_president"] == 1
            assert sum(roles.values()) == 10
            assert set(roles) == {
                "booth_president",
                "booth_committee_member",
                "panna_pramukh",
            }
            assert abs(roles["booth_committee_member"] - roles["panna_pramukh"]) <= 1
        else:
            assert roles == Counter({expected_single[level]: 1})


def test_contact_languages(district: DemoDistrict) -> None:
    languages = Counter(c.language for c in district.contacts)
    assert set(languages) == {"hi", "en"}
    assert 0.85 <= languages["hi"] / len(district.contacts) <= 0.95


def test_contact_names_vary(district: DemoDistrict) -> None:
    names = {c.name_en for c in district.contacts}
    assert len(names) > 1000
    # Hindi and English names are consistent pairs.
    pairs: dict[str, set[str]] = defaultdict(set)
    for c in district.contacts:
        pairs[c.name_en].add(c.name_hi)
    assert all(len(hi) == 1 for hi in pairs.values())


# --- phones ----------------------------------------------------------------------


def test_phones_valid_unique_e164(district: DemoDistrict) -> None:
    phones = [c.phone for c in district.contacts] + [a.phone for a in district.agents]
    assert len(phones) == len(set(phones))
    for phone in phones:
        assert E164_IN_MOBILE.match(phone), phone
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.number_type(parsed) in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ), phone
        assert (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            == phone
        )


# --- agents ----------------------------------------------------------------------


def test_agents(district: DemoDistrict) -> None:
    usernames = [a.username for a in district.agents]
    expected = [f"agent{i:02d}" for i in range(1, 71)]
    expected += ["supervisor", "supervisor2", "supervisor3", "supervisor4"]
    assert usernames == expected
    for agent in district.agents:
        assert agent.role == (
            "supervisor" if agent.username.startswith("supervisor") else "agent"
        )
        assert agent.email == f"{agent.username}@sampark.example"
        assert agent.languages in (("hi",), ("hi", "en"))
    assert {a.languages for a in district.agents} == {("hi",), ("hi", "en")}


# --- determinism and options -------------------------------------------------------


def test_same_seed_same_district(district: DemoDistrict) -> None:
    started = time.perf_counter()
    again = generate_district(7)
    elapsed = time.perf_counter() - started
    assert again == district
    assert elapsed < 10, f"generate_district() took {elapsed:.1f}s"


def test_different_seed_differs(district: DemoDistrict) -> None:
    other = generate_district(8)
    assert other != district
    assert {c.phone for c in other.contacts} != {c.phone for c in district.contacts}
    assert [c.name_en for c in other.contacts[:50]] != [
        c.name_en for c in district.contacts[:50]
    ]
    assert [a.name_en for a in other.agents] != [a.name_en for a in district.agents]
    assert [u.name_en for u in other.units if u.level == "booth"] != [
        u.name_en for u in district.units if u.level == "booth"
    ]


def test_custom_sizes() -> None:
    small = generate_district(3, booths_per_kendra=2, contacts_per_booth=4)
    s = district_summary(small)
    assert s["units.booth"] == 2 * s["units.shakti_kendra"]
    assert s["contacts.booth_president"] == s["units.booth"]
    assert s["contacts.booth_committee_member"] == s["units.booth"]
    assert s["contacts.panna_pramukh"] == 2 * s["units.booth"]
    # Agents do not depend on the district's size options.
    assert small.agents == generate_district(3, booths_per_kendra=1).agents


def test_no_booth_contacts() -> None:
    s = district_summary(
        generate_district(1, booths_per_kendra=1, contacts_per_booth=0)
    )
    assert (
        s["contacts"]
        == s["units.assembly"] + s["units.mandal"] + s["units.shakti_kendra"]
    )


@pytest.mark.parametrize(
    "kwargs", [{"booths_per_kendra": -1}, {"contacts_per_booth": -1}]
)
def test_negative_sizes_rejected(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate_district(**kwargs)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63))
def test_invariants_hold_for_any_seed(seed: int) -> None:
    d = generate_district(seed, booths_per_kendra=1, contacts_per_booth=2)
    s = district_summary(d)
    assert s["units.mandal"] == 80
    assert s["units.shakti_kendra"] == 400
    ids = {u.unit_id for u in d.units}
    assert len(ids) == len(d.units)
    phones = [c.phone for c in d.contacts] + [a.phone for a in d.agents]
    assert len(phones) == len(set(phones))
    assert all(u.parent_id is None or u.parent_id in ids for u in d.units)
