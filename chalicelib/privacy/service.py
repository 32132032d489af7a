"""Erasure of a person across every feature: a workflow above the features it reaches (issue 17), so
none of them imports upward. Each feature deletes its own records through its own functions; this
module only orders them. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from typing import Any

from ..calls.service import erase_contact_history
from ..core import clock
from ..core.clock import iso
from ..core.errors import NotFound
from ..core.ids import new_id
from ..followup.service import forget_contact
from ..org import audit_store
from ..org import store as org_store
from ..org.rules import is_contact_id
from .files import withdraw_files_of


def erase_contact(actor: str, contact_id: str) -> dict[str, Any]:
    """Erase a person: follow-up's records of them (before their call targets, which lead to them),
    their call logs and targets, the contact and its phone claim, every stored file that holds them
    (withdrawn: after the contact is gone, see imports/holdings.py), and last the audit trail, moved
    to a name that no longer leads to them. A retry after a failure finishes what is left."""
    valid = is_contact_id(contact_id)
    contact = org_store.get_contact(contact_id) if valid else None
    erased: dict[str, int] = {}
    if contact is not None:
        forget_contact(contact_id, contact.district_id)
        erased = erase_contact_history(contact_id)
        org_store.erase_contact(contact)
    files = withdraw_files_of(contact_id) if valid else 0
    subject = f"erased#{new_id('er')[3:]}"
    moved = audit_store.move_audit(f"contact#{contact_id}", subject) if valid else 0
    if contact is None and not (files or moved):
        raise NotFound("contact not found", field="contact_id")
    detail = f"calls {erased.get('calls', 0)}, targets {erased.get('targets', 0)}, files {files}"
    audit_store.audit(subject, actor, "erased", iso(clock.now_utc()), detail=detail)
    return {"contact_id": contact_id, "erased": True, "files_withdrawn": files}
