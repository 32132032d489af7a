"""Which stored bulk files hold which person: the access pattern from a contact to the files that
erasure must withdraw. The only module that touches the `file_holdings` table.

One item per (contact, file): hash `contact_id`, range `file_ref` (`export#<id>` or `import#<id>`).
The bulk worker writes a part's items (BatchWriteItem, 25 a call) *before* it writes the part's file,
and then reads the contacts again (consistently) and leaves out whoever was erased meanwhile; erasure
deletes the contact, then Queries this table. Either the worker's items are there when erasure reads
(and the file is withdrawn), or the worker's second read finds the contact gone (and its row is not
written): no file can keep an erased person. Items expire with the files (the bucket's 30 days, and
a day more) by DynamoDB's TTL.
"""

from __future__ import annotations

import time

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.models import Model

from ..core import db

KEEP_SECONDS = 31 * 24 * 3600  # the bucket's lifecycle (infra/stack.py BULK_OBJECT_DAYS) and a day


@db.table("file_holdings")
class FileHoldingModel(Model):
    class Meta:
        table_name = "file_holdings"

    contact_id = UnicodeAttribute(hash_key=True)
    file_ref = UnicodeAttribute(range_key=True)  # export#<id> | import#<id>
    expires_at = NumberAttribute()  # epoch seconds: DynamoDB's TTL


def export_ref(export_id: str) -> str:
    return f"export#{export_id}"


def import_ref(import_id: str) -> str:
    return f"import#{import_id}"


def record(file_ref: str, contact_ids: list[str]) -> None:
    """The file holds these contacts. Idempotent: a redelivered part writes the same items again."""
    ids = list(dict.fromkeys(c for c in contact_ids if c))
    if not ids:
        return
    expires = int(time.time()) + KEEP_SECONDS
    try:
        with FileHoldingModel.batch_write() as batch:
            for contact_id in ids:
                batch.save(FileHoldingModel(contact_id, file_ref, expires_at=expires))
    except PynamoDBException as exc:
        raise db.translate(exc) from exc


def files_of(contact_id: str) -> list[str]:
    """Every file that holds the contact: one Query (a page holds about 20,000 refs)."""
    try:
        return [h.file_ref for h in FileHoldingModel.query(contact_id, consistent_read=True, page_size=1000)]
    except PynamoDBException as exc:
        raise db.translate(exc) from exc


def forget(contact_id: str, file_refs: list[str]) -> None:
    try:
        with FileHoldingModel.batch_write() as batch:
            for ref in file_refs:
                batch.delete(FileHoldingModel(contact_id, ref))
    except PynamoDBException as exc:
        raise db.translate(exc) from exc
