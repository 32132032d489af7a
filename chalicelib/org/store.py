"""Queries and writes of units, contacts and phone claims (the models are in org/models.py, the audit
log's in audit_store.py). The only module of this feature that touches DynamoDB; it speaks in the app's errors."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DeleteError, PutError, PynamoDBException, TransactWriteError, UpdateError

from ..core import db
from ..core.errors import Conflict, NotFound
from ..core.paging import Page, PageRequest
from . import rules

# shifts writes its agents' audit entries through this name
from .audit_store import audit as audit
from .models import LIST_FIELDS as LIST_FIELDS
from .models import NAME_KEYS as NAME_KEYS
from .models import ROOT as ROOT
from .models import AuditModel as AuditModel
from .models import ContactModel as ContactModel
from .models import PhoneClaimModel as PhoneClaimModel
from .models import UnitModel as UnitModel
from .models import claim_key as claim_key

# ---- units ---------------------------------------------------------------------------------


def get_unit(unit_id: str) -> UnitModel | None:
    try:
        return UnitModel.get(unit_id)
    except UnitModel.DoesNotExist:
        return None


def get_units(unit_ids: list[str]) -> dict[str, UnitModel]:
    """One BatchGetItem for up to 100 ids (a unit's ancestors are at most six)."""
    return {u.unit_id: u for u in UnitModel.batch_get(list(dict.fromkeys(unit_ids)))}


def put_unit(unit_id: str, fields: dict[str, Any], *, exists: bool) -> UnitModel:
    """Create, or rename in place: level, parent and path never change once a unit exists,
    and the write's condition holds that even against a racing writer."""
    unit = UnitModel(unit_id, **fields)
    if exists:
        condition = (UnitModel.level == unit.level) & (UnitModel.parent_key == unit.parent_key)
    else:
        condition = UnitModel.unit_id.does_not_exist()
    try:
        unit.save(condition=condition)
    except PutError as exc:
        if db.is_condition_failure(exc):
            raise Conflict("the unit changed meanwhile, or its level or parent differs", field="unit_id") from exc
        raise db.translate(exc) from exc
    return unit


def children(parent_key: str, page: PageRequest) -> Page[UnitModel]:
    result = UnitModel.by_parent.query(parent_key, limit=page.limit, page_size=page.limit,
                                       last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


CHILD_KEYS = ("unit_id", "parent_key", "child_sort")
TREE_KEYS = ("contact_id", "district_id", "tree_key")
ROLE_KEYS = ("contact_id", "district_role", "tree_key")


# ---- contacts ------------------------------------------------------------------------------


def get_contact(contact_id: str) -> ContactModel | None:
    try:
        return ContactModel.get(contact_id)
    except ContactModel.DoesNotExist:
        return None


def get_claim(district_id: str, phone: str) -> PhoneClaimModel | None:
    try:
        return PhoneClaimModel.get(claim_key(district_id, phone))
    except PhoneClaimModel.DoesNotExist:
        return None


def create_contact(contact_id: str, fields: dict[str, Any], create_key: str | None,
                   create_hash: str | None) -> ContactModel:
    """Put the contact and claim its phone in one transaction; the claim's condition is the
    uniqueness rule. A taken phone raises Conflict carrying the holder's id; a contact id that exists
    (a create repeated with its Idempotency-Key) raises ContactExists."""
    contact = ContactModel(contact_id, **fields)
    claim = PhoneClaimModel(claim_key(contact.district_id, contact.phone), contact_id=contact.contact_id,
                            create_key=create_key, create_hash=create_hash)
    try:
        with db.transaction() as tx:
            tx.save(contact, condition=ContactModel.contact_id.does_not_exist())
            tx.save(claim, condition=PhoneClaimModel.claim_key.does_not_exist())
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            raise ContactExists(contact.contact_id) from exc
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise PhoneTaken(get_claim(contact.district_id, contact.phone)) from exc
        raise db.translate(exc) from exc
    return contact


class ContactExists(Exception):
    """The contact id is taken: the same Idempotency-Key was used before."""


class PhoneTaken(Conflict):
    def __init__(self, claim: PhoneClaimModel | None) -> None:
        self.claim = claim
        holder = claim.contact_id if claim else None
        super().__init__("this phone number already belongs to a contact", field="phone",
                         code="duplicate_phone", details={"existing_contact_id": holder})


def name_actions(district_id: str, contact_id: str, name_hi: str, name_en: str) -> list[Any]:
    """The update actions that keep the name index right after a name changes (set, or removed when
    there is no name in that script). Imports use it too (imports/store.py)."""
    keys = rules.name_index_keys(district_id, contact_id, name_hi, name_en)
    return [getattr(ContactModel, name).set(value) if value is not None else getattr(ContactModel, name).remove()
            for name, value in keys.items()]


def update_contact(current: ContactModel, expected_version: int, changes: dict[str, Any],
                   new_phone: str | None) -> ContactModel:
    """Apply `changes` if the stored version is still `expected_version`. A phone change moves the
    phone claim in the same transaction; a name change moves the contact in the name index."""
    actions = [getattr(ContactModel, name).set(value) for name, value in changes.items()]
    if "name_hi" in changes or "name_en" in changes:
        actions += name_actions(current.district_id, current.contact_id, changes.get("name_hi", current.name_hi),
                                changes.get("name_en", current.name_en))
    actions.append(ContactModel.version.add(1))
    version_ok = ContactModel.version == expected_version
    try:
        if new_phone is None:
            ContactModel(current.contact_id).update(actions=actions, condition=version_ok)
        else:
            old_key = claim_key(current.district_id, current.phone)
            new_claim = PhoneClaimModel(claim_key(current.district_id, new_phone), contact_id=current.contact_id)
            with db.transaction() as tx:
                tx.update(ContactModel(current.contact_id), actions=actions, condition=version_ok)
                tx.delete(PhoneClaimModel(old_key), condition=PhoneClaimModel.contact_id == current.contact_id)
                tx.save(new_claim, condition=PhoneClaimModel.claim_key.does_not_exist())
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            raise _stale(current.contact_id) from exc
        raise db.translate(exc) from exc
    except TransactWriteError as exc:
        # PynamoDB sends deletes, then puts, then updates: [old claim, new claim, contact].
        codes = db.cancellation_codes(exc)
        if new_phone and len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise PhoneTaken(get_claim(current.district_id, new_phone)) from exc
        if "ConditionalCheckFailed" in codes:
            raise _stale(current.contact_id) from exc
        raise db.translate(exc) from exc
    updated = get_contact(current.contact_id)
    if updated is None:
        raise NotFound("contact not found", field="contact_id")
    return updated


def _stale(contact_id: str) -> Exception:
    if get_contact(contact_id) is None:
        return NotFound("contact not found", field="contact_id")
    return Conflict("the contact was changed by someone else; reload it and try again",
                    field="version", code="stale_version")


def opt_out_actions(at: str, source: str) -> list[Any]:
    """The update that opts a contact out; the first opt-out time and source are kept. Also used
    inside other writes' transactions (a do-not-call disposition)."""
    return [ContactModel.opted_out.set(True),
            ContactModel.opted_out_at.set(ContactModel.opted_out_at | at),
            ContactModel.opt_out_source.set(ContactModel.opt_out_source | source),
            ContactModel.updated_at.set(at), ContactModel.version.add(1)]


def wrong_number_actions(at: str) -> list[Any]:
    """The update that flags a contact's phone as a wrong number (a new phone clears it)."""
    return [ContactModel.wrong_number.set(True), ContactModel.updated_at.set(at), ContactModel.version.add(1)]


def opt_out(contact_id: str, at: str, source: str) -> ContactModel:
    """Idempotent: the first opt-out time and source are kept."""
    try:
        ContactModel(contact_id).update(actions=opt_out_actions(at, source), condition=ContactModel.contact_id.exists())
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            raise NotFound("contact not found", field="contact_id") from exc
        raise db.translate(exc) from exc
    contact = get_contact(contact_id)
    assert contact is not None
    return contact


def erase_contact(contact: ContactModel) -> None:
    """Remove the person and their phone claim together; the version guards a racing edit."""
    try:
        with db.transaction() as tx:
            tx.delete(ContactModel(contact.contact_id), condition=ContactModel.version == contact.version)
            tx.delete(PhoneClaimModel(claim_key(contact.district_id, contact.phone)),
                      condition=PhoneClaimModel.contact_id == contact.contact_id)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("the contact changed meanwhile; try again", field="contact_id") from exc
        raise db.translate(exc) from exc
    except DeleteError as exc:  # pragma: no cover - transactions raise TransactWriteError
        raise db.translate(exc) from exc


def contacts_in_subtree(district_id: str, path: str, role: str | None, page: PageRequest) -> Page[ContactModel]:
    if role:
        result = ContactModel.by_role.query(
            f"{district_id}#{role}", ContactModel.tree_key.startswith(path),
            limit=page.limit, page_size=page.limit, last_evaluated_key=page.start_key,
        )
    else:
        result = ContactModel.by_tree.query(
            district_id, ContactModel.tree_key.startswith(path),
            limit=page.limit, page_size=page.limit, last_evaluated_key=page.start_key,
        )
    items = list(result)
    return Page(items, result.last_evaluated_key)


DEVA_KEYS = ("contact_id", "name_deva_bucket", "name_deva_key")
LATN_KEYS = ("contact_id", "name_latn_bucket", "name_latn_key")


def contacts_by_name(district_id: str, script: str, prefix: str, page: PageRequest) -> Page[ContactModel]:
    """Contacts of a district whose name (in that script) begins with `prefix` (a name key), in name
    order: one Query of one partition (district#first letter) of the name index, one page."""
    index = ContactModel.by_name_deva if script == "deva" else ContactModel.by_name_latn
    sort_key = ContactModel.name_deva_key if script == "deva" else ContactModel.name_latn_key
    result = index.query(f"{district_id}#{prefix[0]}", sort_key.startswith(prefix), limit=page.limit,
                         page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def count_in_subtree(district_id: str, path: str, role: str | None, max_pages: int,
                     page_items: int | None = None) -> tuple[int, bool]:
    """How many contacts of a subtree have this role (any role: None): a Query with Select=COUNT on
    by_role (by_tree), which returns no items but still reads them, 1 MB per call. Stops after
    `max_pages` calls: (count so far, False) then. Returns (count, exact)."""
    index, hash_key = ("by_role", f"{district_id}#{role}") if role else ("by_tree", district_id)
    connection = ContactModel._get_connection()
    condition = ContactModel.tree_key.startswith(path)
    total, start = 0, None
    try:
        for _ in range(max_pages):
            answer = connection.query(hash_key, range_key_condition=condition, index_name=index, select="COUNT",
                                      exclusive_start_key=start, limit=page_items)
            total += int(answer.get("Count", 0))
            start = answer.get("LastEvaluatedKey")
            if not start:
                return total, True
    except PynamoDBException as exc:
        raise db.translate(exc) from exc
    return total, False
