"""Answer tallies (issue 19): what the people called said, counted on the report counters' items as
top-level numbers (ADD on a nested map path fails while the map is missing), named by the question's
index (and a choice's index) in the campaign's questions, which cannot change once the campaign has left
draft (PATCH is refused with 409): short names keep the item small (the worst case is in
docs/data-model.md), and so the write units of every call. The names, what one call adds, and reading
them back per question. Pure: the update expressions that write them are reporting/counters.py's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

TALLY_NAME = re.compile(r"a\d{1,2}_(?:n|yes|no|sum|min|max|unit|c\d{1,2})")
PER = ("person", "unit")


def tally(index: int, suffix: str) -> str:
    """The attribute name of one tally of the question at `index`: n, yes, no, sum, min, max, unit
    (the per-unit marker), c<j>."""
    return f"a{index}_{suffix}"


def number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)



def tallies_of(item: Any | None) -> dict[str, int | float]:
    return dict(getattr(item, "tallies", None) or {}) if item is not None else {}


def per_of(question: dict[str, Any]) -> str:
    """A question is answered per person (every connected answer counts) unless it says per unit (the
    first connected answer at the contact's unit counts, for that unit)."""
    return "unit" if question.get("per") == "unit" else "person"


def answers_view(item: Any | None, questions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The answer tallies on a counter item (all-time `c#/u#` or a day's `d#<day>#u#/c#`; None: no
    call yet), per question id, for the campaign's `questions` as stored:
      yes_no: {"kind", "per", "answered", "yes", "no"}
      choice: {"kind", "per", "answered", "choices": {choice value: n} (every choice, 0 if none)}
      number: {"kind", "per", "answered", "sum", "min", "max"} (min/max None when none, and always
              None on a day's item: they are kept on the all-time items only)
      text:   {"kind", "per", "answered"}
    `per` "person": counts of answers (calls); "unit": counts of units whose first answer it was."""
    t = tallies_of(item)
    out: dict[str, dict[str, Any]] = {}
    for i, q in enumerate(questions):
        kind = q["kind"]
        view: dict[str, Any] = {"kind": kind, "per": per_of(q), "answered": int(t.get(tally(i, "n"), 0))}
        if kind == "yes_no":
            view.update(yes=int(t.get(tally(i, "yes"), 0)), no=int(t.get(tally(i, "no"), 0)))
        elif kind == "choice":
            view["choices"] = {c["value"]: int(t.get(tally(i, f"c{j}"), 0))
                               for j, c in enumerate(q.get("choices") or [])}
        elif kind == "number":
            view.update(sum=t.get(tally(i, "sum"), 0), min=t.get(tally(i, "min")), max=t.get(tally(i, "max")))
        out[q["id"]] = view
    return out


def answer_increments(questions: list[dict[str, Any]], answers: dict[str, Any],
                      counted: set[str]) -> tuple[dict[str, int | float], dict[int, int | float]]:
    """What one call's (checked) answers ADD to each counter item of its path, and the number answers
    (question index -> value) for min/max. A per-unit question counts only when its id is in `counted`
    (the unit's first answer to it)."""
    inc: dict[str, int | float] = {}
    numbers: dict[int, int | float] = {}
    for i, q in enumerate(questions):
        if q["id"] not in answers or (per_of(q) == "unit" and q["id"] not in counted):
            continue
        value = answers[q["id"]]
        inc[tally(i, "n")] = 1
        if q["kind"] == "yes_no":
            inc[tally(i, "yes" if value else "no")] = 1
        elif q["kind"] == "choice":
            j = [c["value"] for c in q["choices"]].index(value)
            inc[tally(i, f"c{j}")] = 1
        elif q["kind"] == "number":
            inc[tally(i, "sum")] = value
            numbers[i] = value
    return inc, numbers


@dataclass(frozen=True)
class Extreme:
    """A number answer against the min or max kept on an all-time item. `new`: it is a new extreme as
    read (SET it; condition: what is stored is not beyond it); otherwise the stored one stays (SET it
    only if absent; condition: the stored one is not beyond the answer), so a call that is not a new
    extreme needs no read, and a stale assumption cancels the transaction, which is re-read and retried."""

    name: str  # a<i>_min | a<i>_max
    value: int | float
    new: bool = False


def extremes(numbers: dict[int, int | float], item: Any | None, read: bool) -> list[Extreme]:
    """min/max writes of a call's number answers on one all-time item; `read`: the item was read (else
    nothing is assumed new)."""
    t = tallies_of(item) if read else {}
    out = []
    for i, value in numbers.items():
        lo, hi = t.get(tally(i, "min")), t.get(tally(i, "max"))
        out.append(Extreme(tally(i, "min"), value, new=lo is not None and value < lo))
        out.append(Extreme(tally(i, "max"), value, new=hi is not None and value > hi))
    return out
