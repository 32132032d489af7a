"""Imports through the API under moto: messy files built here in every accepted format, the refused
ones, idempotency, duplicates, races and redeliveries, and the write calls per row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.core.settings import reset_settings
from chalicelib.imports import rules, service, store
from chalicelib.org.store import ContactModel, PhoneClaimModel
from devtools.moto_local import patched
from tests.api.bulk import deliver_upload, report_rows, run_import, run_jobs, start
from tests.api.conftest import contact_body
from tests.conftest import count_dynamodb_calls

B1, B2 = "chw-a1-m1-k1-b1", "chw-a1-m1-k1-b2"


@pytest.fixture(autouse=True)
def dynamodb_transactions_at_real_cost() -> Iterator[None]:
    """moto copies every table a transaction touches; the shim copies only the touched items."""
    with patched():
        yield
COUNTS0 = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}


def csv_text(rows: list[tuple[str, ...]], header: tuple[str, ...] = ("name", "phone", "role", "booth"),
             sep: str = ",", eol: str = "\r\n") -> str:
    return sep.join(header) + eol + "".join(sep.join(r) + eol for r in rows)


def contacts() -> dict[str, ContactModel]:
    found = list(ContactModel.by_tree.query("chw", ContactModel.tree_key.startswith("chw/")))
    return {c.contact_id: ContactModel.get(c.contact_id) for c in found}


def counts(**kw: int) -> dict[str, int]:
    return {**COUNTS0, **kw}


MESSY = [  # one person per way of writing a phone number that district lists hold
    ("राम यादव", "098765 43210", "booth_president", B1),
    ("Shyam Lal", "+91-98765-43211", "Panna Pramukh", B1),
    ("सीता बाई", "9876543212", "बूथ समिति सदस्य", B2),
    ("गीता", "९८७६५४३२१३", "पन्ना प्रमुख", "CHW-A1-M1-K1-B2"),
    ('"Verma, Anil\nJr."', "9876543214.0", "booth committee member", B2),
]


def test_import_creates_and_a_second_import_of_the_same_file_writes_nothing(api: Any, district: Any) -> None:
    text = csv_text(MESSY)
    view = run_import(api, "contacts", text.encode("utf-8"))
    assert view["status"] == "done", view
    assert view["rows_total"] == view["rows_done"] == 5
    assert view["counts"] == counts(created=5)
    stored = contacts()
    assert sorted(c.phone for c in stored.values()) == [f"+91987654321{i}" for i in range(5)]
    by_phone = {c.phone: c for c in stored.values()}
    assert by_phone["+919876543213"].name_hi == "गीता" and by_phone["+919876543213"].unit_id == B2
    assert by_phone["+919876543214"].name_en == "Verma, Anil Jr."
    assert by_phone["+919876543211"].role == "panna_pramukh"
    assert all(c.consent_source == "import" for c in stored.values())
    assert all(PhoneClaimModel.get(f"chw#{c.phone}").contact_id == c.contact_id for c in stored.values())

    again = run_import(api, "contacts", text.encode("utf-8"))
    assert again["counts"] == counts(unchanged=5)
    assert {k: (c.version, c.updated_at) for k, c in contacts().items()} == \
           {k: (c.version, c.updated_at) for k, c in stored.items()}
    assert report_rows(again) == [["line", "column", "value", "reason"]]


ENCODINGS = [("utf-8", ","), ("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16-le", ";"), ("utf-16-be", ",")]


def test_every_spreadsheet_encoding_and_delimiter_imports_alike(api: Any, district: Any) -> None:
    """UTF-8 with and without BOM; UTF-16 as Excel's "Unicode Text" (tab-separated, LE with BOM),
    LE and BE with a BOM; comma, semicolon and tab; CRLF and LF; Hindi headers and values."""
    header = ("नाम", "मोबाइल नंबर", "भूमिका", "बूथ", "भाषा")
    for n, (encoding, sep) in enumerate(ENCODINGS):
        rows = [("राम यादव", f"098765 432{n}0", "बूथ अध्यक्ष", B1, "हिंदी"),
                ("Shyam Lal", f"९८७६५४३२{n}१".translate(str.maketrans("0123456789", "०१२३४५६७८९")),
                 "panna_pramukh", B2, "English")]
        text = csv_text(rows, header, sep, "\n" if encoding == "utf-16-be" else "\r\n")
        data = text.encode(encoding)
        if encoding in ("utf-16-le", "utf-16-be"):  # with the byte-order mark spreadsheets write
            data = ("\ufeff" + text).encode(encoding)
        view = run_import(api, "contacts", data)
        assert view["status"] == "done", (encoding, view)
        assert view["counts"] == counts(created=2), (encoding, report_rows(view))
        names = {c.phone: (c.name_hi, c.name_en, c.language, c.role) for c in contacts().values()}
        assert names[f"+9198765432{n}0"] == ("राम यादव", "", "hi", "booth_president"), encoding
        assert names[f"+9198765432{n}1"] == ("", "Shyam Lal", "en", "panna_pramukh"), encoding


def test_bad_rows_are_reported_line_by_line_and_good_rows_imported(api: Any, district: Any) -> None:
    text = csv_text([
        ("Good One", "9876543210", "booth_president", B1),          # line 2
        ('"two\nline name"', "12345", "booth_president", B1),        # lines 3-4: invalid phone
        ("No Role", "9876543211", "", B1),                           # line 5
        ("Wrong Level", "9876543212", "mandal_president", B1),       # line 6
        ("Unknown Unit", "9876543213", "booth_president", "chw-x"),  # line 7
        ("Sci", "9.87654E+09", "booth_president", B1),               # line 8
        ("Two", "9876543214 / 9876543215", "booth_president", B1),   # line 9
        ("", "9876543216", "booth_president", B1),                   # line 10: new contact without name
        ("=HYPERLINK(\"http://x\")", "=1+2", "booth_president", B1),  # line 11
        (",,,",),                                                    # line 12: blank row, skipped
        ("?????", "9876543217", "booth_president", B1),              # line 13: name lost to ANSI
    ])
    view = run_import(api, "contacts", text.encode("utf-8"))
    assert view["status"] == "done"
    assert view["rows_total"] == 10  # the blank row is not a row
    assert view["counts"] == counts(created=1, rejected=9)
    report = report_rows(view)
    assert report[0] == ["line", "column", "value", "reason"]
    by_line = {int(r[0]): r for r in report[1:]}
    assert sorted(by_line) == [3, 5, 6, 7, 8, 9, 10, 11, 13]
    assert by_line[3][1:3] == ["phone", "12345"]
    assert by_line[5][1] == "role" and "missing" in by_line[5][3]
    assert by_line[6][1] == "role" and "booth" in by_line[6][3]
    assert by_line[7][1] == "booth" and "does not exist" in by_line[7][3]
    assert "scientific notation" in by_line[8][3]
    assert "one phone number per row" in by_line[9][3]
    assert "name" in by_line[10][3]
    assert by_line[11][2] == "'=1+2"  # the report itself neutralises formulas
    assert "???" in by_line[13][3]


def test_two_rows_with_one_phone_the_first_wins_across_chunks(api: Any, district: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "ROWS_PER_CHUNK", 3)
    rows = [(f"Worker {i}", f"98765432{i:02d}", "panna_pramukh", B1) for i in range(8)]
    rows.insert(6, ("Again", "098765 43201", "booth_president", B2))
    rows.insert(1, ("Twice", "+91 98765 43200", "booth_president", B2))  # line 3 repeats line 2's phone
    # ... and line 9 (chunk 3) repeats line 4's (chunk 1)
    view = run_import(api, "contacts", csv_text(rows).encode())
    assert view["rows_total"] == 10
    assert view["counts"] == counts(created=8, rejected=2)
    report = report_rows(view)[1:]
    assert [(r[0], r[1]) for r in report] == [("3", "phone"), ("9", "phone")]
    assert "repeats line 2" in report[0][3] and "repeats line 4" in report[1][3]
    assert {c.phone: c.name_en for c in contacts().values()}["+919876543200"] == "Worker 0"


def test_a_phone_that_belongs_to_a_contact_updates_it(api: Any, district: Any) -> None:
    r = api.post("/contacts", contact_body(phone="9876543210"))
    assert r.status == 201
    contact_id = r.json["contact_id"]
    text = csv_text([("Ram Yadav (new)", "+91 98765 43210", "panna_pramukh", B2)])
    view = run_import(api, "contacts", text.encode())
    assert view["counts"] == counts(updated=1)
    stored = contacts()
    assert list(stored) == [contact_id]
    contact = stored[contact_id]
    assert (contact.name_hi, contact.name_en, contact.role, contact.unit_id, contact.version) == \
           ("राम यादव", "Ram Yadav (new)", "panna_pramukh", B2, 2)
    assert contact.tree_key.startswith("chw/chw-a1/chw-a1-m1/chw-a1-m1-k1/chw-a1-m1-k1-b2/")


def test_an_api_create_racing_the_import_is_never_duplicated(api: Any, district: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The phone is free when the chunk reads its claims and taken when it writes: the claim's
    condition cancels that create, and the row updates the contact the API made instead."""
    real_claims = store.claims
    raced: list[str] = []

    def claims_then_race(district_id: str, phones: Any) -> Any:
        found = real_claims(district_id, phones)
        if not raced:
            raced.append(api.post("/contacts", contact_body(phone="9876543211")).json["contact_id"])
        return found

    monkeypatch.setattr(store, "claims", claims_then_race)
    text = csv_text([("A", "9876543210", "booth_president", B1), ("B", "9876543211", "panna_pramukh", B1),
                     ("C", "9876543212", "panna_pramukh", B1)])
    view = run_import(api, "contacts", text.encode())
    assert view["counts"] == counts(created=2, updated=1)
    stored = contacts()
    assert len(stored) == 3
    assert stored[raced[0]].name_en == "B" and stored[raced[0]].role == "panna_pramukh"


def test_a_chunk_delivered_again_after_a_crash_counts_and_writes_once(api: Any, district: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    api.post("/contacts", contact_body(phone="9876543219"))
    text = csv_text([("A", "9876543210", "booth_president", B1), ("B", "9876543211", "panna_pramukh", B1),
                     ("Renamed", "9876543219", "booth_president", B1)])
    job = start(api, "contacts", text.encode())
    deliver_upload(job["import_id"])
    real_checkpoint = store.checkpoint
    crashes: list[int] = []

    def crash_once(*args: Any) -> bool:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("the Lambda died before its checkpoint")
        return real_checkpoint(*args)

    monkeypatch.setattr(store, "checkpoint", crash_once)
    with pytest.raises(RuntimeError):
        service.process_chunk(job["import_id"], 0)  # wrote its rows, then died
    service.process_chunk(job["import_id"], 0)  # SQS delivers it again
    service.process_chunk(job["import_id"], 0)  # and once more, after the checkpoint
    run_jobs()
    view = api.get(f"/imports/{job['import_id']}").json
    assert view["status"] == "done"
    assert view["counts"] == counts(created=2, updated=1)
    assert len(contacts()) == 3


def test_oversize_files_are_refused_before_and_after_upload(api: Any, district: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPARK_IMPORT_MAX_BYTES", "1000")
    reset_settings()
    r = api.post("/imports", {"kind": "contacts", "filename": "big.csv", "size": 1001},
                 headers={"idempotency-key": "big-file-1"})
    assert r.status == 413 and r.error["field"] == "size"
    big = csv_text([(f"W{i}", f"98765432{i:02d}", "panna_pramukh", B1) for i in range(40)]).encode()
    assert len(big) > 1000
    job = start(api, "contacts", big[:900])  # declared and uploaded small...
    requests.put(job["upload"]["url"], data=big, timeout=10)  # ...then replaced by a big one
    deliver_upload(job["import_id"])
    view = api.get(f"/imports/{job['import_id']}").json
    assert view["status"] == "failed" and view["error"]["code"] == "too_large"
    assert "the largest file an import takes is 0.0 MB" not in view["error"]["message"]
    assert contacts() == {}


UNREADABLE = [
    ("नाम,फ़ोन,भूमिका,बूथ\r\n".encode()[:-9] + b"\xe9\r\nA,9876543210,booth_president,b1\r\n",
     "wrong_encoding", "line 1 is not UTF-8"),
    ("name,phone,role,booth\r\nRené,9876543210,booth_president,b1\r\n".encode("cp1252"), "wrong_encoding",
     "line 2 is not UTF-8"),
    (b"PK\x03\x04rest-of-a-workbook", "not_csv", "Excel workbook"),
    ("name,phone,role,booth\r\n".encode("utf-16-le"), "unsupported_encoding", "without a byte-order mark"),
    ("\ufeffname\r\n".encode("utf-32"), "unsupported_encoding", "UTF-32"),
    (b"\r\n\r\n", "no_header", "no header"),
    (b"name,role,booth\r\nA,booth_president,b1\r\n", "missing_columns", "phone"),
]


def test_files_that_cannot_be_read_fail_with_a_clear_reason(api: Any, district: Any) -> None:
    for data, code, words in UNREADABLE:
        view = run_import(api, "contacts", data)
        assert view["status"] == "failed", (code, view)
        assert view["error"]["code"] == code and words in view["error"]["message"], view["error"]
        assert view["report_url"] is None
    job = api.post("/imports", {"kind": "contacts", "filename": "e.csv", "size": 1},
                   headers={"idempotency-key": "empty-file"}).json
    requests.put(job["upload"]["url"], data=b"", timeout=10)
    deliver_upload(job["import_id"])
    view = api.get(f"/imports/{job['import_id']}").json
    assert (view["status"], view["error"]["code"]) == ("failed", "empty_file")
    assert contacts() == {}


def test_units_import_builds_a_hierarchy_in_file_order(api: Any, district: Any) -> None:
    text = csv_text([
        ("chw-a1-m1-k2", "शक्ति केंद्र", "chw-a1-m1", "पिपरिया", "Pipariya"),
        ("chw-a1-m1-k2-b1", "बूथ", "chw-a1-m1-k2", "बूथ 7", "Booth 7"),
        ("chw-a1-m1-k1-b1", "booth", "chw-a1-m1-k1", "बूथ 1", "Booth One"),      # a rename
        ("chw-a1-m1-k1-b2", "booth", "chw-a1-m1", "बूथ 2", "Booth 2"),          # a parent change: refused
        ("chw-a1-m9-k1", "shakti kendra", "chw-a1-m9", "x", "x"),              # unknown parent
        ("chw-a1-m1-k3", "booth", "chw-a1-m1", "x", "x"),                      # wrong level under a mandal
    ], ("Unit ID", "स्तर", "Parent", "नाम हिंदी", "Name (English)"))
    view = run_import(api, "units", text.encode("utf-8-sig"))
    assert view["counts"] == counts(created=2, updated=1, rejected=3), report_rows(view)
    assert view["ignored_columns"] == []
    assert api.get("/units/chw-a1-m1-k2-b1").json["path"] == ["chw", "chw-a1", "chw-a1-m1", "chw-a1-m1-k2",
                                                             "chw-a1-m1-k2-b1"]
    assert api.get("/units/chw-a1-m1-k1-b1").json["name_en"] == "Booth One"
    assert [r[0] for r in report_rows(view)[1:]] == ["5", "6", "7"]
    again = run_import(api, "units", text.encode("utf-8-sig"))
    assert again["counts"] == counts(unchanged=3, rejected=3)


def test_a_do_not_call_list_opts_contacts_out(api: Any, district: Any) -> None:
    ids = [api.post("/contacts", contact_body(phone=f"987654321{i}")).json["contact_id"] for i in range(3)]
    text = "मोबाइल\r\n९८७६५४३२१०\r\n+91 98765 43211\r\n9000000001\r\n"
    view = run_import(api, "dnc", text.encode("utf-8-sig"), district_id="chw")
    assert view["counts"] == counts(updated=2, rejected=1)
    stored = contacts()
    assert [stored[i].opted_out for i in ids] == [True, True, False]
    assert stored[ids[0]].opt_out_source.startswith("import:")
    again = run_import(api, "dnc", text.encode("utf-8-sig"), district_id="chw")
    assert again["counts"] == counts(unchanged=2, rejected=1)
    r = api.post("/imports", {"kind": "dnc", "filename": "dnc.csv", "size": 10},
                 headers={"idempotency-key": "dnc-without-district"})
    assert r.status == 400 and r.error["field"] == "district_id"


def test_creating_an_import_is_idempotent_and_admin_only(api: Any, district: Any) -> None:
    body = {"kind": "contacts", "filename": "list.csv", "size": 100}
    first = api.post("/imports", body, headers={"idempotency-key": "same-key-1"})
    second = api.post("/imports", body, headers={"idempotency-key": "same-key-1"})
    assert (first.status, second.status) == (201, 200)
    assert first.json["import_id"] == second.json["import_id"] and second.json["upload"]["url"]
    other = api.post("/imports", {**body, "size": 101}, headers={"idempotency-key": "same-key-1"})
    assert other.status == 409 and other.error["code"] == "idempotency_key_reused"
    assert api.post("/imports", body).status == 400
    assert api.post("/imports", body, role="supervisor", headers={"idempotency-key": "k" * 10}).status == 403
    assert api.get("/imports/im_nope").status == 404
    assert first.json["status"] == "awaiting_upload" and first.json["rows_total"] == 0


def test_write_calls_per_row_for_new_contacts(api: Any, district: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(f"कार्यकर्ता {i}", f"98{i:08d}", "panna_pramukh", B1 if i % 2 else B2) for i in range(600)]
    data = csv_text(rows).encode()
    job = start(api, "contacts", data)
    calls = count_dynamodb_calls(monkeypatch)
    deliver_upload(job["import_id"])
    run_jobs()
    writes = sum(n for op, n in calls.items() if op in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                                         "TransactWriteItems"))
    view = api.get(f"/imports/{job['import_id']}").json
    assert view["counts"] == counts(created=600)
    assert writes / 600 <= 0.05, calls
    assert calls["Scan"] == 0 and calls["TransactWriteItems"] == 12  # 50 contacts and their claims each
    calls.clear()
    again = run_import(api, "contacts", data)  # the same file again: every row unchanged, no row written
    assert again["counts"] == counts(unchanged=600)
    assert calls["TransactWriteItems"] == 0 and calls["BatchWriteItem"] == 0
    assert calls["PutItem"] + calls["UpdateItem"] == 1 + 1 + 2 + 1  # job, prepare, 2 checkpoints, done


def test_an_api_edit_racing_an_update_is_kept_and_the_row_applied_on_top(api: Any, district: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The contact's version changes between the chunk's read and its write: the version condition
    cancels that update, and the row is applied again to the contact as it is now."""
    contact_id = api.post("/contacts", contact_body(phone="9876543210")).json["contact_id"]
    real_update = store.update_contacts
    edits: list[int] = []

    def edit_then_update(changes: Any) -> Any:
        if not edits:
            r = api.patch(f"/contacts/{contact_id}", {"version": 1, "language": "en"})
            edits.append(r.status)
        return real_update(changes)

    monkeypatch.setattr(store, "update_contacts", edit_then_update)
    view = run_import(api, "contacts", csv_text([("Ram Y.", "9876543210", "panna_pramukh", B2)]).encode())
    assert edits == [200]
    assert view["counts"] == counts(updated=1)
    contact = contacts()[contact_id]
    assert (contact.language, contact.name_en, contact.role, contact.unit_id, contact.version) == \
           ("en", "Ram Y.", "panna_pramukh", B2, 3)
