"""The digests' settings: recipients per audience and the silent-unit threshold, one versioned item
(digests/store.py). No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

import re
from typing import Any

from ..core import clock
from ..core.errors import ValidationError
from . import rules, store

EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
DEFAULT_CONFIG: dict[str, Any] = {"audiences": {a: {"recipients": []} for a in rules.AUDIENCES}, "silent_days": 3}
MAX_RECIPIENTS = 50


def get_config() -> tuple[dict[str, Any], int]:
    item = store.get("settings")
    if item is None:
        return dict(DEFAULT_CONFIG), 0
    return dict(item.content), int(item.version or 0)


def recipients(audience: str) -> list[str]:
    config, _ = get_config()
    return list(config["audiences"].get(audience, {}).get("recipients", []))


def settings_view() -> dict[str, Any]:
    config, version = get_config()
    return {**config, "version": version}


def put_settings(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError("version is the version you read (0 for the first time)", field="version")
    audiences = body.get("audiences")
    if not isinstance(audiences, dict) or set(audiences) - set(rules.AUDIENCES):
        raise ValidationError(f"audiences maps {list(rules.AUDIENCES)} to their recipients", field="audiences")
    config: dict[str, Any] = {"audiences": {}, "silent_days": body.get("silent_days", 3)}
    if not isinstance(config["silent_days"], int) or not 1 <= config["silent_days"] <= 30:
        raise ValidationError("silent_days is a number of days from 1 to 30", field="silent_days")
    for audience in rules.AUDIENCES:
        config["audiences"][audience] = {"recipients": _clean((audiences.get(audience) or {}).get("recipients", []),
                                                              f"audiences.{audience}.recipients")}
    item = store.put_settings(config, version, clock.iso(clock.now_utc()))
    return {**config, "version": item.version}


def _clean(recipients: Any, field: str) -> list[str]:
    if not isinstance(recipients, list) or len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(f"at most {MAX_RECIPIENTS} recipients", field=field)
    clean = []
    for r in recipients:
        if not isinstance(r, str) or not EMAIL.fullmatch(r.strip()):
            raise ValidationError("recipients are email addresses", field=field)
        clean.append(r.strip().lower())
    return sorted(set(clean))
