"""Pure rules of a programme relay: the levels a programme goes down, each unit's relay state from
its counters, broken links and completion per level. No AWS, no Chalice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..campaigns.settings import PROGRAMME_SOURCES
from ..campaigns.settings import RELAY_LEVELS as RELAY_LEVELS  # top first: a campaign's setting
from ..core.clock import IST
from ..core.errors import ValidationError

SOURCES = PROGRAMME_SOURCES
STATES = ("not_targeted", "not_reached", "received", "passed_on", "confirmed_below")


def check_relay_facts(relay: dict[str, Any] | None, *, kind: str, disposition: str) -> dict[str, bool] | None:
    """The relay facts a call may carry: only a connected call of a programme relay; passing a programme
    on implies having received it."""
    if relay is None:
        return None
    if kind != "programme_relay":
        raise ValidationError("relay facts belong to calls of a programme relay", field="relay")
    if disposition != "connected":
        raise ValidationError("relay facts are recorded only on a connected call", field="relay")
    received, passed_on = bool(relay.get("received")), bool(relay.get("passed_on"))
    if passed_on and not received:
        raise ValidationError("a programme that was not received cannot have been passed on",
                              field="relay.passed_on")
    return {"received": received, "passed_on": passed_on}


def levels_of(programme: dict[str, Any] | None, role_levels: list[str]) -> list[str]:
    """The programme's levels, top first; without a programme record, the levels of the roles called."""
    named = (programme or {}).get("levels") or role_levels
    return [lv for lv in RELAY_LEVELS if lv in named]


def deadline_of(programme: dict[str, Any] | None, ends_on: str) -> datetime:
    """The programme's deadline; without one, the end of the campaign's last IST day."""
    raw = (programme or {}).get("deadline")
    if raw:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    day = datetime.fromisoformat(ends_on).replace(tzinfo=IST)
    return day + timedelta(days=1)


def next_level_below(level: str, levels: list[str]) -> str | None:
    """The first programme level strictly below `level`: where a unit's 'passed on' must arrive."""
    order = ("state", "district", *RELAY_LEVELS)
    if level not in order:
        return None
    below = [lv for lv in levels if order.index(lv) > order.index(level)]
    return below[0] if below else None


@dataclass(frozen=True)
class Node:
    state: str
    confirmed_below: bool
    broken_link: bool


def node_state(figures: dict[str, int], level: str, levels: list[str], deadline: datetime,
               now: datetime) -> Node:
    """A unit's relay state from its counters. `received`/`passed_on` count its own contacts' facts;
    received_<level> counts units of that level in its subtree with at least one acknowledgement.
    confirmed_below: a unit at the next programme level below has received it. A broken link: its
    contacts say they passed it on, nobody below has received it, and the deadline is over (a unit
    with no programme level below it — a booth — is never one)."""
    below = next_level_below(level, levels)
    confirmed = below is not None and figures.get(f"received_{below}", 0) > 0
    passed = figures.get("relay_passed_on", 0) > 0
    broken = passed and below is not None and not confirmed and now > deadline
    if confirmed:
        state = "confirmed_below"
    elif passed:
        state = "passed_on"
    elif figures.get("relay_received", 0) > 0:
        state = "received"
    elif figures.get("targets", 0) > 0:
        state = "not_reached"
    else:
        state = "not_targeted"
    return Node(state, confirmed, broken)


def completion(level: str, levels: list[str], figures: dict[str, int]) -> list[dict[str, Any]]:
    """Per programme level at or below `level`: units targeted, units with an acknowledgement, share."""
    order = ("state", "district", *RELAY_LEVELS)
    start = order.index(level) if level in order else 0
    out = []
    for lv in levels:
        if order.index(lv) < start:
            continue
        targeted, received = figures.get(f"targeted_{lv}", 0), figures.get(f"received_{lv}", 0)
        out.append({"level": lv, "targeted_units": targeted, "received_units": received,
                    "share": round(received / targeted, 4) if targeted else None})
    return out
