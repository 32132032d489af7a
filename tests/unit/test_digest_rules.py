"""Pure rules and rendering of digests: periods, phone detection, SMS length, escaping, MIME shape."""

from __future__ import annotations

import email
import json
from datetime import datetime

from chalicelib.core.clock import IST
from chalicelib.digests import render, rules, texts


def content(**overrides: object) -> dict:
    base = {"audience": "state", "period": "2026-03-10", "date": "2026-03-10", "shift": None,
            "headline": {"attempts": 12345, "connects": 6789, "completed": 5, "targets": 9, "opt_outs": 3,
                         "callbacks_pending": 2, "talk_min": 40, "change": {"attempts": -5, "connects": 7}},
            "by_disposition": rules.dispositions(dict.fromkeys(rules.FIGURES, 1), None),
            "coverage": rules.coverage([{"unit_id": "b1", "level": "booth", "connects": 1},
                                        {"unit_id": "b2", "level": "booth", "connects": 0}],
                                       [{"level": "booth", "reached": 0}]),
            "campaigns": [{"campaign_id": "c1", "title_hi": "<b>अभियान</b>", "title_en": "<script>alert(1)</script>",
                           "attempts": 1, "connects": 1, "completed": 1, "targets": 2}]}
    base.update(overrides)
    return base


def test_periods_follow_ist_shift_ends() -> None:
    assert rules.day_of(datetime(2026, 3, 10, 22, 0, tzinfo=IST)) == "2026-03-10"
    assert rules.day_of(datetime(2026, 3, 11, 2, 0, tzinfo=IST)) == "2026-03-10"
    assert rules.day_of(datetime(2026, 3, 10, 20, 0, tzinfo=IST)) == "2026-03-09"
    assert rules.shift_of(datetime(2026, 3, 10, 14, 35, tzinfo=IST)) == "2026-03-10.morning"
    assert rules.shift_of(datetime(2026, 3, 10, 20, 35, tzinfo=IST)) == "2026-03-10.morning"
    assert rules.shift_of(datetime(2026, 3, 10, 21, 5, tzinfo=IST)) == "2026-03-10.evening"
    assert rules.shift_of(datetime(2026, 3, 11, 9, 0, tzinfo=IST)) == "2026-03-10.evening"


def test_phone_numbers_are_found_and_redacted_but_counts_and_dates_are_not() -> None:
    for phone in ("9876543210", "+91 98765 43210", "098765-43210", "0755 2551234"):
        assert rules.has_phone(f"booth {phone}"), phone
        assert not rules.has_phone(rules.redact(f"booth {phone}")), phone
    for harmless in ("calls 12345, connected 6789", "2026-03-10", "1,000 and 50,000"):
        assert not rules.has_phone(harmless)


def test_sms_fits_one_message_and_json_has_the_figures() -> None:
    text = texts.sms_text(content())
    assert len(text) <= rules.SMS_MAX and "12345" in text and "booths 1/2" in text
    assert '"attempts":12345' in texts.summary_json(content())


def test_coverage_counts_reached_units_and_the_change() -> None:
    (row,) = content()["coverage"]
    assert (row["targeted"], row["reached"], row["change"], row["share"]) == (2, 1, 1, 0.5)


def test_html_escapes_user_text_and_text_part_has_both_languages() -> None:
    page = render.html(content())
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;अभियान&lt;/b&gt;" in page and 'width="50%"' in page  # the booth reach bar
    text = render.text(content())
    assert "कॉल किए / Calls attempted: 12345 (-5)" in text and "बूथ / Booth: 1/2 (+1)" in text


def test_mime_is_alternative_text_then_html_in_utf8() -> None:
    raw = render.mime(content(), "sampark@example.org", "lead@example.org")
    message = email.message_from_bytes(raw)
    assert message.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in message.get_payload()]
    assert kinds == ["text/plain", "text/html"]
    title = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert title.startswith("संपर्क सारांश (प्रदेश) | Sampark state digest 2026-03-10")


def test_days_are_real_and_bounded() -> None:
    today = datetime(2026, 3, 10, tzinfo=IST).date()
    for day in ("2020-01-01", "2024-02-29", "2026-03-10", "2026-03-11"):
        assert rules.day_in_range(day, today), day
    for day in ("2026-02-30", "2025-02-29", "0001-01-01", "9999-12-31", "2019-12-31", "2026-03-12", "2026-3-1"):
        assert not rules.day_in_range(day, today), day


def test_a_day_digest_looks_back_three_days_for_late_calls() -> None:
    assert rules.correction_days("2026-03-01") == ["2026-02-28", "2026-02-27", "2026-02-26"]


def test_a_correction_replaces_the_day_figures_and_keeps_what_was_as_of_the_build() -> None:
    sent = content(audience="district", agents=[{"agent": "agent01", "attempts": 2, "connects": 1, "talk_min": 3,
                                                 "callbacks_pending": 4}])
    figures = dict.fromkeys(rules.FIGURES, 0) | {"attempts": 12346, "connects": 6790, "d_connected": 2,
                                                 "talk_s": 2400, "d_do_not_call": 3}
    fresh = {"headline": rules.day_headline(figures, dict.fromkeys(rules.FIGURES, 0)),
             "by_disposition": rules.dispositions(figures, None),
             "campaigns": {"c1": {"attempts": 2, "connects": 1}},
             "agents": [{"agent": "agent01", "attempts": 2, "connects": 1, "talk_min": 3},
                        {"agent": "agent07", "attempts": 1, "connects": 1, "talk_min": 2}]}
    now = rules.corrected(sent, fresh, "2026-03-11")
    assert sent["headline"]["attempts"] == 12345  # the sent content is not changed in place
    assert now["headline"] == {**sent["headline"], "attempts": 12346, "connects": 6790, "talk_min": 40,
                            "opt_outs": 3, "change": {"attempts": 12346, "connects": 6790, "opt_outs": 3}}
    assert now["coverage"] == sent["coverage"] and now["campaigns"][0]["completed"] == 1
    assert now["agents"][0]["callbacks_pending"] == 4 and now["agents"][1]["callbacks_pending"] is None
    assert now["corrected_in"] == "2026-03-11"
    lines = {line["figure"]: (line["old"], line["new"], line["label_en"]) for line in rules.changed_lines(sent, now)}
    assert lines == {"attempts": (12345, 12346, "Calls attempted"), "connects": (6789, 6790, "Calls connected"),
                     "d:connected": (1, 2, "Connected"), "d:no_answer": (1, 0, "No answer"),
                     "d:busy": (1, 0, "Busy"), "d:switched_off": (1, 0, "Switched off"),
                     "d:wrong_number": (1, 0, "Wrong number"), "d:callback_requested": (1, 0, "Callback requested"),
                     "d:declined": (1, 0, "Declined"), "d:do_not_call": (1, 3, "Do not call"),
                     "c:c1:attempts": (1, 2, "<script>alert(1)</script>: calls attempted"),
                     "a:agent07:attempts": (0, 1, "agent agent07: calls"),
                     "a:agent07:connects": (0, 1, "agent agent07: connected"),
                     "a:agent07:talk_min": (0, 2, "agent agent07: minutes")}
    assert rules.changed_lines(now, now) == []


def test_corrections_reach_the_text_the_html_the_sms_and_the_json() -> None:
    fix = {"date": "2026-03-09", "lines": [
        {"figure": "attempts", "label_hi": "कॉल किए", "label_en": "Calls attempted", "old": 8, "new": 9},
        {"figure": "connects", "label_hi": "बात हुई", "label_en": "Calls connected", "old": 3, "new": 4},
        {"figure": "c:c1:attempts", "label_hi": "<b>x</b>: कॉल किए", "label_en": "x: calls attempted",
         "old": 1, "new": 2}]}
    page, text = render.html(content(corrections=[fix])), render.text(content(corrections=[fix]))
    assert "2026-03-09\n- कॉल किए / Calls attempted: 8 → 9\n- बात हुई / Calls connected: 3 → 4\n" in text
    assert "पिछले दिनों के सुधार / Corrections for earlier days" in text and "Corrections for earlier days" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    sms = texts.sms_text(content(corrections=[fix]))
    assert sms.endswith(". Corrected 2026-03-09: calls 8->9, connected 3->4") and len(sms) <= rules.SMS_MAX
    summary = json.loads(texts.summary_json(content(corrections=[fix])))
    assert summary["corrections"] == {"2026-03-09": {"attempts": [8, 9], "connects": [3, 4], "c:c1:attempts": [1, 2]}}
    for none in ({}, {"corrections": []}):
        assert "Corrections" not in render.text(content(**none)) and "Corrected" not in texts.sms_text(content(**none))
    long = content(corrections=[fix, {**fix, "date": "2026-03-08"}, {**fix, "date": "2026-03-07"}])
    assert len(texts.sms_text(long)) <= rules.SMS_MAX and texts.sms_text(long).count("Corrected") < 3  # never cut
