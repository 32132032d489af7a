"""Building a digest: what it reads (digests/reads.py), then its sections (digests/sections.py, one
builder each) in the order they appear, the unit names they show read together. Which audience and which
period gets which section is decided here and nowhere else: SECTIONS. No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core import clock
from ..core.errors import ValidationError
from . import config, rules, sections, store
from .corrections import corrections
from .follow_up import follow_up
from .reads import Names, Reads, gather

ALL = frozenset(rules.AUDIENCES)
LEADERS_AND_DISTRICT = frozenset({"district", "state"})  # the central digest names no unit but the ranked
DISTRICT = frozenset({"district"})


@dataclass(frozen=True)
class Section:
    builder: Callable[[Reads, Names], sections.Part]
    audiences: frozenset[str]
    shifts: bool  # also in a shift's digest (else: day digests only)

    def applies(self, audience: str, shift: str | None) -> bool:
        return audience in self.audiences and (self.shifts or not shift)


# In the order the content lists them.
SECTIONS = (
    Section(sections.figures, ALL, shifts=True),  # headline, by_disposition, coverage
    Section(sections.campaigns, LEADERS_AND_DISTRICT, shifts=False),
    Section(sections.unreached, LEADERS_AND_DISTRICT, shifts=False),
    Section(sections.silent, LEADERS_AND_DISTRICT, shifts=False),  # silent_days, silent, silent_more
    Section(sections.answers, ALL, shifts=False),
    Section(sections.relay_progress, ALL, shifts=False),
    Section(sections.agents, DISTRICT, shifts=True),
    Section(follow_up, DISTRICT, shifts=False),  # escalations, verification
    Section(corrections, ALL, shifts=False),  # and the corrected earlier digests, written with this one
)


@dataclass
class Built:
    """A digest as built: its content, its snapshot, and the corrected earlier day digests to store with it."""

    content: dict[str, Any]
    snapshot: dict[str, Any]
    corrections: list[store.Correction]


def parse_period(period: str) -> tuple[str, str | None]:
    match = rules.PERIOD.fullmatch(period or "")
    if not match:
        raise ValidationError("the period is a date (YYYY-MM-DD) or a shift (YYYY-MM-DD.morning)", field="date")
    if not rules.day_in_range(match.group(1), clock.now_utc().astimezone(clock.IST).date()):
        raise ValidationError(f"the date is a real day from {rules.EARLIEST_DAY.isoformat()} to tomorrow",
                              field="date")
    return match.group(1), match.group(2)


def build(audience: str, period: str) -> Built:
    """One digest, from counters (never call logs): the reads of digests/reads.py, the unit names its
    sections show (1 BatchGetItem per 100, and one more for the parents of the silent units listed), and
    what the follow-up and corrections sections read (their modules say)."""
    day, shift = parse_period(period)
    settings, _ = config.get_config()
    r = gather(audience, period, day, shift, int(settings.get("silent_days", 3)))
    names = Names()
    parts = [s.builder(r, names) for s in SECTIONS if s.applies(audience, shift)]
    names.read()
    content: dict[str, Any] = {"audience": audience, "period": period, "date": day, "shift": shift}
    for part in parts:
        content.update(part())
    snapshot: dict[str, Any] = {"day": r.day_totals(day), "units": {u["unit_id"]: u["connects"] for u in r.units}}
    if not shift:
        snapshot["campaigns"] = [list(pair) for pair in r.scope]
    return Built(content, snapshot, r.corrections)
