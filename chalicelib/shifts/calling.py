"""The call centre's calling settings (issue 20): how often one person may be called in a day across
every campaign, and the limits behind attendance and the quality flags. One versioned item of the config
table ("calling"); the defaults when none was stored. No Chalice, no boto3, no PynamoDB here.

The hot paths read the item in the BatchGetItem they already make (`calling_key()` among its keys, then
`calling_of(found)`); other paths call `calling_settings()`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..core.errors import ValidationError
from . import config_store

NAME = "calling"


@dataclass(frozen=True)
class CallingSettings:
    daily_call_cap: int = 2  # calls to one person per IST day, all campaigns together (callbacks asked for: not)
    idle_limit_minutes: int = 15  # a gap between two activities longer than this is idle, not active time
    late_grace_minutes: int = 10  # first activity later than this after the shift starts: "late" (and left early)
    short_connect_s: int = 20  # a "connected" call shorter than this is flagged
    rapid_calls_per_minute: int = 3  # more calls than this started in one minute are flagged
    same_answers_run: int = 5  # this many connected calls in a row with identical answers are flagged
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT = CallingSettings()
# field -> (lowest, highest) accepted
LIMITS: dict[str, tuple[int, int]] = {
    "daily_call_cap": (1, 20), "idle_limit_minutes": (1, 240), "late_grace_minutes": (0, 120),
    "short_connect_s": (1, 600), "rapid_calls_per_minute": (1, 60), "same_answers_run": (2, 100),
}


def calling_from(data: dict[str, Any], version: int = 0) -> CallingSettings:
    """Validated settings from a body (fields absent keep their defaults). 400 on the field."""
    unknown = set(data) - set(LIMITS)
    if unknown:
        raise ValidationError(f"unknown field {sorted(unknown)[0]}", field="body", code="unknown_field")
    values: dict[str, int] = {}
    for name, (low, high) in LIMITS.items():
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(f"{name} must be a whole number from {low} to {high}", field=name)
        values[name] = value
    return CallingSettings(**values, version=version)


def calling_key() -> Any:
    return config_store.config_key(NAME)


def calling_of(found: dict[Any, Any]) -> CallingSettings:
    """The settings from a batch read that included `calling_key()` (the defaults if never stored)."""
    stored = config_store.config_of(found.get(calling_key()))
    return calling_from(*stored) if stored else DEFAULT


def calling_settings() -> CallingSettings:
    stored = config_store.get_config(NAME)
    return calling_from(*stored) if stored else DEFAULT
