"""A chunk of a contacts list: each row creates a contact (a phone new to its district) or updates the
contact that holds the phone; the rows refused are reported, and a refused row about a known contact is
recorded as held by the report (erasing them withdraws it). No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..core.clock import parse_iso
from ..org import store as org_store
from ..org.rules import name_index_keys
from . import rules, store
from .chunk import DEFAULT_PURPOSE, Chunk, Parsed, b32

if TYPE_CHECKING:  # the items the stores hand over, named for the annotations only
    Unit = org_store.UnitModel
    Contact = org_store.ContactModel
    Claims = dict[tuple[str, str], org_store.PhoneClaimModel]  # (district, phone) -> its claim
    Refusal = tuple[int, rules.RowError, str, Unit]  # a refused row whose phone and unit can be read
    Update = tuple[rules.ContactRow, Contact, dict[str, Any]]


def contact_id_for(item: store.ImportModel, line: int) -> str:
    """The id of the contact a row creates, the same on every retry of its chunk (so a retry finds
    its own claim and writes nothing twice): the import's start time and a hash of (import, line)."""
    millis = int(parse_iso(item.started_at or item.created_at).timestamp() * 1000)
    digest = int.from_bytes(hashlib.sha256(f"{item.import_id}:{line}".encode()).digest()[:10], "big")
    return f"ct_{b32(millis, 10)}{b32(digest, 16)}"


def write_contacts(chunk: Chunk, parsed: Parsed) -> None:
    valid, early = _parse(chunk, parsed)
    units = store.units([r.unit_id for r in valid] + [uid for *_, uid in early])
    about = _refusals_in_units(chunk, early, units)
    rows = _placed(chunk, valid, units, about)
    claims = _claims([(r.phone, u) for r, u in rows] + [(number, u) for _, _, number, u in about])
    for line, refusal, number, unit in about:  # a row about a contact: erasing them withdraws the report
        known = claims.get((str(unit.district_id), number))
        chunk.reject(line, refusal.field, refusal.value, refusal.reason, contact_id=known.contact_id if known else None)
    holders = store.contacts([c.contact_id for c in claims.values()])
    creates: list[tuple[rules.ContactRow, Unit]] = []
    updates: list[Update] = []
    for row, unit in rows:
        claim = claims.get((str(unit.district_id), row.phone))
        if claim is None:
            if not (row.name_hi or row.name_en):
                chunk.reject(row.line, "name_hi", "", "the name is missing (a new contact needs one)")
                continue
            creates.append((row, unit))
            continue
        holder = holders.get(claim.contact_id)
        if holder is None:
            chunk.reject(row.line, "phone", row.phone, "this phone is held by a contact being erased; try again later")
            continue
        _plan_update(chunk, row, unit, holder, updates)
    _create(chunk, creates, updates)
    _write_updates(chunk, updates)


def _parse(chunk: Chunk, parsed: Parsed) -> tuple[list[rules.ContactRow], list[tuple[int, rules.RowError, str, str]]]:
    """The rows that read, and the refused ones whose phone and unit id can be read (the report's row
    may be about an existing contact); the others are rejected here."""
    valid: list[rules.ContactRow] = []
    early: list[tuple[int, rules.RowError, str, str]] = []
    for line, values in parsed:
        try:
            valid.append(rules.contact_row(line, values))
        except rules.RowError as err:
            number, uid = _readable(rules.phone, values.get("phone", "")), \
                _readable(lambda v: rules.unit_id("unit_id", v), values.get("unit_id", ""))
            if number and uid:
                early.append((line, err, number, uid))
            else:
                chunk.reject(line, err.field, err.value, err.reason)
    return valid, early


def _readable(parse: Any, value: str) -> str | None:
    """The value as `parse` reads it, or None when it cannot."""
    try:
        return str(parse(value)) if value else None
    except rules.RowError:
        return None


def _refusals_in_units(chunk: Chunk, early: list[tuple[int, rules.RowError, str, str]],
                       units: dict[str, Unit]) -> list[Refusal]:
    about: list[Refusal] = []
    for line, parse_error, number, uid in early:
        unit = units.get(uid)
        if unit is not None and unit.district_id:
            about.append((line, parse_error, number, unit))
        else:
            chunk.reject(line, parse_error.field, parse_error.value, parse_error.reason)
    return about


def _placed(chunk: Chunk, valid: list[rules.ContactRow], units: dict[str, Unit],
            about: list[Refusal]) -> list[tuple[rules.ContactRow, Unit]]:
    """The rows whose unit exists, is in a district and takes the row's role; a refused row whose unit
    is in a district joins `about`."""
    rows: list[tuple[rules.ContactRow, Unit]] = []
    for row in valid:
        unit = units.get(row.unit_id)
        try:
            if unit is None:
                raise rules.RowError("unit_id", row.unit_id, f"unit {row.unit_id} does not exist")
            if unit.district_id is None:
                raise rules.RowError("unit_id", row.unit_id, "contacts belong to a district or a unit below it")
            rules.check_role(row, unit.level)
        except rules.RowError as err:
            if unit is not None and unit.district_id:
                about.append((row.line, err, row.phone, unit))
            else:
                chunk.reject(row.line, err.field, err.value, err.reason)
            continue
        rows.append((row, unit))
    return rows


def _claims(looked_up: list[tuple[str, Unit]]) -> Claims:
    """The phone claims of these phones, district by district (BatchGetItem, 100 a call)."""
    claims: Claims = {}
    for district in {u.district_id for _, u in looked_up if u.district_id}:
        found = store.claims(district, [p for p, u in looked_up if u.district_id == district])
        claims.update({(district, phone): claim for phone, claim in found.items()})
    return claims


def _new_contact(chunk: Chunk, row: rules.ContactRow, unit: Unit) -> tuple[str, dict[str, Any], str]:
    """(id, attributes, the claim's hash: the line) of the contact a row creates."""
    contact_id = contact_id_for(chunk.item, row.line)
    return contact_id, {
        "district_id": unit.district_id, "unit_id": unit.unit_id, "tree_key": f"{unit.path}{contact_id}",
        "district_role": f"{unit.district_id}#{row.role}", "role": row.role, "name_hi": row.name_hi,
        "name_en": row.name_en, "phone": row.phone, "phone_last4": row.phone[-4:], "language": row.language or "hi",
        "consent_source": "import", "consent_purpose": chunk.item.consent_purpose or DEFAULT_PURPOSE,
        "consent_at": chunk.stamp, "opted_out": False, "wrong_number": False, "created_at": chunk.stamp,
        "updated_at": chunk.stamp, "created_by": chunk.item.created_by, "version": 1,
    }, str(row.line)


def _create(chunk: Chunk, creates: list[tuple[rules.ContactRow, Unit]], updates: list[Update]) -> None:
    failed = store.create_contacts([_new_contact(chunk, r, u) for r, u in creates], chunk.source)
    for index, (row, unit) in enumerate(creates):
        if index not in failed:
            chunk.outcome.counts["created"] += 1
            continue
        # the phone was claimed between our read and our write (an API create): update that contact
        claim = store.claims(str(unit.district_id), [row.phone]).get(row.phone)
        holder = store.contacts([claim.contact_id]).get(claim.contact_id) if claim else None
        if holder is None:
            chunk.reject(row.line, "phone", row.phone, "the phone changed hands while importing; import this row again")
            continue
        _plan_update(chunk, row, unit, holder, updates)


def contact_changes(row: rules.ContactRow, unit: Unit, contact: Contact) -> dict[str, Any]:
    """What the row changes in the contact. A blank optional cell changes nothing."""
    changes: dict[str, Any] = {}
    for name in ("name_hi", "name_en", "language"):
        value = getattr(row, name)
        if value and value != getattr(contact, name):
            changes[name] = value
    if row.role != contact.role or unit.unit_id != contact.unit_id:
        changes.update(role=row.role, unit_id=unit.unit_id, tree_key=f"{unit.path}{contact.contact_id}",
                       district_role=f"{unit.district_id}#{row.role}")
    if "name_hi" in changes or "name_en" in changes:  # the name-search index follows the names
        names = (changes.get("name_hi", contact.name_hi), changes.get("name_en", contact.name_en))
        changes.update(name_index_keys(contact.district_id, contact.contact_id, *names))
    return changes


def _plan_update(chunk: Chunk, row: rules.ContactRow, unit: Unit, holder: Contact, updates: list[Update]) -> None:
    changes = contact_changes(row, unit, holder)
    if changes:
        changes["updated_at"] = chunk.stamp
        updates.append((row, holder, changes))
    elif holder.contact_id == contact_id_for(chunk.item, row.line):
        chunk.outcome.counts["created"] += 1  # this chunk ran before and created it
    elif holder.updated_at == chunk.stamp:
        chunk.outcome.counts["updated"] += 1  # this chunk ran before and updated it
    else:
        chunk.outcome.counts["unchanged"] += 1


def _write_updates(chunk: Chunk, updates: list[Update]) -> None:
    stale = store.update_contacts([(c.contact_id, int(c.version), ch) for _, c, ch in updates])
    for index, (row, contact, _changes) in enumerate(updates):
        if index not in stale:
            chunk.outcome.counts["updated"] += 1
            continue
        # edited meanwhile: read it again and apply the row to what it is now, once
        fresh = store.contacts([contact.contact_id]).get(contact.contact_id)
        unit = store.units([row.unit_id]).get(row.unit_id)
        if fresh is None or unit is None or fresh.phone != row.phone:
            chunk.reject(row.line, "phone", row.phone, "the contact changed while importing; import this row again",
                         contact_id=fresh.contact_id if fresh else None)
            continue
        changes = contact_changes(row, unit, fresh)
        if not changes:
            chunk.outcome.counts["unchanged"] += 1
        elif store.update_contacts([(fresh.contact_id, int(fresh.version), {**changes, "updated_at": chunk.stamp})]):
            chunk.reject(row.line, "phone", row.phone, "the contact was being edited; import this row again",
                         contact_id=contact.contact_id)
        else:
            chunk.outcome.counts["updated"] += 1
