"""The config table: the seat and shift configurations, a versioned JSON item each. The only module that
reads or writes it."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from ..core import db
from ..core.errors import Conflict


@db.table("config")
class ConfigModel(Model):
    class Meta:
        table_name = "config"

    name = UnicodeAttribute(hash_key=True)  # seats | shifts
    body = UnicodeAttribute()  # JSON
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


def get_config(name: str) -> tuple[dict[str, Any], int] | None:
    return config_of(db.get_or_none(ConfigModel, name))


def put_config(name: str, body: dict[str, Any], expected_version: int, at: str, actor: str) -> int:
    """Store a new version if the stored one is still `expected_version` (0: never stored)."""
    condition = ConfigModel.name.does_not_exist() if expected_version == 0 else ConfigModel.version == expected_version
    item = ConfigModel(name, body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                       version=expected_version + 1, updated_at=at, updated_by=actor)
    try:
        item.save(condition=condition)
    except PutError as exc:
        if db.is_condition_failure(exc):
            raise Conflict(f"the {name} configuration was changed by someone else; reload it and try again",
                           field="version", code="stale_version") from exc
        raise db.translate(exc) from exc
    return expected_version + 1


def config_key(name: str) -> db.Key:
    return (ConfigModel, name, None)


def config_of(item: ConfigModel | None) -> tuple[dict[str, Any], int] | None:
    return None if item is None else (json.loads(item.body), int(item.version))
