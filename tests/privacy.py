"""Finding phone numbers in text that people or machines will read: logs, emails, SMS and topic
messages. A finding is a run of digits (optionally with a leading +, single spaces or hyphens between
groups, ASCII or Devanagari digits) that `phonenumbers` accepts as a valid number of India.

Dates and times (`2026-11-29T06:50:59.123Z`, `2026-11-29 06:49:14,503+0000`) and UUIDs are taken out
before the scan, and a run glued to letters (`ct_01jd9876543210ab`, a hash) is not a run of its own:
neither is a phone number anyone could dial from the text. Masked numbers (`***3210`) are not found.
"""

from __future__ import annotations

import json
import re
from typing import Any

import phonenumbers

_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_NOT_PHONES = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"  # dates, times
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",  # UUIDs
    re.IGNORECASE)
_RUN = re.compile(r"(?<![\w+])\+?\d+(?:[ \-]\d+)*(?![\w])")


def _valid_in(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not 7 <= len(digits) <= 13:
        return False
    for text in {candidate, digits, f"+{digits}"}:
        try:
            number = phonenumbers.parse(text, "IN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "IN":
            return True
    return False


def phone_numbers(text: str) -> list[str]:
    """Every Indian phone number written in `text` (as written), in order."""
    text = _NOT_PHONES.sub(" ", text.translate(_DIGITS))
    found = []
    for match in _RUN.finditer(text):
        groups = re.split(r"([ \-])", match.group())  # [g0, sep, g1, sep, g2, ...]
        parts = groups[0::2]
        hit = None
        # Any span of consecutive groups may be the number: "call 98765 43210 2 times" holds one.
        for i in range(len(parts)):
            for j in range(len(parts), i, -1):
                span = "".join(groups[2 * i:2 * j - 1])
                if _valid_in(span):
                    hit = span
                    break
            if hit:
                break
        if hit:
            found.append(hit)
    return found


def strings_in(value: Any) -> list[str]:
    """The strings inside a JSON value (keys and values): a JSON log line escapes non-ASCII text."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [str(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def phone_numbers_in_line(line: str) -> list[str]:
    """A log line as written, and, if it is JSON, the text of its values (`\\u0966` is a digit too)."""
    found = phone_numbers(line)
    try:
        parsed = json.loads(line)
    except ValueError:
        return found
    return found + [hit for s in strings_in(parsed) for hit in phone_numbers(s)]
