"""Use cases of the hierarchy: create or rename a unit, read one, list a unit's children.
No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, name_field, validate
from . import rules, store

UNIT_SPEC = {
    "level": Field("str", required=True, choices=rules.LEVELS),
    "name_hi": name_field(120, required=True),
    "name_en": name_field(120, required=True),
    "parent_id": Field("str", nullable=True, max_len=64, pattern=rules.UNIT_ID_PATTERN),
}


def unit_view(unit: store.UnitModel) -> dict[str, Any]:
    return {
        "unit_id": unit.unit_id, "level": unit.level, "name_hi": unit.name_hi, "name_en": unit.name_en,
        "parent_id": unit.parent_id, "district_id": unit.district_id,
        "path": list(reversed(rules.ancestor_ids(unit.path))),
        "created_at": unit.created_at, "updated_at": unit.updated_at,
    }


def put_unit(unit_id: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Create a unit, or rename it. Level and parent are fixed once the unit exists."""
    if not _valid_unit_id(unit_id):
        raise ValidationError("unit_id must be lower-case letters, digits and '-', at most 64", field="unit_id")
    data = validate(body, UNIT_SPEC)
    parent_id = data.get("parent_id")
    parent = store.get_unit(parent_id) if parent_id else None
    if parent_id and parent is None:
        raise NotFound(f"parent unit {parent_id} does not exist", field="parent_id")
    rules.check_parent(data["level"], parent.level if parent else None)
    existing = store.get_unit(unit_id)
    if existing and (existing.level != data["level"] or existing.parent_id != parent_id):
        raise Conflict("a unit's level and parent cannot change once created", field="parent_id")
    now = iso(clock.now_utc())
    unit = store.put_unit(unit_id, {
        "level": data["level"], "name_hi": data["name_hi"], "name_en": data["name_en"],
        "parent_id": parent_id, "parent_key": parent_id or store.ROOT,
        "child_sort": f"{data['name_en'].lower()}#{unit_id}",
        "path": rules.unit_path(parent.path if parent else None, unit_id),
        "district_id": rules.district_for(data["level"], unit_id, parent.district_id if parent else None),
        "created_at": existing.created_at if existing else now, "updated_at": now,
    }, exists=existing is not None)
    return (200 if existing else 201), unit_view(unit)


def _valid_unit_id(unit_id: str) -> bool:
    import re

    return re.fullmatch(rules.UNIT_ID_PATTERN, unit_id) is not None


def require_unit(unit_id: str) -> store.UnitModel:
    unit = store.get_unit(unit_id) if _valid_unit_id(unit_id) else None
    if unit is None:
        raise NotFound(f"unit {unit_id} does not exist", field="unit_id")
    return unit


def get_unit(unit_id: str) -> dict[str, Any]:
    return unit_view(require_unit(unit_id))


def list_children(unit_id: str | None, page: PageRequest) -> dict[str, Any]:
    if unit_id is not None:
        require_unit(unit_id)
    result = store.children(unit_id or store.ROOT, page)
    return page_body([unit_view(u) for u in result.items], result.next_key)
