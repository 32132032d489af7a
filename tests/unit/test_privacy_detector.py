"""The phone detector of the privacy capture (tests/privacy.py) finds numbers however they are
written, and does not take dates, times, ids or masked numbers for them."""

from __future__ import annotations

import json

import pytest

from tests.privacy import phone_numbers, phone_numbers_in_line


@pytest.mark.parametrize("text", [
    "+91 98765 43210", "09876543210", "9876543210", "+91-98765-43210", "+919876543210", "919876543210",
    "098765-43210", "९८७६५४३२१०", "call back on 98765 43210 2 times", "phone=9876543210&x=1",
    "(+91 98765 43210)", "Sent SMS to 7012345678.", "landline 011 2345 6789",
])
def test_finds_a_number_however_it_is_written(text: str) -> None:
    assert len(phone_numbers(text)) == 1, phone_numbers(text)


def test_finds_a_number_in_an_escaped_json_log_line() -> None:
    line = json.dumps({"level": "INFO", "message": "saved", "phone": "९८७६५४३२१०"})  # \u096f\u096e...
    assert "\\u096f" in line and phone_numbers_in_line(line) == ["9876543210"]


@pytest.mark.parametrize("text", [
    "2026-11-29T06:50:59.123Z", "2026-11-29 06:49:14,503+0000", "2026-03-10T10:00:00+05:30",
    '127.0.0.1 - - [29/Nov/2026 06:51:00] "GET /units/chw-a1/contacts?limit=100 HTTP/1.1" 200 -',
    "407770c4-7e8c-43d9-9821-b99329784055", "98765432-1098-4765-9432-109876543210",
    "ct_01jd9876543210abcdefgh", "2a59d59e3809f827ce709d3815e3950e", "phone ***3210", "+91******3210",
    '{"retry_after_s": 800, "duration_ms": 12.5, "rows": 20003}', "window 1795000000", "12345",
    "20000 created, 0 updated", "chw-a1-m01-k1-b1",
])
def test_does_not_flag_dates_ids_counts_or_masked_numbers(text: str) -> None:
    assert phone_numbers(text) == []
