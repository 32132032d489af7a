"""Pure rules of the campaign-results export's answer columns: one column per question, its header
and cells in the language the export asked for. No AWS.

A contact's answer to a question is the one of their latest connected call of the campaign that
answered it (a later call that skipped an optional question does not blank an earlier answer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from ..core.errors import ValidationError

LANGUAGES = ("hi", "en")
YES_NO = {"hi": ("हाँ", "नहीं"), "en": ("yes", "no")}


def columns(questions: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """What the export keeps of the campaign's questions: id, kind, header and choice labels."""
    out = []
    for q in questions:
        column: dict[str, Any] = {"id": q["id"], "kind": q["kind"],
                                  "header": q.get(f"text_{language}") or q.get("text_hi") or q["id"]}
        if q["kind"] == "choice":
            column["labels"] = {c["value"]: c.get(f"label_{language}") or c.get("label_hi") or c["value"]
                                for c in q.get("choices", [])}
        out.append(column)
    return out


def headers(cols: list[dict[str, Any]]) -> list[str]:
    return [str(c["header"]) for c in cols]


def cell(column: dict[str, Any], value: Any, language: str) -> Any:
    """The cell of one answer: yes/no and choices as words in the export's language, a number as a
    number (an integral float as an int), a text as it was recorded; no answer, an empty cell."""
    if value is None:
        return ""
    kind = column["kind"]
    if kind == "yes_no":
        yes, no = YES_NO.get(language, YES_NO["hi"])
        return yes if value is True else no if value is False else ""
    if kind == "choice":
        return column.get("labels", {}).get(value, value)
    if kind == "number":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    return value


def latest_answers(calls: Sequence[tuple[str, dict[str, Any] | None]]) -> dict[str, Any]:
    """Merge (started_at, answers) of one contact's calls: for each question, the latest answer."""
    merged: dict[str, Any] = {}
    for _, answers in sorted(calls, key=lambda c: c[0]):
        merged.update(answers or {})
    return merged


def answer_cells(cols: list[dict[str, Any]], answers: dict[str, Any], language: str) -> list[Any]:
    return [cell(c, answers.get(c["id"]), language) for c in cols]


def days(first_day: str | None, last_day: str | None, max_days: int) -> list[str]:
    """The IST days from `first_day` to `last_day` (YYYY-MM-DD, both included), at most `max_days`."""
    if not (first_day and last_day):
        raise ValidationError("call_logs needs from and to (IST days, YYYY-MM-DD)", field="from")
    try:
        first, last = date.fromisoformat(first_day), date.fromisoformat(last_day)
    except ValueError as exc:
        raise ValidationError("from and to must be dates, YYYY-MM-DD", field="from") from exc
    if not 0 <= (last - first).days < max_days:
        raise ValidationError(f"to must be on or after from, at most {max_days} days in all", field="to")
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
