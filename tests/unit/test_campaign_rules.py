"""Pure rules of campaigns: questions and answers, the window and calling hours in IST, queue shards,
the units on a contact's path and the exact count of targeted units in tree order."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.campaigns import pacing, rules
from chalicelib.core.clock import IST
from chalicelib.core.errors import ValidationError
from chalicelib.core.settings import SettingsError

QUESTIONS = rules.check_questions([
    {"id": "received", "kind": "yes_no", "text_hi": "मिला?", "text_en": "Received?", "required": True},
    {"id": "households", "kind": "number", "text_hi": "परिवार", "text_en": "Households", "min": 0, "max": 500},
    {"id": "mood", "kind": "choice", "text_hi": "माहौल", "text_en": "Mood",
     "choices": [{"value": "good", "label_hi": "अच्छा", "label_en": "Good"},
                 {"value": "poor", "label_hi": "खराब", "label_en": "Poor"}]},
    {"id": "remark", "kind": "text", "text_hi": "टिप्पणी", "text_en": "Remark"},
])


def test_answers_are_checked_against_the_questions() -> None:
    good = {"received": True, "households": 12, "mood": "good", "remark": " ठीक है "}
    assert rules.check_answers(QUESTIONS, good, connected=True) == {**good, "remark": "ठीक है"}
    cases = [({"received": "yes"}, "answers.received"), ({"received": True, "households": 501}, "answers.households"),
             ({"received": True, "households": True}, "answers.households"),
             ({"received": True, "mood": "great"}, "answers.mood"), ({"received": True, "nope": 1}, "answers.nope"),
             ({"households": 3}, "answers.received"), ({"received": True, "remark": "x" * 301}, "answers.remark")]
    for answers, field in cases:
        with pytest.raises(ValidationError) as err:
            rules.check_answers(QUESTIONS, answers, connected=True)
        assert err.value.field == field, answers


def test_only_a_connected_call_carries_answers_and_must_answer_the_required_ones() -> None:
    with pytest.raises(ValidationError, match="only a connected call"):
        rules.check_answers(QUESTIONS, {"received": True}, connected=False)
    assert rules.check_answers(QUESTIONS, None, connected=False) == {}
    with pytest.raises(ValidationError) as err:
        rules.check_answers(QUESTIONS, {}, connected=True)
    assert err.value.code == "required"


def test_questions_are_checked_when_a_campaign_is_written() -> None:
    base = {"kind": "yes_no", "text_hi": "a", "text_en": "a"}
    for questions, field in [
        ([{**base, "id": "a"}, {**base, "id": "a"}], "questions[1].id"),
        ([{**base, "id": "Bad Id"}], "questions[0].id"),
        ([{**base, "id": "c", "kind": "choice", "choices": [{"value": "x", "label_hi": "x", "label_en": "x"}]}],
         "questions[0].choices"),
        ([{**base, "id": "n", "kind": "number", "min": 5, "max": 1}], "questions[0].min"),
        ([{**base, "id": "y", "choices": [{"value": "x", "label_hi": "x", "label_en": "x"}] * 2}],
         "questions[0].choices"),
    ]:
        with pytest.raises(ValidationError) as err:
            rules.check_questions(questions)
        assert err.value.field == field


def test_questions_read_in_the_contacts_language() -> None:
    english = rules.localise_questions(QUESTIONS, "en")
    assert english[0]["text"] == "Received?" and english[2]["choices"][0]["label"] == "Good"
    assert rules.localise_questions(QUESTIONS, "hi")[2]["choices"][1]["label"] == "खराब"


def ist(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST)


def closed(now: datetime) -> rules.Closed | None:
    return rules.calling_closed("2026-03-01", "2026-03-31", "09:00", "21:00", now)


def test_calling_hours_are_ist_and_end_at_21_00_exactly() -> None:
    assert closed(ist("2026-03-10", "20:59")) is None
    assert closed(datetime(2026, 3, 10, 15, 29, 59, tzinfo=UTC)) is None  # 20:59:59 IST
    at_nine = closed(ist("2026-03-10", "21:00"))
    assert at_nine is not None and at_nine.code == "outside_calling_hours"
    assert at_nine.opens_at == ist("2026-03-11", "09:00")
    assert closed(datetime(2026, 3, 10, 15, 30, tzinfo=UTC)) is not None  # 21:00 IST, as UTC
    early = closed(ist("2026-03-10", "08:59"))
    assert early is not None and early.opens_at == ist("2026-03-10", "09:00")
    assert closed(ist("2026-03-10", "09:00")) is None


def test_the_window_is_whole_ist_days() -> None:
    before = closed(ist("2026-02-28", "12:00"))
    assert before is not None and before.code == "campaign_not_started"
    assert before.opens_at == ist("2026-03-01", "09:00")
    assert closed(ist("2026-03-31", "20:59")) is None
    last_evening = closed(ist("2026-03-31", "21:00"))
    assert last_evening is not None and last_evening.opens_at is None
    after = closed(ist("2026-04-01", "10:00"))
    assert after is not None and after.code == "campaign_ended"
    # 23:00 UTC on 31 March is already 1 April in India
    assert closed(datetime(2026, 3, 31, 23, 0, tzinfo=UTC)) is not None
    assert rules.ist_date(datetime(2026, 3, 31, 19, 0, tzinfo=UTC)) == "2026-04-01"


def test_hours_and_windows_must_be_ordered() -> None:
    with pytest.raises(ValidationError):
        rules.check_hours("21:00", "09:00")
    rules.check_hours("00:00", "24:00")
    with pytest.raises(ValidationError):
        rules.check_window("2026-03-02", "2026-03-01")
    with pytest.raises(ValidationError):
        rules.parse_date("2026-02-30", "date")


def test_shards_are_stable_spread_and_every_agent_visits_all() -> None:
    assert rules.stable_shard("ct_abc") == rules.stable_shard("ct_abc") == 5  # fixed across runs and machines
    spread = Counter(rules.stable_shard(f"ct_{i}") for i in range(8000))
    assert set(spread) == set(range(rules.QUEUE_SHARDS)) and min(spread.values()) > 800
    order = rules.shard_order("agent07")
    assert sorted(order) == list(range(rules.QUEUE_SHARDS))
    starts = Counter(rules.shard_order(f"agent{i:02d}")[0] for i in range(1, 71))
    assert len(starts) == rules.QUEUE_SHARDS  # 70 agents start all over the queue


def test_path_units_follow_levels_from_the_contacts_role() -> None:
    units = rules.path_units("chw/chw-a1/chw-a1-m1/chw-a1-m1-k1/chw-a1-m1-k1-b1/ct_1", "panna_pramukh")
    assert [(u.unit_id, u.level) for u in units] == [
        ("chw-a1-m1-k1-b1", "booth"), ("chw-a1-m1-k1", "shakti_kendra"), ("chw-a1-m1", "mandal"),
        ("chw-a1", "assembly"), ("chw", "district")]
    assert units[2].prefix == "chw/chw-a1/chw-a1-m1/"
    with_state = rules.path_units("mp/chw/chw-a1/chw-a1-m1/ct_2", "mandal_president")
    assert [u.level for u in with_state] == ["mandal", "assembly", "district"]  # the state carries no counters


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Contacts (tree_key, role) of a random district, sorted by tree_key as a Query returns them."""
    contacts = []
    for a in range(draw(st.integers(1, 3))):
        apath = f"d/d-a{a}/"
        contacts += [(f"{apath}ct_a{a}x{i}", "assembly_incharge") for i in range(draw(st.integers(0, 2)))]
        for m in range(draw(st.integers(0, 3))):
            mpath = f"{apath}d-a{a}-m{m}/"
            contacts += [(f"{mpath}ct_m{a}{m}x{i}", "mandal_president") for i in range(draw(st.integers(0, 2)))]
            for b in range(draw(st.integers(0, 3))):
                bpath = f"{mpath}d-a{a}-m{m}-k0/d-a{a}-m{m}-k0-b{b}/"
                contacts += [(f"{bpath}ct_{a}{m}{b}x{i}", "panna_pramukh") for i in range(draw(st.integers(0, 3)))]
    return sorted(contacts)


@settings(max_examples=60, deadline=None)
@given(trees())
def test_units_met_first_in_tree_order_are_each_counted_once(contacts: list[tuple[str, str]]) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    previous = ""
    for tree_key, role in contacts:
        units = rules.path_units(tree_key, role)
        for unit in rules.new_units(previous, units):
            seen[(unit.unit_id, unit.level)] += 1
        previous = tree_key
    distinct = {(u.unit_id, u.level) for tree_key, role in contacts for u in rules.path_units(tree_key, role)}
    assert set(seen) == distinct and set(seen.values()) <= {1}


# ---- pacing of the next call (chalicelib/campaigns/pacing.py) ------------------------------


def test_defaults_let_a_person_through_and_stop_a_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pacing.MAX_LEASES_ENV, raising=False)
    monkeypatch.delenv(pacing.WINDOW_ENV, raising=False)
    limits = pacing.limits()
    assert (limits.max_leases, limits.window_s) == (10, 120)
    start = datetime(2026, 3, 10, 4, 30, tzinfo=UTC)
    window = pacing.window(start, limits)
    assert window.key == str(int(start.timestamp())) and window.retry_after_s == 120
    later = pacing.window(start.replace(minute=31, second=59, microsecond=900000), limits)
    assert later.key == window.key and later.retry_after_s == 1  # never 0: Retry-After is at least a second
    assert window.expires_at == int(start.timestamp()) + 120 + pacing.KEEP_S
    assert pacing.window(start.replace(minute=32), limits).key == str(int(start.timestamp()) + 120)


def test_thresholds_come_from_the_environment_and_bad_values_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pacing.MAX_LEASES_ENV, "3")
    monkeypatch.setenv(pacing.WINDOW_ENV, "60")
    assert pacing.limits() == pacing.Pacing(3, 60)
    for bad in ("0", "-2", "ten"):
        monkeypatch.setenv(pacing.MAX_LEASES_ENV, bad)
        with pytest.raises(SettingsError, match=pacing.MAX_LEASES_ENV):
            pacing.limits()
