"""Reads of the supervisor board that no other feature's store offers: one Query for every agent's
figures of a day (the calls feature's counters), one Query per agent for what that agent holds (the
campaigns feature's `by_agent` index: leases and callbacks). Read-only; no writes here."""

from __future__ import annotations

from ..calls.counters import CounterModel, day_agent, day_pacing
from ..campaigns.store import TargetModel

HELD_READ = 50  # items read per agent: leases sort first, then callbacks by time


def day_agents(day: str) -> list[CounterModel]:
    """Every agent's counter item of one IST day: one Query on the day's partition (≤ ~100 items)."""
    pk, _ = day_agent(day, "")
    return list(CounterModel.query(pk, page_size=100, limit=200))


def day_slowdowns(day: str) -> list[CounterModel]:
    """Every agent slowed down on one IST day for asking for contacts too fast: one Query on the day's
    pacing partition (chalicelib/campaigns/pacing.py)."""
    pk, _ = day_pacing(day, "")
    return list(CounterModel.query(pk, page_size=100, limit=200))


def day_agent_figures(day: str, username: str) -> CounterModel | None:
    pk, sk = day_agent(day, username)
    try:
        return CounterModel.get(pk, sk)
    except CounterModel.DoesNotExist:
        return None


def held_by(username: str) -> list[TargetModel]:
    """What one agent holds: leases (agent_sort `0#…`) then callbacks (`1#<due>#…`), at most HELD_READ."""
    return list(TargetModel.by_agent.query(username, limit=HELD_READ, page_size=HELD_READ))
