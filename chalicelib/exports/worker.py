"""The bulk worker's side of an export (chalicelib/bulk/routes.py hands it each message): one part of up
to 1,000 rows (or a few agents' call logs) per message, its holdings recorded before it is written, then
the parts joined into the CSV or written as the workbook. No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import json
from typing import Any

from ..core.clock import iso, now_utc
from ..core.observability import count, logger
from ..imports import blobs, csvio, holdings
from ..org import rules as org_rules
from . import rules, store, xlsx
from .service import CONTACT_COLUMN, HEADERS, MAX_DAYS, file_format, file_name

AGENTS_PER_PART = 5


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
    elif item.kind == "vendor_month":
        rows, cursor = _vendor_rows(item), None
    else:
        rows, cursor = _result_rows(item, start)
    rows = _without_erased(item, rows)
    if file_format(item) == "xlsx":  # the raw cells, typed: the workbook is written from them at the end
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
    if item.kind not in CONTACT_COLUMN:  # a table of agents: nobody in it an erasure could ask for
        return rows
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
    file_key = f"exports/{item.export_id}/{file_name(item)}"
    parts = blobs.keys(f"exports/{item.export_id}/parts/")
    header = HEADERS[item.kind] + rules.headers(item.columns or [])
    if file_format(item) == "xlsx":
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
    days = rules.days(item.date_from, item.date_to, MAX_DAYS)
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


def _vendor_rows(item: store.ExportModel) -> list[list[Any]]:
    """The month's per-agent table, as the monthly vendor email attaches it (performance/service.py)."""
    from ..performance import service as performance

    _, rows = performance.vendor_csv(str(item.date_from)[:7])
    return rows
