"""The import job item, and the bulk reads and writes of the chunk processor.

Writes go in TransactWriteItems of up to 100 items, each item with its own condition: a batch write
cannot carry conditions, a transaction can, and it costs one call. A transaction cancelled because
some items' conditions failed names them (CancellationReasons, one per item, in request order; every
transaction here holds one kind of action, so PynamoDB keeps the order we add them in): those
operations are reported back and the rest is sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..core import db
from ..org.store import ContactModel, PhoneClaimModel, UnitModel, claim_key

MAX_ITEMS = 100
T = TypeVar("T")


class ImportsByKind(GlobalSecondaryIndex["ImportModel"]):
    """Earlier imports of one kind, newest first (imports/history.py). Both keys are on every import
    item ever written, so the index holds the older ones too."""

    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


@db.table("imports")
class ImportModel(Model):
    class Meta:
        table_name = "imports"

    import_id = UnicodeAttribute(hash_key=True)  # derived from the admin and the Idempotency-Key
    kind = UnicodeAttribute()  # contacts | units | dnc
    district_id = UnicodeAttribute(null=True)  # dnc lists: the district whose contacts opt out
    filename = UnicodeAttribute()
    declared_size = NumberAttribute()
    consent_purpose = UnicodeAttribute(null=True)
    request_hash = UnicodeAttribute()
    upload_key = UnicodeAttribute()
    status = UnicodeAttribute()  # awaiting_upload -> processing -> done | failed; any -> withdrawn
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)  # the stamp of every row this import writes
    finished_at = UnicodeAttribute(null=True)
    encoding = UnicodeAttribute(null=True)
    delimiter = UnicodeAttribute(null=True)
    ignored_columns = JSONAttribute(null=True)
    rows_total = NumberAttribute(default=0)
    rows_done = NumberAttribute(default=0)
    created = NumberAttribute(default=0)
    updated = NumberAttribute(default=0)
    unchanged = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    chunks_total = NumberAttribute(default=0)
    next_seq = NumberAttribute(default=0)  # the chunk to process next: the checkpoint
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    report_key = UnicodeAttribute(null=True)
    withdrawn_at = UnicodeAttribute(null=True)  # a person its files held was erased: the files are gone
    by_kind = ImportsByKind()


class AlreadyExists(Exception):
    pass


def create_import(import_id: str, fields: dict[str, Any]) -> ImportModel:
    """The new job's item, on condition that its id is new: AlreadyExists when it is not (a repeat)."""
    item = ImportModel(import_id, **fields)
    try:
        item.save(condition=ImportModel.import_id.does_not_exist())
    except PutError as exc:
        if db.is_condition_failure(exc):
            raise AlreadyExists from exc
        raise db.translate(exc) from exc
    return item


def get_import(import_id: str) -> ImportModel | None:
    try:
        return ImportModel.get(import_id, consistent_read=True)
    except ImportModel.DoesNotExist:
        return None


def imports_of_kind(kind: str, start: dict[str, Any] | None, limit: int) -> tuple[list[ImportModel], bool]:
    """One Query of by_kind, newest first: up to `limit` imports after `start`, and whether more follow."""
    result = ImportModel.by_kind.query(kind, scan_index_forward=False, limit=limit, page_size=limit,
                                       last_evaluated_key=start)
    items = list(result)
    return items, result.last_evaluated_key is not None


def _update(import_id: str, actions: list[Any], condition: Any) -> bool:
    """True if the condition held and the update was applied."""
    try:
        ImportModel(import_id).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def mark_processing(import_id: str, fields: dict[str, Any]) -> bool:
    """awaiting_upload -> processing, once: a second delivery of the upload event finds it taken."""
    actions = [getattr(ImportModel, name).set(value) for name, value in fields.items()]
    actions += [ImportModel.status.set("processing"), ImportModel.next_seq.set(0)]
    return _update(import_id, actions, ImportModel.status == "awaiting_upload")


def mark_failed(import_id: str, code: str, message: str, at: str) -> bool:
    actions = [ImportModel.status.set("failed"), ImportModel.error_code.set(code),
               ImportModel.error_message.set(message[:1000]), ImportModel.finished_at.set(at),
               ImportModel.updated_at.set(at)]
    return _update(import_id, actions, ImportModel.status.is_in("awaiting_upload", "processing"))


def checkpoint(import_id: str, seq: int, rows: int, counts: dict[str, int], at: str) -> bool:
    """Chunk `seq` is done: move on to the next, adding its counts. The condition `next_seq = seq`
    makes a redelivered chunk's second checkpoint fail instead of counting twice."""
    actions = [ImportModel.next_seq.set(seq + 1), ImportModel.rows_done.add(rows), ImportModel.updated_at.set(at)]
    actions += [getattr(ImportModel, name).add(value) for name, value in counts.items() if value]
    return _update(import_id, actions, (ImportModel.next_seq == seq) & (ImportModel.status == "processing"))


def mark_done(import_id: str, report_key: str, at: str) -> bool:
    actions = [ImportModel.status.set("done"), ImportModel.report_key.set(report_key),
               ImportModel.finished_at.set(at), ImportModel.updated_at.set(at)]
    return _update(import_id, actions, ImportModel.status == "processing")


def mark_withdrawn(import_id: str, at: str) -> bool:
    """The import's files (upload, rejected rows, error report) are withdrawn for good; a chunk still
    running finds its checkpoint refused."""
    actions = [ImportModel.status.set("withdrawn"), ImportModel.withdrawn_at.set(at), ImportModel.updated_at.set(at),
               ImportModel.report_key.remove()]
    return _update(import_id, actions, ImportModel.import_id.exists())


# ---- what a chunk reads --------------------------------------------------------------------


def claims(district_id: str, phones: Sequence[str]) -> dict[str, PhoneClaimModel]:
    """The phone claims of these phones in one district: one BatchGetItem per 100 phones."""
    wanted = list(dict.fromkeys(claim_key(district_id, p) for p in phones))
    found = {c.claim_key: c for c in PhoneClaimModel.batch_get(wanted, consistent_read=True)}
    return {p: found[claim_key(district_id, p)] for p in phones if claim_key(district_id, p) in found}


def contacts(contact_ids: Sequence[str]) -> dict[str, ContactModel]:
    ids = list(dict.fromkeys(contact_ids))
    return {c.contact_id: c for c in ContactModel.batch_get(ids, consistent_read=True)} if ids else {}


def units(unit_ids: Sequence[str]) -> dict[str, UnitModel]:
    ids = list(dict.fromkeys(unit_ids))
    return {u.unit_id: u for u in UnitModel.batch_get(ids, consistent_read=True)} if ids else {}


# ---- what a chunk writes -------------------------------------------------------------------


def create_contacts(news: Sequence[tuple[str, dict[str, Any], str]], create_key: str) -> set[int]:
    """Put each new contact (id, attributes, the row's hash) with its phone claim (marked with the
    import's `create_key` and the row's hash), the claim conditioned on the phone being free.
    Returns the indexes of the contacts whose phone was taken meanwhile (nothing of them written).
    The contact's own put needs no condition: its id is new (derived from the import and the line,
    so known to no other writer), and the claim's condition decides for the pair."""
    pairs = [(ContactModel(contact_id, **fields),
              PhoneClaimModel(claim_key(str(fields["district_id"]), fields["phone"]), contact_id=contact_id,
                              create_key=create_key, create_hash=create_hash))
             for contact_id, fields, create_hash in news]

    def add(tx: TransactWrite, pair: tuple[ContactModel, PhoneClaimModel]) -> None:
        contact, claim = pair
        tx.save(contact)
        tx.save(claim, condition=PhoneClaimModel.claim_key.does_not_exist())

    return _transact(pairs, 2, add)


def update_contacts(changes: Sequence[tuple[str, int, dict[str, Any]]]) -> set[int]:
    """Apply each (contact id, expected version, attribute values) if the version still holds.
    Returns the indexes of contacts changed (or erased) meanwhile."""

    def add(tx: TransactWrite, change: tuple[str, int, dict[str, Any]]) -> None:
        contact_id, version, values = change
        actions: list[Action] = [getattr(ContactModel, name).set(value) if value is not None
                                 else getattr(ContactModel, name).remove() for name, value in values.items()]
        actions.append(ContactModel.version.add(1))
        tx.update(ContactModel(contact_id), actions=actions, condition=ContactModel.version == version)

    return _transact(changes, 1, add)


def opt_out_contacts(contact_ids: Sequence[str], at: str, source: str) -> set[int]:
    """Opt these contacts out (as org's opt-out does: the first time and source are kept)."""

    def add(tx: TransactWrite, contact_id: str) -> None:
        actions: list[Action] = [ContactModel.opted_out.set(True),
                   ContactModel.opted_out_at.set(ContactModel.opted_out_at | at),
                   ContactModel.opt_out_source.set(ContactModel.opt_out_source | source),
                   ContactModel.updated_at.set(at), ContactModel.version.add(1)]
        tx.update(ContactModel(contact_id), actions=actions, condition=ContactModel.contact_id.exists())

    return _transact(contact_ids, 1, add)


def new_unit(unit_id: str, fields: dict[str, Any]) -> UnitModel:
    """A unit's item as a chunk will write it (put_units); a later row of the chunk may hang under it."""
    return UnitModel(unit_id, **fields)


def put_units(puts: Sequence[tuple[UnitModel, bool]]) -> set[int]:
    """Create units (absent) or rename them (level and parent unchanged), as org's put_unit does.
    Returns the indexes whose condition failed."""

    def add(tx: TransactWrite, put: tuple[UnitModel, bool]) -> None:
        unit, exists = put
        if exists:
            condition = (UnitModel.level == unit.level) & (UnitModel.parent_key == unit.parent_key)
        else:
            condition = UnitModel.unit_id.does_not_exist()
        tx.save(unit, condition=condition)

    return _transact(puts, 1, add)


_RETRY = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


def _transact(ops: Sequence[T], per_op: int, add: Callable[[TransactWrite, T], None]) -> set[int]:
    failed: set[int] = set()
    size = MAX_ITEMS // per_op
    for start in range(0, len(ops), size):
        pending = list(range(start, min(start + size, len(ops))))
        attempt = 0
        while pending:
            try:
                with db.transaction() as tx:
                    for index in pending:
                        add(tx, ops[index])
                break
            except TransactWriteError as exc:
                codes = db.cancellation_codes(exc)
                if len(codes) == len(pending) * per_op and "ConditionalCheckFailed" in codes:
                    bad = {pending[i // per_op] for i, code in enumerate(codes) if code == "ConditionalCheckFailed"}
                    failed |= bad
                    pending = [i for i in pending if i not in bad]
                    continue
                attempt += 1
                retryable = bool(_RETRY & set(filter(None, codes))) or db.error_code(exc) in db.THROTTLED
                if attempt > 4 or not retryable:
                    raise db.translate(exc) from exc
                time.sleep(0.05 * 2 ** attempt)
    return failed
