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
from typing import Any

from ..core.clock import iso, now_utc
from ..core.errors import Conflict, NotFound, PayloadTooLarge, ValidationError
from ..core.observability import count, logger
from ..core.settings import get_settings
from ..core.validate import Field, validate
from . import blobs, csvio, rules, store
from .chunk import DEFAULT_PURPOSE, Chunk, b32
from .contact_rows import write_contacts
from .dnc_rows import write_dnc
from .unit_rows import write_units

IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
CREATE_SPEC = {
    "kind": Field("str", required=True, choices=rules.KINDS),
    "filename": Field("str", required=True, max_len=200),
    "size": Field("int", required=True, minimum=1),
    "district_id": Field("str", max_len=64, pattern=r"[a-z0-9][a-z0-9-]{0,63}"),
    "consent_purpose": Field("str", max_len=200),
}
REPORT_HEADER = ["line", "column", "value", "reason"]
WRITERS = {"contacts": write_contacts, "units": write_units, "dnc": write_dnc}  # a chunk's rows, by kind


# ---- the job -------------------------------------------------------------------------------


def _import_id(actor: str, idempotency_key: str) -> str:
    digest = int.from_bytes(hashlib.sha256(f"{actor}#{idempotency_key}".encode()).digest()[:17], "big")
    return "im_" + b32(digest, 26)


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
    fields = {
        "kind": data["kind"], "district_id": data.get("district_id"), "filename": data["filename"],
        "declared_size": data["size"], "consent_purpose": data.get("consent_purpose") or DEFAULT_PURPOSE,
        "request_hash": request_hash, "upload_key": f"uploads/{import_id}", "status": "awaiting_upload",
        "created_by": actor, "created_at": now, "updated_at": now,
    }
    status = 201
    try:
        item = store.create_import(import_id, fields)
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
    WRITERS[item.kind](chunk, parsed)
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
