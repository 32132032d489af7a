"""The shifts feature's tables read together, and what other features read of them.

Each table has its own store: agent_store (profiles, overrides, leave spans), leave_store, roster_store
(heads, revisions, lines, pending notices) and config_store (seats, shift windows). `read_keys` reads items
of any of them in one BatchGetItem (the duty gate and GET /me/shift). The names below are what the board,
the call recorder and app.py's profile check read; they import them from here, so a table can change stores
without their imports changing."""

from __future__ import annotations

from typing import Any

from ..core import db
from .agent_store import AgentModel as AgentModel
from .agent_store import get_agent as get_agent
from .config_store import ConfigModel as ConfigModel
from .leave_store import leaves_overlapping as leaves_overlapping
from .roster_store import HEAD as HEAD
from .roster_store import RosterItem as RosterItem
from .roster_store import lines as lines


def read_keys(keys: list[db.Key]) -> dict[db.Key, Any]:
    """One BatchGetItem (consistent) of items named by key, from any of the feature's tables."""
    return db.batch_get(keys)
