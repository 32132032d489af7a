"""Time: stored as UTC ISO-8601, reasoned about in Asia/Kolkata (a fixed +05:30, no DST)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")

# A simulation's clock (devtools/demo_month.py): set per thread (each thread has its own context), never
# in production, where the lookup of an unset variable is the whole cost.
_SIMULATED: ContextVar[Callable[[], datetime] | None] = ContextVar("sampark_simulated_clock", default=None)


def now_utc() -> datetime:
    simulated = _SIMULATED.get()
    return datetime.now(UTC) if simulated is None else simulated().astimezone(UTC)


@contextmanager
def simulated(read: Callable[[], datetime]) -> Iterator[None]:
    """Inside the block, in this thread (context) only, `now_utc()` is `read()` (an aware datetime): a
    simulated agent's clock. Other threads keep theirs; the block's end restores what was before."""
    token = _SIMULATED.set(read)
    try:
        yield
    finally:
        _SIMULATED.reset(token)


def iso(dt: datetime) -> str:
    """UTC ISO-8601 with a Z, second precision is not enough for ordering: keep milliseconds."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp that carries its offset; naive times are refused."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("timestamp must carry a timezone offset")
    return dt.astimezone(UTC)
