"""Pure rules of follow-up: escalation decisions and reasons, sampling, comparing a verification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.followup import rules

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)


def test_a_unit_is_unreachable_only_when_every_target_is_finished_and_none_connected() -> None:
    assert rules.unreachable({"targets": 2, "completed": 2, "connects": 0})
    assert not rules.unreachable({"targets": 2, "completed": 1, "connects": 0})
    assert not rules.unreachable({"targets": 2, "completed": 2, "connects": 1})
    assert not rules.unreachable({"targets": 0, "completed": 0, "connects": 0})


def test_silence_counts_from_the_last_connect_else_from_activation() -> None:
    assert rules.silent(None, "2026-03-07T06:00:00Z", NOW, 3)
    assert not rules.silent(None, "2026-03-07T06:00:01Z", NOW, 3)
    assert not rules.silent("2026-03-09T06:00:00Z", "2026-03-01T06:00:00Z", NOW, 3)
    assert rules.silent("2026-03-06T06:00:00Z", "2026-03-01T06:00:00Z", NOW, 3)
    assert not rules.silent(None, None, NOW, 3)


def test_sweep_levels_follow_the_roles_called() -> None:
    assert rules.sweep_levels(["booth_president", "booth_committee_member"]) == {"booth"}
    assert rules.sweep_levels(["mandal_president", "panna_pramukh"]) == {"mandal", "booth"}


def test_reasons_are_in_hindi_and_english() -> None:
    why = rules.reason("unreachable", "booth", "बूथ 1", "Booth 1", attempts=3)
    assert why["en"] == "no contact reachable at booth Booth 1 after 3 attempts"
    assert "बूथ 1" in why["hi"] and "3" in why["hi"]
    why = rules.reason("silent", "mandal", "तामिया", "Tamia", days=4)
    assert why["en"] == "no connected call at mandal Tamia for 4 days"
    assert "4 दिन" in why["hi"]


def test_sampling_is_deterministic_and_follows_the_rate() -> None:
    calls = [f"00000000-0000-4000-8000-{i:012d}" for i in range(2000)]
    first = [c for c in calls if rules.sampled("seed-a", c, 0.2)]
    assert first == [c for c in calls if rules.sampled("seed-a", c, 0.2)]  # same seed, same sample
    assert first != [c for c in calls if rules.sampled("seed-b", c, 0.2)]  # another seed, another sample
    assert 300 < len(first) < 500  # about a fifth
    assert not any(rules.sampled("seed-a", c, 0) for c in calls)
    assert all(rules.sampled("seed-a", c, 1) for c in calls)
    assert rules.sampled("s", calls[0].upper(), 0.5) == rules.sampled("s", calls[0], 0.5)


def test_the_report_is_the_verifiable_answers_only() -> None:
    questions = [{"id": "held", "verifiable": True}, {"id": "mood"}, {"id": "count", "verifiable": True}]
    assert rules.report(questions, {"held": True, "mood": "good"}) == {"held": True}
    assert rules.report(questions, {"mood": "good"}) == {}
    assert [q["id"] for q in rules.verification_questions(
        [{"id": "held", "required": True, "verifiable": True}, {"id": "mood", "required": True}])] == ["held"]


@pytest.mark.parametrize(("reported", "heard", "verdict"), [
    ({"held": True}, {"held": True}, {"held": "match"}),
    ({"held": True}, {"held": False}, {"held": "mismatch"}),
    ({"n": 12}, {"n": 12.0}, {"n": "match"}),
    ({"n": 1}, {"n": True}, {"n": "mismatch"}),
    ({"t": " Yes "}, {"t": "yes"}, {"t": "match"}),
    ({"held": True, "n": 3}, {"held": True}, {"held": "match", "n": "unanswered"}),
])
def test_a_verification_is_compared_question_by_question(reported: dict[str, object], heard: dict[str, object],
                                                        verdict: dict[str, str]) -> None:
    assert rules.compare(reported, heard) == verdict
    assert rules.discrepant(verdict) == ("mismatch" in verdict.values())


def test_verification_campaign_id_is_derived_and_valid() -> None:
    vid = rules.verification_campaign_id("cp_abc")
    assert vid == rules.verification_campaign_id("cp_abc") != rules.verification_campaign_id("cp_abd")
    assert vid.startswith("cp_") and len(vid) == 29


def test_top_rows_rank_by_discrepancy_rate() -> None:
    rows = [{"key": "a", "verified": 4, "rate": 0.25}, {"key": "b", "verified": 2, "rate": 0.5},
            {"key": "c", "verified": 5, "rate": None}, {"key": "d", "verified": 8, "rate": 0.25}]
    assert [r["key"] for r in rules.top_rows(rows, 3)] == ["b", "d", "a"]
