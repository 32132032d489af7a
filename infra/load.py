"""The load the call centre puts on the API, and the stage throttling that follows from it.

Inputs are the brief's figures (35 seats and about 10,000 calls a day for a district; about 300,000 a
day for a whole state). Everything else is derived here, once, and used by the stack, the cost estimate
and the docs (infra/README.md walks through the same arithmetic).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CALLING_HOURS = 13.0  # two shifts, 08:00-14:30 and 14:30-21:00 IST
REQUESTS_PER_CALL = 5  # next call, reveal the number, record the call, refresh own calls and callbacks
PEAK_HOUR_FACTOR = 3.0  # the busiest hour against the day's average (shift starts, campaign launches)
DASHBOARD_POLL_S = 10.0  # a supervisor's screen refreshes every 10 s
SHIFT_START_REQUESTS = 4  # a seat signing in: login, /me, campaigns, first next-call, all in one second
HEADROOM = 5.0  # retries over patchy 4G, uneven days, one runaway client must not starve the rest


@dataclass(frozen=True)
class Load:
    name: str
    calls_per_day: int
    seats: int
    supervisors: int
    districts: int

    @property
    def average_rps(self) -> float:
        return self.calls_per_day * REQUESTS_PER_CALL / (CALLING_HOURS * 3600)

    @property
    def peak_rps(self) -> float:
        return self.average_rps * PEAK_HOUR_FACTOR + self.supervisors / DASHBOARD_POLL_S

    @property
    def shift_start_burst(self) -> int:
        return self.seats * SHIFT_START_REQUESTS

    @property
    def rate_limit(self) -> int:
        """Steady requests per second the stage admits: the peak with headroom, in steps of 5."""
        return int(math.ceil(self.peak_rps * HEADROOM / 5.0) * 5)

    @property
    def burst_limit(self) -> int:
        """Requests admitted at once: every seat starting its shift in the same second, at least 2x rate."""
        return max(self.shift_start_burst, 2 * self.rate_limit)


DISTRICT = Load("district", calls_per_day=10_000, seats=35, supervisors=4, districts=1)
# A state is ~30 districts' worth of calling (300,000 / 10,000): 30x the seats and supervisors.
STATE = Load("state", calls_per_day=300_000, seats=35 * 30, supervisors=4 * 30, districts=30)
SCALES = {load.name: load for load in (DISTRICT, STATE)}
