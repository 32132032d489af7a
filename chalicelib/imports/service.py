"""Use cases of imports: create the job and its upload link, prepare the uploaded file, process it
chunk by chunk, report. No Chalice, boto3 or PynamoDB here (store.py and blobs.py hold those).

The flow (docs/imports.md tells the why of each step):
1. `POST /imports` creates the job (idempotent on the admin's Idempotency-Key) and a presigned PUT.
2. The upload's S3 event calls `prepare`: one pass over the whole file (bounded by the size limit)
   that checks the encoding and the header, counts the rows, cuts the file into chunks of 500 rows
   by byte range, and finds the rows that repeat an earlier row's phone (or unit id). That goes to a
   manifest in S3; the job moves to `processing`, and chunk 0 is queued.
3. The bulk worker calls `process_chunk` once per SQS message: it reads its byte range, looks up the
   chunk's phone claims (BatchGetItem, 100 per call), writes creates and updates in transactions of
   up to 100 items, stores the rejected rows, checkpoints with a conditional update (`next_seq = seq`),
   then queues the next chunk. The last one writes the error report and marks the job done.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..core.clock import iso, now_utc, parse_iso
from ..core.errors import Conflict, NotFound, PayloadTooLarge, ValidationError
from ..core.observability import count, logger
from ..core.settings import get_settings
from ..core.validate import Field, validate
from ..org.rules import mask_phone, name_index_keys, normalise_phone
from ..org.store import ContactModel, PhoneClaimModel, UnitModel, claim_key
from . import blobs, csvio, holdings, rules, store

IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
CREATE_SPEC = {
    "kind": Field("str", required=True, choices=rules.KINDS),
    "filename": Field("str", required=True, max_len=200),
    "size": Field("int", required=True, minimum=1),
    "district_id": Field("str", max_len=64, pattern=r"[a-z0-9][a-z0-9-]{0,63}"),
    "consent_purpose": Field("str", max_len=200),
}
DEFAULT_PURPOSE = "party outreach (imported list)"
REPORT_HEADER = ["line", "column", "value", "reason"]
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


# ---- the job -------------------------------------------------------------------------------


def _import_id(actor: str, idempotency_key: str) -> str:
    digest = int.from_bytes(hashlib.sha256(f"{actor}#{idempotency_key}".encode()).digest()[:17], "big")
    return "im_" + _b32(digest, 26)


def _b32(value: int, length: int) -> str:
    return "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(length)))


def create_import(actor: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    import re

    if not idempotency_key or not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError("send an Idempotency-Key header of 8-64 letters, digits, '-' or '_'",
                              field="Idempotency-Key")
    data = validate(body, CREATE_SPEC)
    limit = get_settings().import_max_bytes
    if data["size"] > limit:
        raise PayloadTooLarge(f"the file is {_mb(data['size'])}; the largest file an import takes is {_mb(limit)}: "
                              "split it into several files", field="size")
    if data["kind"] == "dnc":
        district = data.get("district_id")
        unit = store.units([district]).get(district) if district else None
        if unit is None or unit.level != "district":
            raise ValidationError("a do-not-call list names the district_id whose contacts it opts out",
                                  field="district_id")
    elif data.get("district_id"):
        raise ValidationError("district_id is for do-not-call lists only: contacts and units carry their own",
                              field="district_id")
    request_hash = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    import_id = _import_id(actor, idempotency_key)
    now = iso(now_utc())
    item = store.ImportModel(
        import_id, kind=data["kind"], district_id=data.get("district_id"), filename=data["filename"],
        declared_size=data["size"], consent_purpose=data.get("consent_purpose") or DEFAULT_PURPOSE,
        request_hash=request_hash, upload_key=f"uploads/{import_id}", status="awaiting_upload",
        created_by=actor, created_at=now, updated_at=now,
    )
    status = 201
    try:
        store.create_import(item)
    except store.AlreadyExists:
        existing = store.get_import(import_id)
        if existing is None or existing.request_hash != request_hash:
            raise Conflict("this Idempotency-Key was used for a different import", field="Idempotency-Key",
                           code="idempotency_key_reused") from None
        item, status = existing, 200
    view = import_view(item)
    if item.status == "awaiting_upload":
        view["upload"] = {"method": "PUT", "url": blobs.upload_url(item.upload_key), "expires_in": blobs.LINK_SECONDS}
    return status, view


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def import_view(item: store.ImportModel) -> dict[str, Any]:
    view: dict[str, Any] = {
        "import_id": item.import_id, "kind": item.kind, "filename": item.filename, "status": item.status,
        "district_id": item.district_id, "rows_total": int(item.rows_total), "rows_done": int(item.rows_done),
        "counts": {"created": int(item.created), "updated": int(item.updated), "unchanged": int(item.unchanged),
                   "rejected": int(item.rejected)},
        "encoding": item.encoding, "ignored_columns": item.ignored_columns or [],
        "error": {"code": item.error_code, "message": item.error_message} if item.error_code else None,
        "created_by": item.created_by, "created_at": item.created_at, "finished_at": item.finished_at,
        "report_url": None,
    }
    if item.status == "done" and item.report_key:
        view["report_url"] = blobs.download_url(item.report_key, f"{item.import_id}-errors.csv")
    return view


def get_import(import_id: str) -> dict[str, Any]:
    item = store.get_import(import_id) if len(import_id) <= 40 else None
    if item is None:
        raise NotFound("import not found", field="import_id")
    if item.status == "withdrawn":
        raise blobs.Withdrawn("this import's files were withdrawn: a person in them was erased",
                              field="import_id")
    return import_view(item)


def list_imports(params: dict[str, str], limit: int) -> dict[str, Any]:
    """Earlier imports, newest first, each with its counts and its error report's link when it has one
    (a withdrawn import is listed without). One Query of the by_kind index per kind asked."""
    from . import history

    open_kinds = history.open_kinds_for(params, rules.KINDS, r"im_[0-9a-z]{26}")
    items, cursor = history.newest_first(
        open_kinds, limit,
        lambda kind, at, n: store.imports_of_kind(kind, history.start_key(kind, at, "import_id"), n),
        lambda item: str(item.import_id))
    return {"items": [import_view(i) for i in items], "next_cursor": cursor}


# ---- 2. prepare: the upload's event ----------------------------------------------------------


def uploaded(key: str) -> None:
    """The S3 event of an upload. Safe to deliver twice: only the first moves the job on."""
    import_id = key.rsplit("/", 1)[-1]
    item = store.get_import(import_id) if key.startswith("uploads/") else None
    if item is None:
        logger.warning("an upload names no import; ignored", extra={"key": key[:100]})
        return
    if item.status == "processing":
        _advance(item, int(item.next_seq))  # a repeated event: make sure the next chunk is on its way
        return
    if item.status != "awaiting_upload":
        return
    now = iso(now_utc())
    try:
        fields = _prepare(item)
    except csvio.FileProblem as problem:
        store.mark_failed(import_id, problem.code, problem.message, now)
        count("ImportsRefused")
        return
    fields["started_at"] = now
    if store.mark_processing(import_id, fields):
        fresh = store.get_import(import_id)
        assert fresh is not None
        _advance(fresh, 0)


def _prepare(item: store.ImportModel) -> dict[str, Any]:
    limit = get_settings().import_max_bytes
    size = blobs.size_of(item.upload_key)
    if size is None:
        raise csvio.FileProblem("no_file", "the upload is not in storage")
    if size > limit:
        blobs.delete(item.upload_key)
        raise csvio.FileProblem("too_large", f"the file is {_mb(size)}; the largest file an import takes is "
                                             f"{_mb(limit)}: split it into several files")
    data = blobs.read(item.upload_key)
    encoding = csvio.detect_encoding(data[:4096])
    text = csvio.decode(data, encoding)
    first = text.split("\n", 1)[0]
    delimiter = csvio.sniff_delimiter(first, rules.known_headers(item.kind), rules.key)
    columns: rules.Columns | None = None
    chunks: list[list[int]] = []
    dups: dict[str, int] = {}
    seen: dict[str, int] = {}
    rows = 0
    for record in csvio.records(text, encoding, delimiter=delimiter, base_offset=encoding.bom):
        if record.blank:
            continue
        if columns is None:
            columns = rules.map_header(item.kind, record.cells)
            continue
        identity = rules.identity(item.kind, rules.row_values(columns, record.cells))
        if identity is not None:
            if identity in seen:
                dups[str(record.line)] = seen[identity]
            else:
                seen[identity] = record.line
        if rows % rules.ROWS_PER_CHUNK == 0:
            chunks.append([record.start, record.end, record.line, 0])
        chunks[-1][1], chunks[-1][3] = record.end, chunks[-1][3] + 1
        rows += 1
    if columns is None:
        raise csvio.FileProblem("no_header", "the file has no header row")
    manifest = {"fields": columns.fields, "headers": columns.headers, "chunks": chunks, "dups": dups}
    blobs.write_json(f"imports/{item.import_id}/manifest.json", manifest)
    return {"encoding": encoding.codec + ("-bom" if encoding.bom else ""), "delimiter": delimiter,
            "ignored_columns": columns.ignored, "rows_total": rows, "chunks_total": len(chunks)}


def _advance(item: store.ImportModel, next_seq: int) -> None:
    """Queue chunk `next_seq`, or finish when there is none left."""
    if next_seq < int(item.chunks_total):
        blobs.enqueue({"import_id": item.import_id, "seq": next_seq})
        return
    parts = blobs.keys(f"imports/{item.import_id}/rejects/")
    report_key = f"reports/{item.import_id}.csv"
    blobs.concatenate(report_key, csvio.csv_bytes([REPORT_HEADER]), parts)
    if store.mark_done(item.import_id, report_key, iso(now_utc())):
        blobs.delete_all([item.upload_key])  # the upload holds every row's person: not kept once read
        count("ImportsDone")
        logger.info("import done", extra={"import_id": item.import_id, "rows": int(item.rows_total)})
    else:
        _clean_if_withdrawn(item.import_id)


def _clean_if_withdrawn(import_id: str) -> None:
    """A file written after erasure withdrew the import's files is deleted too."""
    item = store.get_import(import_id)
    if item is not None and item.status == "withdrawn":
        blobs.delete_all(files_of(import_id))


def files_of(import_id: str) -> list[str]:
    """The key prefixes of every file an import stores: the upload, its chunks' rejects, the report."""
    return [f"uploads/{import_id}", f"imports/{import_id}/", f"reports/{import_id}.csv"]


# ---- 3. a chunk ------------------------------------------------------------------------------


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    rejects: list[list[Any]] = field(default_factory=list)

    def reject(self, line: int, column: str, value: str, reason: str) -> None:
        self.counts["rejected"] += 1
        self.rejects.append([line, column, value, reason])


@dataclass
class Chunk:
    item: store.ImportModel
    columns: rules.Columns
    stamp: str  # created_at / updated_at of every row this import writes: how a retry knows its own work
    outcome: Outcome = field(default_factory=Outcome)

    @property
    def source(self) -> str:
        return f"import:{self.item.import_id}"

    named: dict[str, list[list[Any]]] = field(default_factory=dict)  # contact -> the report's rows about them

    def reject(self, line: int, fld: str, value: str, reason: str, *, contact_id: str | None = None) -> None:
        """A row left out, with why. A phone that is a valid number is shown masked (the line says which
        row): the report does not spread numbers. A row about a known contact is recorded as held by the
        report, so that erasing them withdraws it."""
        if fld == "phone" and value:
            value = _masked(value)
        self.outcome.reject(line, self.columns.header_of(fld), value, reason)
        if contact_id:
            self.named.setdefault(contact_id, []).append(self.outcome.rejects[-1])

    def record_named(self) -> None:
        """Record the report's rows about known contacts as held (before the rows are written), then
        read those contacts again: one erased meanwhile keeps no holding, and their rows no value."""
        if not self.named:
            return
        ref = holdings.import_ref(self.item.import_id)
        holdings.record(ref, list(self.named))
        alive = store.contacts(list(self.named))
        for contact_id in [c for c in self.named if c not in alive]:
            holdings.forget(contact_id, [ref])
            for row in self.named[contact_id]:
                row[2] = ""


def _readable(parse: Any, value: str) -> str | None:
    """The value as `parse` reads it, or None when it cannot."""
    try:
        return str(parse(value)) if value else None
    except rules.RowError:
        return None


def _masked(value: str) -> str:
    try:
        return mask_phone(normalise_phone(value))
    except ValidationError:
        return value  # not a phone number: the admin needs to see what was typed


def process_chunk(import_id: str, seq: int) -> None:
    item = store.get_import(import_id)
    if item is None or item.status != "processing":
        return
    if int(item.next_seq) != seq:
        if int(item.next_seq) == seq + 1:  # a redelivery after the checkpoint: the next send may have failed
            _advance(item, seq + 1)
        return
    manifest = blobs.read_json(f"imports/{import_id}/manifest.json")
    start, end, first_line, rows = manifest["chunks"][seq]
    codec, _, _ = (item.encoding or "utf-8").partition("-bom")
    text = blobs.read(item.upload_key, start, end).decode(codec)
    encoding = csvio.Encoding(codec, 0)
    columns = rules.Columns(manifest["fields"], manifest["headers"], [])
    chunk = Chunk(item, columns, item.started_at or item.created_at)
    dups: dict[str, int] = manifest["dups"]
    parsed: list[tuple[int, dict[str, str]]] = []
    for record in csvio.records(text, encoding, delimiter=item.delimiter or ",", base_offset=start,
                                first_line=first_line):
        if record.blank:
            continue
        values = rules.row_values(columns, record.cells)
        if str(record.line) in dups:
            fld = "unit_id" if item.kind == "units" else "phone"
            chunk.reject(record.line, fld, values.get(fld, ""),
                         f"repeats line {dups[str(record.line)]}: the first row wins, this one is not imported")
            continue
        parsed.append((record.line, values))
    {"contacts": _contacts, "units": _units, "dnc": _dnc}[item.kind](chunk, parsed)
    outcome = chunk.outcome
    outcome.rejects.sort(key=lambda r: int(r[0]))  # the report lists rows in file order
    chunk.record_named()  # before the file that lists them
    blobs.write(f"imports/{import_id}/rejects/{seq:06d}.csv", csvio.csv_bytes(outcome.rejects, bom=False))
    counts = {k: outcome.counts[k] for k in ("created", "updated", "unchanged", "rejected")}
    if sum(counts.values()) != rows:
        logger.warning("a chunk's outcome does not add up", extra={"import_id": import_id, "seq": seq})
    if store.checkpoint(import_id, seq, rows, counts, iso(now_utc())):
        item.next_seq = seq + 1
        _advance(item, seq + 1)
    else:
        _clean_if_withdrawn(import_id)


# ---- contacts ------------------------------------------------------------------------------


def contact_id_for(item: store.ImportModel, line: int) -> str:
    """The id of the contact a row creates, the same on every retry of its chunk (so a retry finds
    its own claim and writes nothing twice): the import's start time and a hash of (import, line)."""
    millis = int(parse_iso(item.started_at or item.created_at).timestamp() * 1000)
    digest = int.from_bytes(hashlib.sha256(f"{item.import_id}:{line}".encode()).digest()[:10], "big")
    return f"ct_{_b32(millis, 10)}{_b32(digest, 16)}"


def _contacts(chunk: Chunk, parsed: list[tuple[int, dict[str, str]]]) -> None:
    rows: list[tuple[rules.ContactRow, UnitModel]] = []
    # refused rows whose phone and unit can be read: the report's row may be about an existing contact
    early: list[tuple[int, rules.RowError, str, str]] = []
    about: list[tuple[int, rules.RowError, str, UnitModel]] = []
    valid: list[rules.ContactRow] = []
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
    units = store.units([r.unit_id for r in valid] + [uid for *_, uid in early])
    for line, parse_error, number, uid in early:
        unit = units.get(uid)
        if unit is not None and unit.district_id:
            about.append((line, parse_error, number, unit))
        else:
            chunk.reject(line, parse_error.field, parse_error.value, parse_error.reason)
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
    claims: dict[tuple[str, str], PhoneClaimModel] = {}
    looked_up = [(r.phone, u) for r, u in rows] + [(number, u) for _, _, number, u in about]
    for district in {u.district_id for _, u in looked_up if u.district_id}:
        found = store.claims(district, [p for p, u in looked_up if u.district_id == district])
        claims.update({(district, phone): claim for phone, claim in found.items()})
    for line, refusal, number, unit in about:  # a row about a contact: erasing them withdraws the report
        known = claims.get((str(unit.district_id), number))
        chunk.reject(line, refusal.field, refusal.value, refusal.reason, contact_id=known.contact_id if known else None)
    holders = store.contacts([c.contact_id for c in claims.values()])
    creates: list[tuple[rules.ContactRow, UnitModel, ContactModel]] = []
    updates: list[tuple[rules.ContactRow, ContactModel, dict[str, Any]]] = []
    for row, unit in rows:
        claim = claims.get((str(unit.district_id), row.phone))
        if claim is None:
            if not (row.name_hi or row.name_en):
                chunk.reject(row.line, "name_hi", "", "the name is missing (a new contact needs one)")
                continue
            creates.append((row, unit, _new_contact(chunk, row, unit)))
            continue
        holder = holders.get(claim.contact_id)
        if holder is None:
            chunk.reject(row.line, "phone", row.phone, "this phone is held by a contact being erased; try again later")
            continue
        _plan_update(chunk, row, unit, holder, updates)
    failed = store.create_contacts([(c, PhoneClaimModel(claim_key(str(c.district_id), c.phone), contact_id=c.contact_id,
                                                        create_key=chunk.source, create_hash=str(r.line)))
                                    for r, _, c in creates])
    for index, (row, unit, _contact) in enumerate(creates):
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
    _write_updates(chunk, updates)


def _new_contact(chunk: Chunk, row: rules.ContactRow, unit: UnitModel) -> ContactModel:
    contact_id = contact_id_for(chunk.item, row.line)
    return ContactModel(
        contact_id, district_id=unit.district_id, unit_id=unit.unit_id, tree_key=f"{unit.path}{contact_id}",
        district_role=f"{unit.district_id}#{row.role}", role=row.role, name_hi=row.name_hi, name_en=row.name_en,
        phone=row.phone, phone_last4=row.phone[-4:], language=row.language or "hi", consent_source="import",
        consent_purpose=chunk.item.consent_purpose or DEFAULT_PURPOSE, consent_at=chunk.stamp, opted_out=False,
        wrong_number=False, created_at=chunk.stamp, updated_at=chunk.stamp, created_by=chunk.item.created_by,
        version=1,
    )


def contact_changes(row: rules.ContactRow, unit: UnitModel, contact: ContactModel) -> dict[str, Any]:
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


def _plan_update(chunk: Chunk, row: rules.ContactRow, unit: UnitModel, holder: ContactModel,
                 updates: list[tuple[rules.ContactRow, ContactModel, dict[str, Any]]]) -> None:
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


def _write_updates(chunk: Chunk, updates: list[tuple[rules.ContactRow, ContactModel, dict[str, Any]]]) -> None:
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


# ---- units ---------------------------------------------------------------------------------


def _units(chunk: Chunk, parsed: list[tuple[int, dict[str, str]]]) -> None:
    valid: list[rules.UnitRow] = []
    for line, values in parsed:
        try:
            valid.append(rules.unit_row(line, values))
        except rules.RowError as err:
            chunk.reject(line, err.field, err.value, err.reason)
    known = store.units([r.unit_id for r in valid] + [r.parent_id for r in valid if r.parent_id])
    puts: list[tuple[rules.UnitRow, UnitModel, bool]] = []
    for row in valid:
        existing = known.get(row.unit_id)
        parent = known.get(row.parent_id) if row.parent_id else None
        try:
            if row.parent_id and parent is None:
                raise rules.RowError("parent_id", row.parent_id, f"parent unit {row.parent_id} does not exist "
                                     "(a parent must exist already or come on an earlier row)")
            rules.check_parent(row, parent.level if parent else None)
            if existing and (existing.level != row.level or existing.parent_id != row.parent_id):
                raise rules.RowError("parent_id", row.parent_id or "", "a unit's level and parent cannot change "
                                     f"(it is a {existing.level} under {existing.parent_id or 'nothing'})")
        except rules.RowError as err:
            chunk.reject(row.line, err.field, err.value, err.reason)
            continue
        if existing and existing.name_hi == row.name_hi and existing.name_en == row.name_en:
            outcome = ("created" if existing.created_at == chunk.stamp else
                       "updated" if existing.updated_at == chunk.stamp else "unchanged")
            chunk.outcome.counts[outcome] += 1
            continue
        unit = UnitModel(
            row.unit_id, level=row.level, name_hi=row.name_hi, name_en=row.name_en, parent_id=row.parent_id,
            parent_key=row.parent_id or "ROOT", child_sort=f"{row.name_en.lower()}#{row.unit_id}",
            path=f"{parent.path if parent else ''}{row.unit_id}/",
            district_id=row.unit_id if row.level == "district" else (parent.district_id if parent else None),
            created_at=existing.created_at if existing else chunk.stamp, updated_at=chunk.stamp,
        )
        known[row.unit_id] = unit  # a later row of this chunk may hang under it
        puts.append((row, unit, existing is not None))
    failed = store.put_units([(u, exists) for _, u, exists in puts])
    for index, (row, _unit, exists) in enumerate(puts):
        if index in failed:
            chunk.reject(row.line, "unit_id", row.unit_id, "the unit changed while importing; import this row again")
        else:
            chunk.outcome.counts["updated" if exists else "created"] += 1


# ---- do-not-call ---------------------------------------------------------------------------


def _dnc(chunk: Chunk, parsed: list[tuple[int, dict[str, str]]]) -> None:
    district = str(chunk.item.district_id)
    valid: list[rules.DncRow] = []
    for line, values in parsed:
        try:
            valid.append(rules.dnc_row(line, values))
        except rules.RowError as err:
            chunk.reject(line, err.field, err.value, err.reason)
    claims = store.claims(district, [r.phone for r in valid])
    holders = store.contacts([c.contact_id for c in claims.values()])
    to_opt_out: list[tuple[rules.DncRow, ContactModel]] = []
    for row in valid:
        claim = claims.get(row.phone)
        contact = holders.get(claim.contact_id) if claim else None
        if contact is None:
            chunk.reject(row.line, "phone", row.phone, f"no contact in {district} has this phone: nothing to opt out")
        elif not contact.opted_out:
            to_opt_out.append((row, contact))
        elif contact.opt_out_source == chunk.source:
            chunk.outcome.counts["updated"] += 1  # this chunk ran before
        else:
            chunk.outcome.counts["unchanged"] += 1
    gone = store.opt_out_contacts([c.contact_id for _, c in to_opt_out], chunk.stamp, chunk.source)
    for index, (row, _contact) in enumerate(to_opt_out):
        if index in gone:
            chunk.reject(row.line, "phone", row.phone, "the contact was erased while importing")
        else:
            chunk.outcome.counts["updated"] += 1
