"""Seats and shift windows: configuration an admin reads and changes (a versioned item each; the
defaults when none was stored). No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import ValidationError
from . import calling, config_store, rules

# The shift configuration and a period's roster head are the same for every agent and change rarely:
# duty_status keeps them per container for DUTY_CACHE_S (a roster revision or a change of shift
# windows made in another container is seen at most that much later; this container's own writes
# clear the cache at once).
DUTY_CACHE_S = 30.0
_duty_cache: dict[str, tuple[float, Any]] = {}


def reset_duty_cache() -> None:
    _duty_cache.clear()


def peek(key: str) -> Any:
    """A cached value still fresh, or None (never reads)."""
    hit = _duty_cache.get(key)
    return hit[1] if hit is not None and time.monotonic() - hit[0] < DUTY_CACHE_S else None


def remember(key: str, value: Any) -> None:
    _duty_cache[key] = (time.monotonic(), value)


def cached(key: str, read: Callable[[], Any]) -> Any:
    hit = _duty_cache.get(key)
    moment = time.monotonic()
    if hit is not None and moment - hit[0] < DUTY_CACHE_S:
        return hit[1]
    value = read()
    _duty_cache[key] = (moment, value)
    return value


def seat_config() -> rules.SeatConfig:
    stored = config_store.get_config("seats")
    return rules.seat_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SEATS


def shift_config() -> rules.ShiftConfig:
    stored = config_store.get_config("shifts")
    return rules.shift_config_from(stored[0], stored[1]) if stored else rules.DEFAULT_SHIFTS


def get_seats() -> dict[str, Any]:
    return seat_config().to_dict()


def get_shifts() -> dict[str, Any]:
    return shift_config().to_dict()


def _versioned(body: Any) -> tuple[dict[str, Any], int]:
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    data = dict(body)
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError("version is required: the version you read (0 for the defaults)", field="version")
    return data, version


def put_seats(actor: str, body: Any) -> dict[str, Any]:
    data, version = _versioned(body)
    data.pop("seat_count", None)
    if set(data) - {"rooms"}:
        raise ValidationError(f"unknown field {sorted(set(data) - {'rooms'})[0]}", field="body", code="unknown_field")
    config = rules.seat_config_from(data)
    stored = {"rooms": config.to_dict()["rooms"]}
    new_version = config_store.put_config("seats", stored, version, iso(clock.now_utc()), actor)
    return rules.seat_config_from(stored, new_version).to_dict()


def put_shifts(actor: str, body: Any) -> dict[str, Any]:
    data, version = _versioned(body)
    data.pop("timezone", None)
    unknown = set(data) - {"shifts", "period_weeks", "working_days"}
    if unknown:
        raise ValidationError(f"unknown field {sorted(unknown)[0]}", field="body", code="unknown_field")
    config = rules.shift_config_from(data)
    stored = {k: v for k, v in config.to_dict().items() if k not in ("version", "timezone")}
    new_version = config_store.put_config("shifts", stored, version, iso(clock.now_utc()), actor)
    reset_duty_cache()
    return rules.shift_config_from(stored, new_version).to_dict()



def get_calling() -> dict[str, Any]:
    return calling.calling_settings().to_dict()


def put_calling(actor: str, body: Any) -> dict[str, Any]:
    """PUT /settings/calling (admin): the six settings against the version read (a field left out keeps
    its default); 400 on the field out of its range (calling.LIMITS), 409 on a stale version."""
    data, version = _versioned(body)
    settings = calling.calling_from(data)
    stored = {k: v for k, v in settings.to_dict().items() if k != "version"}
    new_version = config_store.put_config(calling.NAME, stored, version, iso(clock.now_utc()), actor)
    return calling.calling_from(stored, new_version).to_dict()
