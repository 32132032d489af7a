"""The digest's answers section, without AWS: top and bottom units of a per-unit yes/no question, the
SNS summary's answers, and the rendered text and HTML (Hindi and English, escaped)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.digests import answer_rules, render, texts

Q = [{"id": "held", "kind": "yes_no", "per": "unit", "text_hi": "बैठक हुई?", "text_en": "Meeting <held>?"},
     {"id": "n", "kind": "number", "text_hi": "कितने?", "text_en": "How many?"}]


def yn(yes: int, no: int) -> dict[str, Any]:
    return {"held": {"kind": "yes_no", "per": "unit", "answered": yes + no, "yes": yes, "no": no},
            "n": {"kind": "number", "per": "person", "answered": 0, "sum": 0, "min": None, "max": None}}


def test_top_and_bottom_units_at_the_first_level_with_two_answering() -> None:
    units = [("m1", "mandal", yn(9, 1)), ("m2", "mandal", yn(2, 8)), ("m3", "mandal", yn(5, 5)),
             ("m4", "mandal", yn(0, 0)), ("a1", "assembly", yn(16, 14)), ("b1", "booth", yn(1, 0))]
    ranked = answer_rules.rank_units("held", units)
    assert ranked is not None and ranked["level"] == "mandal" and ranked["units"] == 3
    assert [u["unit_id"] for u in ranked["top"]] == ["m1", "m3"]
    assert [u["unit_id"] for u in ranked["bottom"]] == ["m2"]
    assert answer_rules.rank_units("held", [("a1", "assembly", yn(1, 0))]) is None  # one unit: nothing to rank


def content() -> dict[str, Any]:
    units = [("b1", "booth", yn(1, 0)), ("b2", "booth", yn(0, 1))]
    questions = answer_rules.answer_questions(Q, yn(1, 0), yn(1, 1), units)
    for q in questions:
        for u in (*q["ranked"]["top"], *q["ranked"]["bottom"]) if q["ranked"] else ():
            u["name_hi"], u["name_en"] = f"बूथ {u['unit_id']}", f"Booth {u['unit_id']}"
    return {"audience": "state", "period": "2026-03-10", "date": "2026-03-10", "shift": None,
            "headline": {"attempts": 2, "connects": 2, "opt_outs": 0, "completed": 2, "targets": 4,
                         "callbacks_pending": 0},
            "by_disposition": [], "coverage": [],
            "answers": [{"campaign_id": "cp_1", "title_hi": "योजना", "title_en": "Scheme", "questions": questions}]}


def test_sns_summary_and_rendered_digest_carry_the_answers() -> None:
    c = content()
    summary = json.loads(texts.summary_json(c))["answers"]
    assert summary == {"cp_1": {"held": {"kind": "yes_no", "per": "unit", "today": {"answered": 1, "yes": 1, "no": 0},
                                         "all_time": {"answered": 2, "yes": 1, "no": 1}},
                                "n": {"kind": "number", "per": "person",
                                      "today": {"answered": 0, "sum": 0, "min": None, "max": None},
                                      "all_time": {"answered": 0, "sum": 0, "min": None, "max": None}}}}
    text, html = render.text(c), render.html(c)
    assert "बैठक हुई? / Meeting <held>?: हाँ / yes 1 / 2 इकाइयाँ / units; आज / today 1 / 1" in text
    assert "Most yes (बूथ / Booth): बूथ b1 / Booth b1 1/1" in text and "Fewest yes: बूथ b2 / Booth b2 0/1" in text
    assert "Meeting &lt;held&gt;?" in html and "<held>" not in html  # escaped: texts come from users
    assert 'data-question="held"' in html and 'data-meter="a-held"' in html


def test_num_groups_digits_the_indian_way() -> None:
    assert [render.num(x) for x in (4312, 1234567, 19.5, 2.0, None)] == ["4,312", "12,34,567", "19.5", "2", "—"]
