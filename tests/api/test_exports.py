"""Exports through the API under moto: masked and full phones (audited), spreadsheet-safe CSV
(BOM, Devanagari, neutralised formulas), parts joined in order, campaign results."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.exports import store as export_store
from chalicelib.org.store import AuditModel
from devtools.moto_local import patched
from tests.api.bulk import run_jobs
from tests.api.conftest import contact_body
from tests.conftest import count_dynamodb_calls


@pytest.fixture(autouse=True)
def dynamodb_transactions_at_real_cost() -> Iterator[None]:
    """moto copies every table a transaction touches; the shim copies only the touched items."""
    with patched():
        yield


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(api: Any, body: dict[str, Any], key: str = "export-key-1") -> dict[str, Any]:
    r = api.post("/exports", body, headers={"idempotency-key": key})
    assert r.status == 202, r.body
    assert r.json["status"] == "processing" and r.json["download_url"] is None
    run_jobs()
    view = api.get(f"/exports/{r.json['export_id']}").json
    assert view["status"] == "done", view
    return dict(view)


def download(view: dict[str, Any]) -> tuple[bytes, list[list[str]]]:
    body = requests.get(view["download_url"], timeout=10).content
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def people(api: Any, district: Any) -> list[str]:
    bodies = [contact_body(phone="9876543210"),
              contact_body(phone="9876543211", name_hi="=HYPERLINK(\"http://evil\",\"क्लिक\")", name_en="@SUM(A1)",
                           role="panna_pramukh"),
              contact_body(unit_id="chw-a1-m1-k1-b2", phone="9876543212", name_hi="सीता", name_en="-Sita")]
    return [api.post("/contacts", b).json["contact_id"] for b in bodies]


def test_contacts_export_is_masked_spreadsheet_safe_csv(api: Any, people: list[str]) -> None:
    view = export(api, {"kind": "contacts", "unit_id": "chw-a1-m1-k1"})
    body, rows = download(view)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    assert "राम यादव".encode() in body
    assert rows[0] == export_store_headers("contacts")
    assert view["rows"] == len(rows) - 1 == 3
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_id[people[0]]["phone"] == "'+91XXXXXX3210"  # masked, and a leading + is not a formula
    assert "9876543211" not in body.decode("utf-8-sig")
    assert by_id[people[1]]["name_hi"] == "'=HYPERLINK(\"http://evil\",\"क्लिक\")"
    assert by_id[people[1]]["name_en"] == "'@SUM(A1)"
    assert by_id[people[2]]["name_en"] == "'-Sita"
    assert by_id[people[2]]["unit_name_en"] == "Booth 2"
    assert list(AuditModel.query(f"export#{view['export_id']}")) == []


def test_full_numbers_are_audited_per_export(api: Any, people: list[str]) -> None:
    view = export(api, {"kind": "contacts", "unit_id": "chw", "full_phones": True})
    _, rows = download(view)
    assert sorted(r[7] for r in rows[1:]) == ["'+919876543210", "'+919876543211", "'+919876543212"]
    trail = list(AuditModel.query(f"export#{view['export_id']}"))
    assert [(a.actor, a.action) for a in trail] == [("user-admin", "phones_exported")]
    again = api.post("/exports", {"kind": "contacts", "unit_id": "chw", "full_phones": True},
                     headers={"idempotency-key": "export-key-1"})
    assert again.status == 200 and again.json["export_id"] == view["export_id"]
    assert len(list(AuditModel.query(f"export#{view['export_id']}"))) == 1


def test_a_big_subtree_is_written_in_parts_and_joined_in_order(api: Any, people: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    more = [api.post("/contacts", contact_body(phone=f"98000000{i:02d}")).json["contact_id"] for i in range(4)]
    monkeypatch.setattr(export_store, "PAGE", 2)
    monkeypatch.setattr(export_store.contacts_page, "__defaults__", (2,))
    view = export(api, {"kind": "contacts", "unit_id": "chw"})
    _, rows = download(view)
    assert rows.count(rows[0]) == 1
    assert sorted(r[0] for r in rows[1:]) == sorted(people + more)
    assert view["rows"] == 7


def test_campaign_results_of_a_subtree(api: Any, people: list[str]) -> None:
    from datetime import timedelta

    from chalicelib.campaigns.store import TargetModel
    from chalicelib.core.clock import IST, now_utc
    from tests.api.calling import active_campaign

    today = now_utc().astimezone(IST).date()
    campaign = active_campaign(api, target={"unit_id": "chw", "roles": ["booth_president", "panna_pramukh"]},
                               starts_on=str(today - timedelta(days=1)), ends_on=str(today + timedelta(days=7)))
    target = TargetModel.get(campaign["campaign_id"], people[2])
    target.update(actions=[TargetModel.last_notes.set("=cmd|' /C calc'!A0"), TargetModel.attempts.set(1)])
    view = export(api, {"kind": "campaign_results", "unit_id": "chw-a1-m1-k1-b2",
                        "campaign_id": campaign["campaign_id"]})
    _, rows = download(view)
    assert rows[0] == [*export_store_headers("campaign_results"), "क्या सूचना मिली?", "कितने परिवार?", "माहौल?"]
    assert [r[0] for r in rows[1:]] == [people[2]]  # the other booth's targets are outside the subtree
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["status"], row["attempts"], row["phone"]) == ("queued", "1", "'+91XXXXXX3212")
    assert row["last_notes"] == "'=cmd|' /C calc'!A0"
    whole = export(api, {"kind": "campaign_results", "unit_id": "chw", "campaign_id": campaign["campaign_id"]},
                   key="results-2")
    assert whole["rows"] == 3
    missing = api.post("/exports", {"kind": "campaign_results", "unit_id": "chw", "campaign_id": "cp_nope"},
                       headers={"idempotency-key": "results-3"})
    assert missing.status == 404


def test_call_logs_of_a_subtree_for_a_date_range(api: Any, aws: Any, people: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date, timedelta

    from tests.api.calling import Clock, active_campaign, call_body, ist, next_call, on_duty

    Clock(monkeypatch, ist("2026-03-10", "11:00"))  # inside the campaign's window and calling hours
    today = date(2026, 3, 10)
    campaign = active_campaign(api, target={"unit_id": "chw", "roles": ["booth_president", "panna_pramukh"]})
    recorded = {}
    for name in ("agent-a", "agent-b"):
        token = aws.user(name, "agent")
        on_duty(name)
        leased = next_call(api, campaign["campaign_id"], token)
        assert leased.status == 200, leased.body
        contact_id = leased.json["contact"]["contact_id"]
        r = api.post("/calls", call_body(campaign["campaign_id"], contact_id, notes="=HYPERLINK(\"x\")"),
                     token=token)
        assert r.status in (200, 201), r.body
        recorded[contact_id] = name
    view = export(api, {"kind": "call_logs", "unit_id": "chw", "from": str(today - timedelta(days=1)),
                        "to": str(today)})
    _, rows = download(view)
    assert rows[0] == export_store_headers("call_logs")
    got = {r[5]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert {k: v["agent"] for k, v in got.items()} == recorded
    assert all(v["notes"] == "'=HYPERLINK(\"x\")" and v["disposition"] == "connected" for v in got.values())
    booth2 = export(api, {"kind": "call_logs", "unit_id": "chw-a1-m1-k1-b2", "from": str(today),
                          "to": str(today)}, key="calls-booth-2")
    _, rows2 = download(booth2)
    assert {r[5] for r in rows2[1:]} == {c for c in recorded if c == people[2]}
    bad = api.post("/exports", {"kind": "call_logs", "unit_id": "chw", "from": str(today), "to": str(today),
                                "full_phones": True}, headers={"idempotency-key": "calls-bad-1"})
    assert bad.status == 400
    long = api.post("/exports", {"kind": "call_logs", "unit_id": "chw", "from": "2026-01-01", "to": "2026-03-01"},
                    headers={"idempotency-key": "calls-bad-2"})
    assert long.status == 400 and long.error["field"] == "to"


def test_exports_refuse_bad_requests(api: Any, district: Any) -> None:
    headers = {"idempotency-key": "bad-export-1"}
    assert api.post("/exports", {"kind": "contacts", "unit_id": "nowhere"}, headers=headers).status == 404
    assert api.post("/exports", {"kind": "campaign_results", "unit_id": "chw"}, headers=headers).status == 400
    assert api.post("/exports", {"kind": "contacts", "unit_id": "chw"}).status == 400  # no Idempotency-Key
    assert api.post("/exports", {"kind": "contacts", "unit_id": "chw"}, headers=headers,
                    role="supervisor").status == 403
    assert api.get("/exports/ex_nope").status == 404


def export_store_headers(kind: str) -> list[str]:
    from chalicelib.exports.service import HEADERS

    return HEADERS[kind]


def test_a_part_records_who_it_holds_at_one_batch_write_per_25_rows(api: Any, district: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """What erasure's access pattern costs an export: per part, one BatchWriteItem per 25 rows (the file
    holdings) and one consistent BatchGetItem per 100 (the rows' contacts read again); 1,000 rows: 50."""
    from chalicelib.imports.holdings import FileHoldingModel

    ids = [api.post("/contacts", contact_body(phone=f"98760{i:05d}")).json["contact_id"] for i in range(30)]
    calls = count_dynamodb_calls(monkeypatch)
    view = export(api, {"kind": "contacts", "unit_id": "chw"})
    assert view["rows"] == 30
    assert calls["BatchWriteItem"] == 2  # 25 + 5 holdings
    assert calls["BatchGetItem"] == 2  # unit names, and the contacts read again
    assert {h.contact_id for i in ids for h in FileHoldingModel.query(i)} == set(ids)
    assert {h.file_ref for i in ids for h in FileHoldingModel.query(i)} == {f"export#{view['export_id']}"}


def sheet_rows(body: bytes) -> list[list[tuple[Any, str | None]]]:
    """The first sheet of an .xlsx as a spreadsheet reads it: rows of (value, style), numbers as numbers."""
    import re
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        assert book.testzip() is None
        assert "quotePrefix=\"1\"" in book.read("xl/styles.xml").decode()
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", ns):
        cells: dict[int, tuple[Any, str | None]] = {}
        for c in row.iterfind("m:c", ns):
            letters = re.match(r"[A-Z]+", c.get("r", "")).group()  # type: ignore[union-attr]
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            if c.get("t") == "inlineStr":
                value: Any = "".join(t.text or "" for t in c.iterfind(".//m:t", ns))
            else:
                text = c.findtext("m:v", default="", namespaces=ns)
                value = float(text) if "." in text or "e" in text else int(text)
            cells[col - 1] = (value, c.get("s"))
        rows.append([cells.get(i, ("", None)) for i in range(max(cells) + 1 if cells else 0)])
    return rows


def test_campaign_results_carry_one_column_per_question_over_the_campaigns_whole_life(
        api: Any, aws: Any, people: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers recorded 59 days apart (longer than a call-log export may span) are in one results export,
    a column per question headed in the language asked, as CSV and as .xlsx; call logs keep raw answers."""
    import json

    from tests.api.calling import Clock, active_campaign, call_body, ist, next_call, on_duty

    clock = Clock(monkeypatch, ist("2026-01-10", "11:00"))
    campaign = active_campaign(api, target={"unit_id": "chw", "roles": ["booth_president", "panna_pramukh"]},
                               starts_on="2026-01-05", ends_on="2026-03-31")
    cid = campaign["campaign_id"]
    token = aws.user("agent-a", "agent")
    answered = {}
    for day, answers, notes in (("2026-01-10", {"received": True, "households": 12, "mood": "good"}, "ठीक"),
                                ("2026-03-10", {"received": False, "households": 3.5, "mood": "poor"}, "=1+1")):
        clock.set_ist(day, "11:00")
        on_duty("agent-a")
        leased = next_call(api, cid, token)
        assert leased.status == 200, leased.body
        contact_id = leased.json["contact"]["contact_id"]
        r = api.post("/calls", call_body(cid, contact_id, answers=answers, notes=notes), token=token)
        assert r.status in (200, 201), r.body
        answered[contact_id] = answers
    first, second = answered
    unanswered = next(p for p in people if p not in answered)

    view = export(api, {"kind": "campaign_results", "unit_id": "chw", "campaign_id": cid, "language": "en"})
    assert (view["format"], view["language"]) == ("csv", "en")
    body, rows = download(view)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [*export_store_headers("campaign_results"), "Was it received?", "How many households?", "Mood?"]
    got = {r[0]: r[-3:] for r in rows[1:]}
    assert got == {first: ["yes", "12", "Good"], second: ["no", "3.5", "Poor"], unanswered: ["", "", ""]}

    book = export(api, {"kind": "campaign_results", "unit_id": "chw", "campaign_id": cid, "format": "xlsx"},
                  key="results-xlsx")
    assert book["download_url"] and book["rows"] == 3
    fetched = requests.get(book["download_url"], timeout=10)
    assert fetched.headers["content-type"] == XLSX_TYPE  # served as a workbook, not as text/csv
    data = fetched.content
    sheet = sheet_rows(data)
    header = [v for v, _ in sheet[0]]
    assert header == [*export_store_headers("campaign_results"), "क्या सूचना मिली?", "कितने परिवार?", "माहौल?"]
    assert all(style == "2" for _, style in sheet[0])  # the bold header
    by_id = {r[0][0]: dict(zip(header, r, strict=False)) for r in sheet[1:]}
    assert by_id[first]["कितने परिवार?"] == (12, None) and by_id[second]["कितने परिवार?"] == (3.5, None)
    assert by_id[first]["क्या सूचना मिली?"][0] == "हाँ" and by_id[second]["माहौल?"][0] == "खराब"
    assert by_id[second]["last_notes"] == ("=1+1", "1")  # text that stays text, not a formula
    assert by_id[first]["attempts"] == (1, None)

    logs = export(api, {"kind": "call_logs", "unit_id": "chw", "from": "2026-03-01", "to": "2026-03-10",
                        "format": "xlsx"}, key="calls-xlsx")
    sheet = sheet_rows(requests.get(logs["download_url"], timeout=10).content)
    header = [v for v, _ in sheet[0]]
    assert header == export_store_headers("call_logs")
    (row,) = [dict(zip(header, (v for v, _ in r), strict=False)) for r in sheet[1:]]
    assert row["contact_id"] == second and json.loads(row["answers"]) == answered[second]
    bad = api.post("/exports", {"kind": "contacts", "unit_id": "chw", "format": "pdf"},
                   headers={"idempotency-key": "bad-format-1"})
    assert bad.status == 400 and bad.error["field"] == "format"
