"""Sign-in throttling, the pure part: whose attempts count together, in which window, how many.

Attempts are counted per normalised username in fixed windows of 15 minutes. Two limits hold in a
window: at most 5 password checks may fail, and at most 30 attempts may be made at all (right or
wrong), so a correct sign-in in between cannot open the door to unlimited guesses. A success never
resets the failures: it only gives back its own reservation (see service.py).
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

WINDOW_S = 15 * 60
FAILURE_LIMIT = 5
ATTEMPT_LIMIT = 30
KEEP_S = 24 * 3600  # a counter outlives its window by a day (TTL), for anyone looking into an incident


def normalise(username: str) -> str:
    """`Agent01`, ` agent01 ` and the full-width `ａｇｅｎｔ01` count as one username."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def subject(username: str) -> str:
    """The counter's name for a username: a hash, so the table and the logs never hold it."""
    return hashlib.sha256(normalise(username).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Window:
    start: int  # epoch seconds, a multiple of WINDOW_S
    end: int

    def key(self, username: str) -> str:
        return f"{subject(username)}#{self.start}"

    @property
    def expires_at(self) -> int:
        return self.end + KEEP_S

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window closes: the Retry-After of a refusal (at least 1)."""
        return max(1, math.ceil(self.end - now.timestamp()))


def window(now: datetime) -> Window:
    start = int(now.timestamp()) // WINDOW_S * WINDOW_S
    return Window(start, start + WINDOW_S)
