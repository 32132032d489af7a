"""Earlier imports and exports (`GET /imports`, `GET /exports`, issue 16 points 7-8) under moto: newest
first across kinds, who and when, status and counts, the error report's or the file's link while there
is one (none once withdrawn), a kind filter that is one Query, pages that follow a cursor made for the
same filter, 400s beside the field, admins only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.exports import store as export_store
from chalicelib.imports import store as import_store
from devtools.moto_local import patched
from tests.api.bulk import run_import, run_jobs, start
from tests.api.conftest import contact_body
from tests.conftest import count_dynamodb_calls

CONTACTS = ("name,phone,role,booth\r\nराम यादव,098765 43210,booth_president,chw-a1-m1-k1-b1\r\n"
            "x,12,booth_president,nowhere\r\n")
UNITS = "unit_id,level,parent,name_hi,name_en\r\nchw-a1-m1-k2,shakti_kendra,chw-a1-m1,पिपरिया,Pipariya\r\n"
DNC = "मोबाइल\r\n९८७६५४३२१०\r\n"


@pytest.fixture(autouse=True)
def dynamodb_transactions_at_real_cost() -> Iterator[None]:
    with patched():
        yield


def walk(api: Any, path: str, limit: int, query: str = "") -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        r = api.get(f"{path}?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        assert len(r.json["items"]) <= limit
        items += r.json["items"]
        pages += 1
        cursor = r.json["next_cursor"]
        if not cursor:
            return items, pages


def test_earlier_imports_newest_first_with_counts_and_their_report(
        api: Any, district: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_import(api, "contacts", CONTACTS.encode("utf-8-sig"), filename="booths.csv")
    units = run_import(api, "units", UNITS.encode("utf-8-sig"), filename="units.csv")
    dnc = run_import(api, "dnc", DNC.encode("utf-8-sig"), filename="dnc.csv", district_id="chw")
    waiting = start(api, "contacts", b"name,phone\r\n", filename="later.csv")  # never uploaded to the end
    second = run_import(api, "contacts", CONTACTS.encode("utf-8-sig"), filename="again.csv")
    order = [second["import_id"], waiting["import_id"], dnc["import_id"], units["import_id"], first["import_id"]]

    calls = count_dynamodb_calls(monkeypatch)
    r = api.get("/imports")
    assert r.status == 200, r.body
    assert calls["Query"] == 3 and calls["Scan"] == 0 and sum(calls.values()) == 3, calls
    items = r.json["items"]
    assert [i["import_id"] for i in items] == order and r.json["next_cursor"] is None
    top = items[0]
    assert (top["kind"], top["filename"], top["status"], top["created_by"]) == (
        "contacts", "again.csv", "done", "user-admin")
    assert top["counts"] == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 1}
    assert top["created_at"] < top["finished_at"]
    report = requests.get(top["report_url"], timeout=10).content.decode("utf-8-sig")
    assert "phone is not a valid Indian number" in report
    assert items[1]["status"] == "awaiting_upload" and items[1]["report_url"] is None
    assert items[-1]["counts"]["created"] == 1 and items[-1]["filename"] == "booths.csv"
    assert "9876543210" not in r.body.decode() and "43210" not in r.body.decode()

    calls.clear()
    only = api.get("/imports?kind=contacts")
    assert calls["Query"] == 1 and sum(calls.values()) == 1, calls
    assert [i["import_id"] for i in only.json["items"]] == [order[0], order[1], order[4]]

    for limit in (1, 2):  # every import once, in order, however the pages cut the kinds
        listed, pages = walk(api, "/imports", limit)
        assert [i["import_id"] for i in listed] == order
        assert pages >= len(order) // limit
    listed, _ = walk(api, "/imports", 1, "&kind=contacts")
    assert [i["import_id"] for i in listed] == [order[0], order[1], order[4]]

    import_store.mark_withdrawn(first["import_id"], "2026-03-10T05:00:00.000Z")  # as an erasure does
    gone = api.get("/imports?kind=contacts").json["items"][-1]
    assert gone["status"] == "withdrawn" and gone["report_url"] is None


def test_earlier_exports_newest_first_with_their_download(api: Any, district: Any) -> None:
    api.post("/contacts", contact_body())
    made = []
    for n, body in enumerate([{"kind": "contacts", "unit_id": "chw"},
                              {"kind": "call_logs", "unit_id": "chw", "from": "2026-03-01", "to": "2026-03-02"},
                              {"kind": "contacts", "unit_id": "chw-a1", "full_phones": True}]):
        r = api.post("/exports", body, headers={"idempotency-key": f"history-export-{n}"})
        assert r.status == 202, r.body
        made.append(r.json["export_id"])
    run_jobs()
    r = api.get("/exports")
    assert r.status == 200, r.body
    items = r.json["items"]
    assert [i["export_id"] for i in items] == made[::-1]
    newest = items[0]
    assert (newest["kind"], newest["unit_id"], newest["full_phones"], newest["status"], newest["rows"],
            newest["created_by"]) == ("contacts", "chw-a1", True, "done", 1, "user-admin")
    assert requests.get(newest["download_url"], timeout=10).status_code == 200
    assert items[1]["kind"] == "call_logs" and items[1]["from"] == "2026-03-01"
    listed, _ = walk(api, "/exports", 1)
    assert [i["export_id"] for i in listed] == made[::-1]
    assert [i["export_id"] for i in api.get("/exports?kind=contacts").json["items"]] == [made[2], made[0]]
    export_store.mark_withdrawn(made[2], "2026-03-10T05:00:00.000Z")
    gone = api.get("/exports").json["items"][0]
    assert gone["status"] == "withdrawn" and gone["download_url"] is None


@pytest.mark.parametrize("path", ["/imports", "/exports"])
def test_bad_filters_and_cursors_are_400s_beside_their_field(api: Any, district: Any, path: str) -> None:
    kind, other = "contacts", "units" if path == "/imports" else "call_logs"
    for n in range(2):
        if path == "/imports":
            start(api, kind, b"name\r\n", filename=f"f{n}.csv")
        else:
            assert api.post("/exports", {"kind": kind, "unit_id": "chw"},
                            headers={"idempotency-key": f"bad-filter-{n}"}).status == 202
    cursor = api.get(f"{path}?limit=1").json["next_cursor"]
    assert cursor
    for query, field in [("kind=everything", "kind"), ("limit=0", "limit"), ("limit=101", "limit"),
                         ("cursor=bm90LWEta2V5", "cursor"), ("cursor=%25%25", "cursor"),
                         (f"cursor={cursor}&kind={other}", "cursor"),
                         ("cursor=eyJjb250YWN0cyI6WyJ4IiwieSJdfQ", "cursor")]:
        r = api.get(f"{path}?{query}")
        assert r.status == 400 and r.error["field"] == field, (query, r.body)
    assert api.get(f"{path}?cursor={cursor}").status == 200


@pytest.mark.parametrize("path", ["/imports", "/exports"])
def test_only_admins_list_the_districts_files(api: Any, path: str) -> None:
    for role in ("supervisor", "agent", "state_leader", "central_leader"):
        r = api.get(path, role=role)
        assert r.status == 403 and "items" not in r.json, (role, r.body)
    assert api.get(path, role=None).status == 401
    assert api.get(path).json == {"items": [], "next_cursor": None}
