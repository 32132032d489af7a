"""Pacing of `POST /campaigns/{id}/next`: an agent who asks for new contacts faster than a person can
dial is slowed down (429 `too_fast` with Retry-After), so that nobody can harvest phone numbers by
leasing and logging 0-second no-answers.

The rule: at most `max_leases` new contacts per agent in a fixed window of `window_s` seconds (a
retried /next that hands back the contact the agent already holds is not counted). The defaults,
10 in 120 s, let through an agent who dials as fast as a person can (a ring-out is ~30 s, a
switched-off phone ~10 s with the outcome tapped), and stop a script after 10 numbers.
Both can be set from the environment, read and validated once per distinct value:
`SAMPARK_PACING_MAX_LEASES`, `SAMPARK_PACING_WINDOW_S`. Pure: no AWS here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ..core.settings import SettingsError

MAX_LEASES_ENV = "SAMPARK_PACING_MAX_LEASES"
WINDOW_ENV = "SAMPARK_PACING_WINDOW_S"
DEFAULT_MAX_LEASES = 10
DEFAULT_WINDOW_S = 120
KEEP_S = 3600  # a window's counter item expires (DynamoDB TTL) this long after the window ends


@dataclass(frozen=True)
class Pacing:
    max_leases: int
    window_s: int


@dataclass(frozen=True)
class Window:
    key: str  # the window's identity: its start, epoch seconds
    retry_after_s: int  # whole seconds until it ends (at least 1)
    expires_at: int  # epoch seconds: the counter item's TTL


def _positive(name: str, raw: str | None, default: int) -> int:
    text = (raw or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {text!r}") from exc
    if value < 1:
        raise SettingsError(f"{name} must be at least 1")
    return value


@lru_cache(maxsize=8)
def _parse(max_leases: str | None, window_s: str | None) -> Pacing:
    return Pacing(_positive(MAX_LEASES_ENV, max_leases, DEFAULT_MAX_LEASES),
                  _positive(WINDOW_ENV, window_s, DEFAULT_WINDOW_S))


def limits() -> Pacing:
    """The thresholds in force (environment overrides, validated once per distinct value)."""
    return _parse(os.environ.get(MAX_LEASES_ENV), os.environ.get(WINDOW_ENV))


def window(now: datetime, pacing: Pacing) -> Window:
    epoch = int(now.timestamp())
    start = epoch - epoch % pacing.window_s
    end = start + pacing.window_s
    return Window(str(start), max(end - epoch, 1), end + KEEP_S)
