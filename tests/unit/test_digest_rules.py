"""Pure rules and rendering of digests: periods, phone detection, SMS length, escaping, MIME shape."""

from __future__ import annotations

import email
from datetime import datetime

from chalicelib.core.clock import IST
from chalicelib.digests import render, rules


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
    text = rules.sms_text(content())
    assert len(text) <= rules.SMS_MAX and "12345" in text and "booths 1/2" in text
    assert '"attempts":12345' in rules.summary_json(content())


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
