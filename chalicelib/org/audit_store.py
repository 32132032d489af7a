"""Writes and reads of the audit log: who saw or changed whose personal data, and when (org/models.py's
AuditModel). Holds ids, never the data itself."""

from __future__ import annotations

from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError

from ..core import db
from ..core.ids import new_id
from ..core.paging import Page, PageRequest
from .models import AuditModel, ContactModel


def audit(subject: str, actor: str, action: str, at: str, detail: str | None = None) -> None:
    entry = AuditModel(subject, f"{at}#{new_id('a')[-8:]}", actor=actor, action=action, detail=detail)
    try:
        entry.save(condition=AuditModel.subject.does_not_exist())
    except PutError as exc:
        raise db.translate(exc) from exc


def audit_contact(contact_id: str, actor: str, action: str, at: str, detail: str | None = None) -> bool:
    """An audit entry about a contact, written only while the contact exists (one transaction with a
    condition check): False if it does not, so an erased person never gets a new entry."""
    entry = AuditModel(f"contact#{contact_id}", f"{at}#{new_id('a')[-8:]}", actor=actor, action=action,
                       detail=detail)
    try:
        with db.transaction() as tx:
            tx.condition_check(ContactModel, contact_id, condition=ContactModel.contact_id.exists())
            tx.save(entry, condition=AuditModel.subject.does_not_exist())
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            return False
        raise db.translate(exc) from exc
    return True


AUDIT_KEYS = ("subject", "at_id")
ACTOR_KEYS = ("subject", "at_id", "actor")


def audit_trail(subject: str, page: PageRequest) -> Page[AuditModel]:
    """One subject's entries, newest first."""
    result = AuditModel.query(subject, scan_index_forward=False, limit=page.limit, page_size=page.limit,
                              last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def audit_of_actor(actor: str, low: str, high: str, page: PageRequest) -> Page[AuditModel]:
    """One person's entries with low <= at_id <= high (at_id is `time#random`, so a bare time `high`
    ends just before that instant), newest first: a Query of the by_actor index."""
    result = AuditModel.by_actor.query(actor, AuditModel.at_id.between(low, high), scan_index_forward=False,
                                       limit=page.limit, page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def move_audit(subject: str, new_subject: str) -> int:
    """Every entry of `subject` moved to `new_subject` (same time, actor, action, detail): erasure
    keeps who saw what, under a name that no longer leads to the person. Safe to run again."""
    moved = 0
    while True:
        entries = list(AuditModel.query(subject, consistent_read=True, limit=100, page_size=100))
        if not entries:
            return moved
        try:
            with AuditModel.batch_write() as batch:
                for e in entries:
                    batch.save(AuditModel(new_subject, e.at_id, actor=e.actor, action=e.action, detail=e.detail))
            with AuditModel.batch_write() as batch:
                for e in entries:
                    batch.delete(AuditModel(subject, e.at_id))
        except PynamoDBException as exc:
            raise db.translate(exc) from exc
        moved += len(entries)
