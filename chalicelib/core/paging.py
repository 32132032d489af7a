"""Pages of at most 100 items behind an opaque cursor (DynamoDB's LastEvaluatedKey, encoded)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import ValidationError
from .validate import query_int

T = TypeVar("T")
MAX_PAGE = 100
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class PageRequest:
    limit: int
    start_key: dict[str, Any] | None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_key: dict[str, Any] | None


def encode_cursor(key: Mapping[str, Any] | None) -> str | None:
    if not key:
        return None
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, key_names: Iterable[str]) -> dict[str, Any] | None:
    """Decode a cursor and check it has exactly the key attributes of the index being read."""
    if not cursor:
        return None
    bad = ValidationError("cursor is not valid for this list", field="cursor")
    if len(cursor) > 2048:
        raise bad
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise bad from exc
    if not isinstance(key, dict) or set(key) != set(key_names):
        raise bad
    for value in key.values():
        if not (isinstance(value, dict) and len(value) == 1 and isinstance(value.get("S"), str)):
            raise bad
    return key


def page_request(params: Mapping[str, str], key_names: Iterable[str]) -> PageRequest:
    return PageRequest(
        limit=query_int(params, "limit", DEFAULT_PAGE, 1, MAX_PAGE),
        start_key=decode_cursor(params.get("cursor"), key_names),
    )


def page_body(items: list[Any], next_key: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": encode_cursor(next_key)}
