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
from ..core.validate import Field, validate
from ..imports import blobs
from ..org import audit_store
from ..org import rules as org_rules
from ..org import store as org_store
from ..performance.rules import CSV_HEADER as VENDOR_HEADER
from . import rules, store, xlsx

KINDS = ("contacts", "campaign_results", "call_logs", "vendor_month")
FORMATS = ("csv", "xlsx")
MAX_DAYS = 31
CREATE_SPEC = {
    "kind": Field("str", required=True, choices=KINDS),
    "unit_id": Field("str", required=True, max_len=64, pattern=org_rules.UNIT_ID_PATTERN),
    "full_phones": Field("bool"),
    "campaign_id": Field("str", max_len=64),
    "from": Field("str", pattern=r"\d{4}-\d{2}-\d{2}"),
    "to": Field("str", pattern=r"\d{4}-\d{2}-\d{2}"),
    "format": Field("str", choices=FORMATS),
    "language": Field("str", choices=rules.LANGUAGES),
    "month": Field("str", pattern=r"\d{4}-\d{2}"),
}
HEADERS = {
    "contacts": ["contact_id", "unit_id", "unit_name_hi", "unit_name_en", "role", "name_hi", "name_en", "phone",
                 "language", "opted_out"],
    "campaign_results": ["contact_id", "unit_id", "unit_name_hi", "unit_name_en", "role", "name_hi", "name_en",
                         "phone", "status", "outcome", "attempts", "last_disposition", "last_call_at", "last_agent",
                         "last_notes"],
    "call_logs": ["call_id", "day", "started_at", "agent", "campaign_id", "contact_id", "contact_name", "unit_id",
                  "disposition", "duration_s", "callback_at", "notes", "answers"],
    # the month's per-agent table (performance/rules.py): agents, not contacts, so no holdings and no phones
    "vendor_month": list(VENDOR_HEADER),
}
CONTACT_COLUMN = {kind: header.index("contact_id") for kind, header in HEADERS.items() if "contact_id" in header}
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
    unit, questions, days = _checked(data)
    request_hash = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    export_id = _export_id(actor, idempotency_key)
    now = iso(now_utc())
    fields: dict[str, Any] = {
        "kind": data["kind"], "unit_id": unit.unit_id, "district_id": unit.district_id, "path": unit.path,
        "full_phones": bool(data.get("full_phones")), "campaign_id": data.get("campaign_id"),
        "request_hash": request_hash, "date_from": days[0] if days else None, "date_to": days[-1] if days else None,
        "status": "processing", "created_by": actor, "created_at": now, "updated_at": now,
        "file_format": data.get("format") or "csv", "language": data.get("language") or "hi",
        "columns": rules.columns(questions, data.get("language") or "hi") if questions else None,
    }
    existing = store.get_export(export_id)
    if existing is not None:
        if existing.request_hash != request_hash:
            raise Conflict("this Idempotency-Key was used for a different export", field="Idempotency-Key",
                           code="idempotency_key_reused")
        return 200, export_view(existing)
    _audit(export_id, actor, fields, now)
    if days and data["kind"] == "call_logs":
        fields["agents"] = store.agent_usernames()
        fields["cursor"] = {"agent": 0} if fields["agents"] else None
    try:
        item = store.create_export(export_id, fields)
    except store.AlreadyExists:
        existing = store.get_export(export_id)
        assert existing is not None
        return 200, export_view(existing)
    blobs.enqueue({"export_id": export_id, "seq": 0})
    return 202, export_view(item)


def _checked(data: dict[str, Any]) -> tuple[Any, list[dict[str, Any]], list[str] | None]:
    """The unit exported, the campaign's questions (campaign results) and the days (call logs)."""
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
    if data["kind"] == "vendor_month":
        return unit, questions, _vendor_month(data)
    if data.get("month"):
        raise ValidationError("month is for vendor_month only", field="month")
    days = rules.days(data.get("from"), data.get("to"), MAX_DAYS) if data["kind"] == "call_logs" else None
    if days and data.get("full_phones"):
        raise ValidationError("call logs hold no phone numbers", field="full_phones")
    if not days and (data.get("from") or data.get("to")):
        raise ValidationError("from and to are for call_logs only", field="from")
    return unit, questions, days


def _vendor_month(data: dict[str, Any]) -> list[str]:
    """The month's first and last day (the days up to today in the current month): 400 on month."""
    from ..core import clock
    from ..performance.rules import month_days

    if data.get("full_phones") or data.get("from") or data.get("to"):
        field = "full_phones" if data.get("full_phones") else "from" if data.get("from") else "to"
        raise ValidationError("vendor_month takes a month only", field=field)
    if not data.get("month"):
        raise ValidationError("vendor_month needs a month (YYYY-MM)", field="month")
    days = month_days(data["month"], clock.now_utc().astimezone(clock.IST).date())
    return [days[0].isoformat(), days[-1].isoformat()]


def _audit(export_id: str, actor: str, fields: dict[str, Any], now: str) -> None:
    """A reveal of full phones, and a read of call history and notes, are audited before anything is read."""
    kind, unit_id = fields["kind"], fields["unit_id"]
    if fields["full_phones"]:
        audit_store.audit(f"export#{export_id}", actor, "phones_exported", now, detail=f"{kind} of {unit_id}")
    if kind in NOTES_AUDIT:
        span = (f", {fields['date_from']} to {fields['date_to']}" if fields["date_from"]
                else f", campaign {fields['campaign_id']}")
        audit_store.audit(f"export#{export_id}", actor, NOTES_AUDIT[kind], now, detail=f"{kind} of {unit_id}{span}")


def _require_campaign(campaign_id: str) -> list[dict[str, Any]]:
    """The campaign's questions (the export's answer columns); 404 when there is no such campaign."""
    from ..campaigns.store import get_campaign

    campaign = get_campaign(campaign_id)
    if campaign is None:
        raise NotFound("campaign not found", field="campaign_id")
    return list(campaign.questions or [])


def file_format(item: store.ExportModel) -> str:
    return item.file_format or "csv"


def file_name(item: store.ExportModel) -> str:
    return f"{item.kind}-{item.unit_id}.{file_format(item)}"


def export_view(item: store.ExportModel) -> dict[str, Any]:
    view: dict[str, Any] = {
        "export_id": item.export_id, "kind": item.kind, "unit_id": item.unit_id, "campaign_id": item.campaign_id,
        "full_phones": bool(item.full_phones), "from": item.date_from, "to": item.date_to, "status": item.status,
        "format": file_format(item), "language": item.language or "hi",
        "rows": int(item.rows),
        "created_by": item.created_by, "created_at": item.created_at, "finished_at": item.finished_at,
        "error": item.error_message, "download_url": None,
    }
    if item.status == "done" and item.file_key:
        content_type = xlsx.CONTENT_TYPE if file_format(item) == "xlsx" else blobs.CSV_TYPE
        view["download_url"] = blobs.download_url(item.file_key, file_name(item), content_type)
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
