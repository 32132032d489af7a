"""Earlier imports and exports, newest first (`GET /imports`, `GET /exports`). Pure rules, no AWS.

Each job table has a `by_kind` index (hash: the job's kind, range: created_at). Both attributes are on
every job item ever written, so DynamoDB fills the index with the older items too: nothing to migrate.
A list of one kind is one Query; the list of every kind is one Query per kind (three), merged newest
first. The cursor says, per kind still open, where its Query starts again (the last item handed out
of that kind, or the start); a kind read to its end leaves the cursor."""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from ..core.errors import ValidationError

AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
Position = tuple[str, str] | None  # (created_at, job id) of the last item handed out, or None: the start


class Job(Protocol):
    kind: str
    created_at: str


J = TypeVar("J", bound=Job)
# (kind, start after, how many) -> (items newest first, whether the Query has more after them)
QueryKind = Callable[[str, Position, int], tuple[list[J], bool]]


def _bad() -> ValidationError:
    return ValidationError("cursor is not valid for this list", field="cursor")


def encode(open_kinds: dict[str, Position]) -> str | None:
    if not open_kinds:
        return None
    raw = json.dumps({k: list(v) if v else [] for k, v in open_kinds.items()}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kinds: Sequence[str], id_pattern: str) -> dict[str, Position]:
    """The kinds still to read and where each starts."""
    if not cursor:
        raise _bad()
    if len(cursor) > 1024:
        raise _bad()
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _bad() from exc
    if not isinstance(data, dict) or not data or not set(data) <= set(kinds):
        raise _bad()
    out: dict[str, Position] = {}
    for kind in kinds:  # in the kinds' own order
        if kind not in data:
            continue
        value = data[kind]
        if value == []:
            out[kind] = None
        elif (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
              and AT.fullmatch(value[0]) and re.fullmatch(id_pattern, value[1])):
            out[kind] = (value[0], value[1])
        else:
            raise _bad()
    return out


def newest_first(open_kinds: dict[str, Position], limit: int, query: QueryKind[J],
                 job_id: Callable[[J], str]) -> tuple[list[J], str | None]:
    """One page, newest first, across the open kinds (one Query each), and the cursor of the next."""
    fetched: dict[str, tuple[list[J], bool]] = {k: query(k, start, limit) for k, start in open_kinds.items()}
    streams = [[(item.created_at, n, item) for item in items] for n, (items, _) in enumerate(fetched.values())]
    # each kind's own order is kept (heapq.merge is stable per stream): its cursor is a prefix of its Query
    merged = list(heapq.merge(*streams, key=lambda e: e[0], reverse=True))[:limit]
    page = [e[2] for e in merged]
    taken: dict[str, int] = {}
    last: dict[str, J] = {}
    for item in page:
        taken[item.kind] = taken.get(item.kind, 0) + 1
        last[item.kind] = item
    remaining: dict[str, Position] = {}
    for kind, (items, more) in fetched.items():
        used = taken.get(kind, 0)
        if used == len(items) and not more:
            continue  # read to its end
        remaining[kind] = (last[kind].created_at, job_id(last[kind])) if kind in last else open_kinds[kind]
    return page, encode(remaining)


def kinds_asked(kind: str | None, kinds: Sequence[str]) -> list[str]:
    if kind is None:
        return list(kinds)
    if kind not in kinds:
        raise ValidationError(f"kind must be one of: {', '.join(kinds)}", field="kind")
    return [kind]


def open_kinds_for(params: dict[str, str], kinds: Sequence[str], id_pattern: str) -> dict[str, Position]:
    """The `kind` filter (optional) and the cursor, which must have been made for the same filter."""
    asked = kinds_asked(params.get("kind") or None, kinds)
    if not params.get("cursor"):
        return {k: None for k in asked}
    positions = decode(params["cursor"], kinds, id_pattern)
    if not set(positions) <= set(asked):
        raise _bad()
    return positions


def start_key(kind: str, position: Position, id_name: str) -> dict[str, Any] | None:
    """The index's ExclusiveStartKey for a position (the table's key and the index's)."""
    if position is None:
        return None
    return {"kind": {"S": kind}, "created_at": {"S": position[0]}, id_name: {"S": position[1]}}
