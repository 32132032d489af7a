"""A chunk of a units list: each row creates a unit or renames it (level and parent never change).
No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

from ..org import store as org_store
from . import rules, store
from .chunk import Chunk, Parsed


def write_units(chunk: Chunk, parsed: Parsed) -> None:
    valid: list[rules.UnitRow] = []
    for line, values in parsed:
        try:
            valid.append(rules.unit_row(line, values))
        except rules.RowError as err:
            chunk.reject(line, err.field, err.value, err.reason)
    known = store.units([r.unit_id for r in valid] + [r.parent_id for r in valid if r.parent_id])
    puts: list[tuple[rules.UnitRow, org_store.UnitModel, bool]] = []
    for row in valid:
        existing = known.get(row.unit_id)
        parent = known.get(row.parent_id) if row.parent_id else None
        try:
            _check(row, existing, parent)
        except rules.RowError as err:
            chunk.reject(row.line, err.field, err.value, err.reason)
            continue
        if existing and existing.name_hi == row.name_hi and existing.name_en == row.name_en:
            outcome = ("created" if existing.created_at == chunk.stamp else
                       "updated" if existing.updated_at == chunk.stamp else "unchanged")
            chunk.outcome.counts[outcome] += 1
            continue
        unit = store.new_unit(row.unit_id, {
            "level": row.level, "name_hi": row.name_hi, "name_en": row.name_en, "parent_id": row.parent_id,
            "parent_key": row.parent_id or "ROOT", "child_sort": f"{row.name_en.lower()}#{row.unit_id}",
            "path": f"{parent.path if parent else ''}{row.unit_id}/",
            "district_id": row.unit_id if row.level == "district" else (parent.district_id if parent else None),
            "created_at": existing.created_at if existing else chunk.stamp, "updated_at": chunk.stamp,
        })
        known[row.unit_id] = unit  # a later row of this chunk may hang under it
        puts.append((row, unit, existing is not None))
    failed = store.put_units([(u, exists) for _, u, exists in puts])
    for index, (row, _unit, exists) in enumerate(puts):
        if index in failed:
            chunk.reject(row.line, "unit_id", row.unit_id, "the unit changed while importing; import this row again")
        else:
            chunk.outcome.counts["updated" if exists else "created"] += 1


def _check(row: rules.UnitRow, existing: org_store.UnitModel | None, parent: org_store.UnitModel | None) -> None:
    if row.parent_id and parent is None:
        raise rules.RowError("parent_id", row.parent_id, f"parent unit {row.parent_id} does not exist "
                             "(a parent must exist already or come on an earlier row)")
    rules.check_parent(row, parent.level if parent else None)
    if existing and (existing.level != row.level or existing.parent_id != row.parent_id):
        raise rules.RowError("parent_id", row.parent_id or "", "a unit's level and parent cannot change "
                             f"(it is a {existing.level} under {existing.parent_id or 'nothing'})")
