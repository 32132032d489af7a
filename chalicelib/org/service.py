"""Use cases of contacts: create, read (a reveal audited), update, opt out, list. Validates input, applies
the rules, calls the store. Units are in units.py, the audit trail's reads in audit.py, finding a person in
search.py, erasure in chalicelib/privacy. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.ids import new_id
from ..core.paging import Page, PageRequest, page_body
from ..core.validate import Field, name_field, validate
from . import audit_store, rules, store
from .units import require_unit

NAME = name_field(120)
CONSENT_SOURCES = ("party_register", "self", "call", "import", "event")
CONSENT_SPEC = {
    "source": Field("str", required=True, choices=CONSENT_SOURCES),
    "purpose": Field("str", required=True, max_len=200),
    "at": Field("datetime"),
}
CONTACT_SPEC = {
    "unit_id": Field("str", required=True, max_len=64, pattern=rules.UNIT_ID_PATTERN),
    "role": Field("str", required=True, choices=rules.ROLES),
    "name_hi": NAME,
    "name_en": NAME,
    "phone": Field("str", required=True, max_len=32),
    "language": Field("str", choices=rules.LANGUAGES),
    "consent": Field("object", required=True, fields=CONSENT_SPEC),
}
PATCH_SPEC = {
    "version": Field("int", required=True, minimum=1),
    "unit_id": replace(CONTACT_SPEC["unit_id"], required=False),
    "role": replace(CONTACT_SPEC["role"], required=False),
    "name_hi": NAME,
    "name_en": NAME,
    "phone": Field("str", max_len=32),
    "language": CONTACT_SPEC["language"],
    "consent": Field("object", fields=CONSENT_SPEC),
}
IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
CONTACT_ID = r"ct_[0-9a-z]{26}"


# ---- contacts ------------------------------------------------------------------------------


def contact_view(contact: store.ContactModel, *, reveal: bool = False) -> dict[str, Any]:
    view = {
        "contact_id": contact.contact_id, "unit_id": contact.unit_id, "role": contact.role,
        "name_hi": contact.name_hi, "name_en": contact.name_en, "language": contact.language,
        "phone_masked": rules.mask_phone(contact.phone_last4),
        "consent": {"source": contact.consent_source, "purpose": contact.consent_purpose,
                    "at": contact.consent_at},
        "opted_out": bool(contact.opted_out), "opted_out_at": contact.opted_out_at,
        "wrong_number": bool(contact.wrong_number), "version": contact.version,
        "created_at": contact.created_at, "updated_at": contact.updated_at,
    }
    if reveal:
        view["phone"] = contact.phone
    return view


def contact_list_item(contact: store.ContactModel) -> dict[str, Any]:
    """Built from the index projection alone: the full phone is not even read."""
    return {
        "contact_id": contact.contact_id, "unit_id": contact.unit_id, "role": contact.role,
        "name_hi": contact.name_hi, "name_en": contact.name_en, "language": contact.language,
        "phone_masked": rules.mask_phone(contact.phone_last4), "opted_out": bool(contact.opted_out),
    }


def _contact_unit(unit_id: str, role: str) -> store.UnitModel:
    unit = store.get_unit(unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} does not exist", field="unit_id")
    if unit.district_id is None:
        raise ValidationError("contacts belong to a district or a unit below it", field="unit_id")
    rules.check_role(role, unit.level)
    return unit


def _names(data: dict[str, Any]) -> None:
    if not (data.get("name_hi") or data.get("name_en")):
        raise ValidationError("give the contact's name in Hindi or English", field="name_hi")


def _derived_contact_id(actor: str, key: str) -> str:
    """The id a create with this admin's Idempotency-Key makes: a repeat names the same contact."""
    digest = hashlib.sha256(f"contact#{actor}#{key}".encode()).digest()
    return "ct_" + base64.b32encode(digest).decode().lower()[:26]


def create_contact(actor: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    """Create a contact. With an Idempotency-Key the contact's id follows from the admin and the key
    and the whole body's hash is stored with it: the same body again answers the same contact, any
    other body (another phone included) is a 409 `idempotency_key_reused`."""
    if idempotency_key is not None and not _matches(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError("Idempotency-Key must be 8-64 letters, digits, '-' or '_'",
                              field="Idempotency-Key")
    data = validate(body, CONTACT_SPEC)
    _names(data)
    phone = rules.normalise_phone(data["phone"])
    unit = _contact_unit(data["unit_id"], data["role"])
    body_hash = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    now = clock.now_utc()
    consent = data["consent"]
    contact_id = _derived_contact_id(actor, idempotency_key) if idempotency_key else new_id("ct")
    fields = {
        "district_id": unit.district_id, "unit_id": unit.unit_id,
        "tree_key": f"{unit.path}{contact_id}", "district_role": f"{unit.district_id}#{data['role']}",
        "role": data["role"], "name_hi": data.get("name_hi") or "", "name_en": data.get("name_en") or "",
        "phone": phone, "phone_last4": phone[-4:], "language": data.get("language") or "hi",
        "consent_source": consent["source"], "consent_purpose": consent["purpose"],
        "consent_at": iso(consent.get("at") or now), "opted_out": False, "wrong_number": False,
        "created_at": iso(now), "updated_at": iso(now), "created_by": actor,
        "create_hash": body_hash if idempotency_key else None,
    }
    try:
        contact = store.create_contact(contact_id, fields, idempotency_key, body_hash if idempotency_key else None)
    except store.ContactExists as exists:
        existing = store.get_contact(contact_id)
        if existing is None:  # erased meanwhile: the key's contact is gone for good
            raise Conflict("this Idempotency-Key made a contact that has since been erased",
                           field="Idempotency-Key", code="idempotency_key_reused") from exists
        if existing.create_hash != body_hash:
            raise Conflict("this Idempotency-Key was used for a different contact",
                           field="Idempotency-Key", code="idempotency_key_reused") from exists
        return 201, contact_view(existing, reveal=True)
    # The creator typed this number: echoing it back normalised discloses nothing new.
    return 201, contact_view(contact, reveal=True)


def _matches(pattern: str, value: str) -> bool:
    import re

    return re.fullmatch(pattern, value) is not None


def require_contact(contact_id: str) -> store.ContactModel:
    contact = store.get_contact(contact_id) if _matches(CONTACT_ID, contact_id) else None
    if contact is None:
        raise NotFound("contact not found", field="contact_id")
    return contact


def read_contact(actor: str, contact_id: str, reveal: bool) -> dict[str, Any]:
    """A single contact; the full phone only when asked for, and that reveal is audited first."""
    if reveal and not (_matches(CONTACT_ID, contact_id)
                       and audit_store.audit_contact(contact_id, actor, "phone_revealed", iso(clock.now_utc()))):
        raise NotFound("contact not found", field="contact_id")
    contact = require_contact(contact_id)
    return contact_view(contact, reveal=reveal)


def update_contact(actor: str, contact_id: str, body: Any) -> dict[str, Any]:
    data = validate(body, PATCH_SPEC)
    current = require_contact(contact_id)
    version = data.pop("version")
    if version != current.version:
        raise Conflict("the contact was changed by someone else; reload it and try again",
                       field="version", code="stale_version")
    changes: dict[str, Any] = {}
    for name in ("name_hi", "name_en", "language"):
        if name in data:
            changes[name] = data[name] or ""
    merged_names = {"name_hi": changes.get("name_hi", current.name_hi),
                    "name_en": changes.get("name_en", current.name_en)}
    _names(merged_names)
    role = data.get("role", current.role)
    unit_id = data.get("unit_id", current.unit_id)
    if "role" in data or "unit_id" in data:
        unit = _contact_unit(unit_id, role)
        if unit.district_id != current.district_id:
            raise ValidationError("a contact can move only within its district", field="unit_id")
        changes.update(role=role, unit_id=unit.unit_id, tree_key=f"{unit.path}{contact_id}",
                       district_role=f"{unit.district_id}#{role}")
    if "consent" in data:
        consent = data["consent"]
        changes.update(consent_source=consent["source"], consent_purpose=consent["purpose"],
                       consent_at=iso(consent.get("at") or clock.now_utc()))
    new_phone = None
    if "phone" in data:
        phone = rules.normalise_phone(data["phone"])
        if phone != current.phone:
            new_phone = phone
            changes.update(phone=phone, phone_last4=phone[-4:], wrong_number=False)
    changes["updated_at"] = iso(clock.now_utc())
    updated = store.update_contact(current, version, changes, new_phone)
    if new_phone:
        audit_store.audit(f"contact#{contact_id}", actor, "phone_changed", changes["updated_at"])
    return contact_view(updated)


def opt_out(actor: str, contact_id: str) -> dict[str, Any]:
    require_contact(contact_id)
    contact = store.opt_out(contact_id, iso(clock.now_utc()), f"user:{actor}")
    return contact_view(contact)


def list_contacts(unit_id: str, role: str | None, page: PageRequest) -> dict[str, Any]:
    unit = require_unit(unit_id)
    if role is not None and role not in rules.ROLES:
        raise ValidationError(f"role must be one of: {', '.join(rules.ROLES)}", field="role")
    if unit.district_id is None:
        raise ValidationError("list contacts district by district", field="unit_id")
    result: Page[store.ContactModel] = store.contacts_in_subtree(unit.district_id, unit.path, role, page)
    return page_body([contact_list_item(c) for c in result.items], result.next_key)


def audit_call_history(actor: str, contact_id: str) -> None:
    """A read of a contact's call history (notes, answers) is audited as a reveal is, before it is read.
    No contact, no entry (an erased person's history is gone with them, and gets no new entry)."""
    if _matches(CONTACT_ID, contact_id):
        audit_store.audit_contact(contact_id, actor, "call_history_read", iso(clock.now_utc()))
