"""Use cases of exports: a unit subtree's contacts, or a campaign's results, as a CSV in S3 behind a
presigned link. Produced asynchronously, a part of up to 1,000 rows per SQS message, then joined.
No Chalice, boto3 or PynamoDB here.

Phones are masked (last four digits) unless the admin asks for full numbers; that request is written
to the audit log (subject `export#<id>`, action `phones_exported`) before anything is read.
Exports that hold call notes (call logs, campaign results) are audited the same way
(`call_logs_exported`, `call_notes_exported`). The CSV opens correctly in spreadsheet programs: UTF-8
with a BOM, and every cell that a spreadsheet would run as a formula (= + - @ tab CR) starts with an
apostrophe. Every part records the contacts it holds (imports/holdings.py) before it is written, so
erasing a person withdraws the export (privacy/files.py): its files are deleted and it answers 410.

A campaign's results carry one column per question of the campaign, headed by the question's text in
the language the export asks for (`language`: hi, the default, or en), each contact's latest answer
read from their call logs of the campaign (one Query of the by_contact index per contact who was
called: the campaign's whole life, however long). Call logs keep the raw answers (JSON). Every kind
comes as CSV or, with `format: xlsx`, as a spreadsheet (exports/xlsx.py): the parts are then JSON
lines of the raw cells, and the last step writes the workbook.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ..core.clock import iso, now_utc
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import count, logger
from ..core.validate import Field, validate
from ..imports import blobs, csvio, holdings
from ..org import rules as org_rules
from ..org import store as org_store
from . import rules, store, xlsx

KINDS = ("contacts", "campaign_results", "call_logs")
FORMATS = ("csv", "xlsx")
MAX_DAYS = 31
AGENTS_PER_PART = 5
CREATE_SPEC = {
    "kind": Field("str", required=True, choices=KINDS),
    "unit_id": Field("str", required=True, max_len=64, pattern=org_rules.UNIT_ID_PATTERN),
    "full_phones": Field("bool"),
    "campaign_id": Field("str", max_len=64),
    "from": Field("str", pattern=r"\d{4}-\d{2}-\d{2}"),
    "to": Field("str", pattern=r"\d{4}-\d{2}-\d{2}"),
    "format": Field("str", choices=FORMATS),
    "language": Field("str", choices=rules.LANGUAGES),
}
HEADERS = {
    "contacts": ["contact_id", "unit_id", "unit_name_hi", "unit_name_en", "role", "name_hi", "name_en", "phone",
                 "language", "opted_out"],
    "campaign_results": ["contact_id", "unit_id", "unit_name_hi", "unit_name_en", "role", "name_hi", "name_en",
                         "phone", "status", "outcome", "attempts", "last_disposition", "last_call_at", "last_agent",
                         "last_notes"],
    "call_logs": ["call_id", "day", "started_at", "agent", "campaign_id", "contact_id", "contact_name", "unit_id",
                  "disposition", "duration_s", "callback_at", "notes", "answers"],
}
CONTACT_COLUMN = {kind: header.index("contact_id") for kind, header in HEADERS.items()}
# Exports that hold call notes (and answers) are audited like a reveal, before anything is read.
NOTES_AUDIT = {"call_logs": "call_logs_exported", "campaign_results": "call_notes_exported"}


def _export_id(actor: str, key: str) -> str:
    digest = hashlib.sha256(f"export#{actor}#{key}".encode()).hexdigest()
    return "ex_" + digest[:26]


def create_export(actor: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    if not idempotency_key or not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", idempotency_key):
        raise ValidationError("send an Idempotency-Key header of 8-64 letters, digits, '-' or '_'",
                              field="Idempotency-Key")
    data = validate(body, CREATE_SPEC)
    unit = org_store.get_unit(data["unit_id"])
    if unit is None:
        raise NotFound(f"unit {data['unit_id']} does not exist", field="unit_id")
    if unit.district_id is None:
        raise ValidationError("export a district or a unit below it", field="unit_id")
    if data["kind"] == "campaign_results":
        if not data.get("campaign_id"):
            raise ValidationError("campaign_results needs a campaign_id", field="campaign_id")
        questions = _require_campaign(data["campaign_id"])
    elif data.get("campaign_id"):
        raise ValidationError("campaign_id is for campaign_results only", field="campaign_id")
    else:
        questions = []
    days = _days(data) if data["kind"] == "call_logs" else None
    if days and data.get("full_phones"):
        raise ValidationError("call logs hold no phone numbers", field="full_phones")
    if not days and (data.get("from") or data.get("to")):
        raise ValidationError("from and to are for call_logs only", field="from")
    request_hash = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    export_id = _export_id(actor, idempotency_key)
    now = iso(now_utc())
    item = store.ExportModel(
        export_id, kind=data["kind"], unit_id=unit.unit_id, district_id=unit.district_id, path=unit.path,
        full_phones=bool(data.get("full_phones")), campaign_id=data.get("campaign_id"), request_hash=request_hash,
        date_from=days[0] if days else None, date_to=days[-1] if days else None,
        status="processing", created_by=actor, created_at=now, updated_at=now,
        file_format=data.get("format") or "csv", language=data.get("language") or "hi",
        columns=rules.columns(questions, data.get("language") or "hi") if questions else None,
    )
    existing = store.get_export(export_id)
    if existing is not None:
        if existing.request_hash != request_hash:
            raise Conflict("this Idempotency-Key was used for a different export", field="Idempotency-Key",
                           code="idempotency_key_reused")
        return 200, export_view(existing)
    if item.full_phones:  # the reveal is recorded before a single number is read
        org_store.audit(f"export#{export_id}", actor, "phones_exported", now,
                        detail=f"{item.kind} of {item.unit_id}")
    if item.kind in NOTES_AUDIT:  # so is a read of call history and notes
        span = f", {item.date_from} to {item.date_to}" if days else f", campaign {item.campaign_id}"
        org_store.audit(f"export#{export_id}", actor, NOTES_AUDIT[item.kind], now,
                        detail=f"{item.kind} of {item.unit_id}{span}")
    if days:
        item.agents = store.agent_usernames()
        item.cursor = {"agent": 0} if item.agents else None
    try:
        store.create_export(item)
    except store.AlreadyExists:
        existing = store.get_export(export_id)
        assert existing is not None
        return 200, export_view(existing)
    blobs.enqueue({"export_id": export_id, "seq": 0})
    return 202, export_view(item)


def _days(data: dict[str, Any]) -> list[str]:
    from datetime import date, timedelta

    if not (data.get("from") and data.get("to")):
        raise ValidationError("call_logs needs from and to (IST days, YYYY-MM-DD)", field="from")
    try:
        first, last = date.fromisoformat(data["from"]), date.fromisoformat(data["to"])
    except ValueError as exc:
        raise ValidationError("from and to must be dates, YYYY-MM-DD", field="from") from exc
    if not 0 <= (last - first).days < MAX_DAYS:
        raise ValidationError(f"to must be on or after from, at most {MAX_DAYS} days in all", field="to")
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _require_campaign(campaign_id: str) -> list[dict[str, Any]]:
    """The campaign's questions (the export's answer columns); 404 when there is no such campaign."""
    from ..campaigns.store import get_campaign

    campaign = get_campaign(campaign_id)
    if campaign is None:
        raise NotFound("campaign not found", field="campaign_id")
    return list(campaign.questions or [])


def _format(item: store.ExportModel) -> str:
    return item.file_format or "csv"


def _file_name(item: store.ExportModel) -> str:
    return f"{item.kind}-{item.unit_id}.{_format(item)}"


def export_view(item: store.ExportModel) -> dict[str, Any]:
    view: dict[str, Any] = {
        "export_id": item.export_id, "kind": item.kind, "unit_id": item.unit_id, "campaign_id": item.campaign_id,
        "full_phones": bool(item.full_phones), "from": item.date_from, "to": item.date_to, "status": item.status,
        "format": _format(item), "language": item.language or "hi",
        "rows": int(item.rows),
        "created_by": item.created_by, "created_at": item.created_at, "finished_at": item.finished_at,
        "error": item.error_message, "download_url": None,
    }
    if item.status == "done" and item.file_key:
        content_type = xlsx.CONTENT_TYPE if _format(item) == "xlsx" else blobs.CSV_TYPE
        view["download_url"] = blobs.download_url(item.file_key, _file_name(item), content_type)
        view["expires_in"] = blobs.LINK_SECONDS
    return view


def get_export(export_id: str) -> dict[str, Any]:
    item = store.get_export(export_id) if len(export_id) <= 40 else None
    if item is None:
        raise NotFound("export not found", field="export_id")
    if item.status == "withdrawn":
        raise blobs.Withdrawn("this export was withdrawn: a person in it was erased; make a new export",
                              field="export_id")
    return export_view(item)


def list_exports(params: dict[str, str], limit: int) -> dict[str, Any]:
    """Earlier exports, newest first, each with its download link while it has one (a withdrawn export
    is listed without). One Query of the by_kind index per kind asked."""
    from ..imports import history

    open_kinds = history.open_kinds_for(params, KINDS, r"ex_[0-9a-f]{26}")
    items, cursor = history.newest_first(
        open_kinds, limit,
        lambda kind, at, n: store.exports_of_kind(kind, history.start_key(kind, at, "export_id"), n),
        lambda item: str(item.export_id))
    return {"items": [export_view(i) for i in items], "next_cursor": cursor}


# ---- the worker ----------------------------------------------------------------------------


def process_chunk(export_id: str, seq: int) -> None:
    item = store.get_export(export_id)
    if item is None or item.status != "processing":
        return
    if int(item.next_seq) != seq:
        if int(item.next_seq) == seq + 1:  # redelivered after its checkpoint: the next step may be missing
            _advance(item)
        return
    start = item.cursor if seq else None
    if item.kind == "contacts":
        rows, cursor = _contact_rows(item, start)
    elif item.kind == "call_logs":
        rows, cursor = _call_rows(item, item.cursor)
    else:
        rows, cursor = _result_rows(item, start)
    rows = _without_erased(item, rows)
    if _format(item) == "xlsx":  # the raw cells, typed: the workbook is written from them at the end
        blobs.write(f"exports/{export_id}/parts/{seq:06d}.jsonl",
                    b"".join(json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in rows),
                    "application/x-ndjson")
    else:
        blobs.write(f"exports/{export_id}/parts/{seq:06d}.csv", csvio.csv_bytes(rows, bom=False))
    if store.checkpoint(export_id, seq, len(rows), cursor, iso(now_utc())):
        item.next_seq, item.cursor = seq + 1, cursor
        _advance(item)
    else:
        _clean_if_withdrawn(export_id)


def _without_erased(item: store.ExportModel, rows: list[list[Any]]) -> list[list[Any]]:
    """Record who the part holds (file holdings) before it is written, then keep only the rows whose
    contact still exists (a consistent read): an erasure either finds the holding or is seen here."""
    column = CONTACT_COLUMN[item.kind]
    ids = [str(row[column]) for row in rows]
    holdings.record(holdings.export_ref(item.export_id), ids)
    alive = store.existing_contacts(ids)
    return [row for row in rows if row[column] in alive]


def _clean_if_withdrawn(export_id: str) -> None:
    """A part or file written after erasure withdrew the export is deleted too."""
    item = store.get_export(export_id)
    if item is not None and item.status == "withdrawn":
        blobs.delete_all([f"exports/{export_id}/"])


def _advance(item: store.ExportModel) -> None:
    if item.cursor:
        blobs.enqueue({"export_id": item.export_id, "seq": int(item.next_seq)})
        return
    file_key = f"exports/{item.export_id}/{_file_name(item)}"
    parts = blobs.keys(f"exports/{item.export_id}/parts/")
    header = HEADERS[item.kind] + rules.headers(item.columns or [])
    if _format(item) == "xlsx":
        rows = (json.loads(line) for part in parts for line in blobs.read(part).splitlines() if line)
        blobs.write(file_key, xlsx.workbook_bytes(header, rows, sheet_name=item.kind), xlsx.CONTENT_TYPE)
    else:
        blobs.concatenate(file_key, csvio.csv_bytes([header]), parts)
    if store.mark_done(item.export_id, file_key, iso(now_utc())):
        count("ExportsDone")
        logger.info("export done", extra={"export_id": item.export_id})
    else:
        _clean_if_withdrawn(item.export_id)


def _phone_column(item: store.ExportModel, rows: list[Any]) -> dict[str, str]:
    if item.full_phones:
        return store.phones([r.contact_id for r in rows])
    return {r.contact_id: org_rules.mask_phone(r.phone_last4) for r in rows}


def _contact_rows(item: store.ExportModel, start: Any) -> tuple[list[list[Any]], dict[str, Any] | None]:
    contacts, cursor = store.contacts_page(item.district_id, item.path, start)
    phones = _phone_column(item, contacts)
    units = store.unit_names([c.unit_id for c in contacts])
    rows = [[c.contact_id, c.unit_id, *units.get(c.unit_id, ("", "")), c.role, c.name_hi, c.name_en,
             phones.get(c.contact_id, ""), c.language, "yes" if c.opted_out else "no"] for c in contacts]
    return rows, cursor


def _result_rows(item: store.ExportModel, start: Any) -> tuple[list[list[Any]], dict[str, Any] | None]:
    targets, cursor = store.targets_page(str(item.campaign_id), item.path, start)
    phones = _phone_column(item, targets)
    units = store.unit_names([t.unit_id for t in targets])
    cols, language = list(item.columns or []), item.language or "hi"
    called = [t.contact_id for t in targets if int(t.attempts or 0)] if cols else []
    answers = {contact: rules.latest_answers(calls)
               for contact, calls in store.campaign_answers(str(item.campaign_id), called).items()}
    rows = [[t.contact_id, t.unit_id, *units.get(t.unit_id, ("", "")), t.role, t.name_hi, t.name_en,
             phones.get(t.contact_id, ""), t.status, t.outcome or "", int(t.attempts or 0), t.last_disposition or "",
             t.last_call_at or "", t.last_agent or "", t.last_notes or "",
             *rules.answer_cells(cols, answers.get(t.contact_id, {}), language)] for t in targets]
    return rows, cursor


def _call_rows(item: store.ExportModel, cursor: Any) -> tuple[list[list[Any]], dict[str, Any] | None]:
    """A few agents' calls over the date range (Queries by agent and IST day: the calls store's
    access pattern), kept when the contact is inside the subtree. Phones are not in call logs."""
    agents: list[str] = list(item.agents or [])
    first = int((cursor or {}).get("agent", 0))
    days = _days({"from": item.date_from, "to": item.date_to})
    logs = [log for agent in agents[first:first + AGENTS_PER_PART] for day in days
            for log in store.calls_of_agent_day(agent, day)]
    places = store.contact_places([log.contact_id for log in logs])
    rows = []
    for log in logs:
        tree_key, unit_id = places.get(log.contact_id, ("", ""))
        if not tree_key.startswith(item.path):
            continue
        rows.append([log.call_id, log.day, log.started_at, log.agent, log.campaign_id, log.contact_id,
                     log.contact_name or "", unit_id, log.disposition, int(log.duration_s), log.callback_at or "",
                     log.notes or "", json.dumps(log.answers, ensure_ascii=False) if log.answers else ""])
    following = first + AGENTS_PER_PART
    return rows, ({"agent": following} if following < len(agents) else None)
