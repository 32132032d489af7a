"""Pure rules of answer tallies (chalicelib/reporting/counters.py): what a call's answers add, which
min/max writes they make, and how an item reads back. No AWS."""

from __future__ import annotations

from typing import Any

from chalicelib.reporting import counters

QUESTIONS: list[dict[str, Any]] = [
    {"id": "held", "kind": "yes_no", "per": "unit"},
    {"id": "scheme", "kind": "choice", "choices": [{"value": "awas"}, {"value": "ladli"}]},
    {"id": "count", "kind": "number"},
    {"id": "remark", "kind": "text"},
]


class Item:
    def __init__(self, tallies: dict[str, int | float]) -> None:
        self.tallies = tallies


def test_increments_of_every_kind_and_a_per_unit_question_only_when_counted() -> None:
    answers = {"held": True, "scheme": "ladli", "count": 2.5, "remark": "ok"}
    inc, numbers = counters.answer_increments(QUESTIONS, answers, counted=set())
    assert inc == {"a1_n": 1, "a1_c1": 1, "a2_n": 1, "a2_sum": 2.5, "a3_n": 1} and numbers == {2: 2.5}
    inc, _ = counters.answer_increments(QUESTIONS, {"held": False}, counted={"held"})
    assert inc == {"a0_n": 1, "a0_no": 1}
    assert counters.answer_increments(QUESTIONS, {}, counted={"held"}) == ({}, {})


def test_min_and_max_are_new_only_beyond_what_was_read() -> None:
    item = Item({"a2_min": 3, "a2_max": 9})
    assert counters.extremes({2: 5}, item, read=True) == [counters.Extreme("a2_min", 5), counters.Extreme("a2_max", 5)]
    assert counters.extremes({2: 1}, item, read=True)[0].new and not counters.extremes({2: 1}, item, read=True)[1].new
    assert counters.extremes({2: 10}, item, read=True)[1].new
    assert not any(e.new for e in counters.extremes({2: 1}, item, read=False))  # not read: nothing assumed new
    assert not any(e.new for e in counters.extremes({2: 1}, None, read=True))  # absent: if_not_exists sets it


def test_the_view_reads_an_item_or_nothing() -> None:
    item = Item({"a0_n": 2, "a0_yes": 2, "a1_n": 3, "a1_c0": 1, "a1_c1": 2, "a2_n": 2, "a2_sum": 7.5,
                 "a2_min": 2.5, "a2_max": 5, "a3_n": 1})
    view = counters.answers_view(item, QUESTIONS)  # type: ignore[arg-type]
    assert view == {
        "held": {"kind": "yes_no", "per": "unit", "answered": 2, "yes": 2, "no": 0},
        "scheme": {"kind": "choice", "per": "person", "answered": 3, "choices": {"awas": 1, "ladli": 2}},
        "count": {"kind": "number", "per": "person", "answered": 2, "sum": 7.5, "min": 2.5, "max": 5},
        "remark": {"kind": "text", "per": "person", "answered": 1},
    }
    empty = counters.answers_view(None, QUESTIONS)
    assert empty["count"] == {"kind": "number", "per": "person", "answered": 0, "sum": 0, "min": None, "max": None}
    assert empty["scheme"]["choices"] == {"awas": 0, "ladli": 0}


def test_raw_items_keep_their_tallies_and_only_those() -> None:
    raw = {"pk": {"S": "c#cp"}, "sk": {"S": "u#chw"}, "attempts": {"N": "3"}, "a0_yes": {"N": "2"},
           "a2_sum": {"N": "7.50"}, "a2_min": {"N": "-1"}, "stray": {"N": "9"}}
    item = counters.CounterModel.from_raw_data(raw)
    assert item.attempts == 3 and item.tallies == {"a0_yes": 2, "a2_sum": 7.5, "a2_min": -1}
