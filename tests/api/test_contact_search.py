"""Finding a person (issue 16, point 1): a phone written any way through the phone claim, a name prefix
in Devanagari or Latin through the name index, kept right by every write (create, edit, import,
erasure); masked, paged, a bounded number of DynamoDB calls whatever the district's size. And the count
of contacts a campaign's target matches (issue 15, point 2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.org import rules
from chalicelib.org.store import ContactModel
from devtools.moto_local import patched
from tests.api.bulk import run_import
from tests.api.conftest import Api, contact_body
from tests.conftest import count_dynamodb_calls

B1, B2 = "chw-a1-m1-k1-b1", "chw-a1-m1-k1-b2"


@pytest.fixture(autouse=True)
def dynamodb_transactions_at_real_cost() -> Iterator[None]:
    with patched():
        yield


def _create(api: Api, **kw: Any) -> dict[str, Any]:
    r = api.post("/contacts", contact_body(**kw))
    assert r.status == 201, r.body
    return dict(r.json)


def _search(api: Api, q: str, role: str = "supervisor", **params: str) -> Any:
    from urllib.parse import urlencode

    return api.get(f"/contacts/search?{urlencode({'q': q, **params})}", role=role)


def _ids(r: Any) -> list[str]:
    assert r.status == 200, r.body
    return [item["contact_id"] for item in r.json["items"]]


def test_name_keys_fold_case_nukta_spaces_and_accents() -> None:
    assert rules.name_key("Ram  Kumar") == rules.name_key("ram-kumar") == rules.name_key("RAMKUMAR") == "ramkumar"
    assert rules.name_key("ज़ाकिर") == rules.name_key("ज\u093cाकिर") == rules.name_key("जाकिर")
    assert rules.name_key("José") == "jose"
    assert rules.name_key("राम") != rules.name_key("रमा")  # vowel signs stay: they change the name
    assert rules.search_query("०९८७६५ ४३२१०") == ("phone", "+919876543210")
    assert rules.search_query(" +91-98765-43210 ") == ("phone", "+919876543210")
    assert rules.search_query("9876543210.0") == ("phone", "+919876543210")  # a spreadsheet's number cell
    assert rules.search_query("0091 (98765) 43210") == ("phone", "+919876543210")
    assert rules.search_query("राम या") == ("deva", "रामया")
    assert rules.search_query("Ram Y") == ("latn", "ramy")


def test_a_phone_written_any_way_finds_its_contact_masked(api: Api, district: dict[str, str]) -> None:
    cid = _create(api, phone="+919876543210")["contact_id"]
    _create(api, phone="9876543299", name_hi="श्याम", name_en="Shyam")
    for written in ("098765 43210", "+91-98765-43210", "०९८७६५ ४३२१०", "98765.43210"):
        r = _search(api, written)
        assert _ids(r) == [cid], written
        item = r.json["items"][0]
        assert item["phone_masked"] == "+91XXXXXX3210" and "phone" not in item
        assert "9876543210" not in r.body.decode()
        assert item["unit"]["name_en"] == "Booth 1" and r.json["match"] == "phone"
    assert _ids(_search(api, "9876543211")) == []  # a valid number no one holds


def test_a_name_prefix_finds_contacts_in_either_script(api: Api, district: dict[str, str]) -> None:
    ram = _create(api, phone="9876543210", name_hi="राम यादव", name_en="Ram Yadav")["contact_id"]
    ramesh = _create(api, phone="9876543211", name_hi="रमेश", name_en="Ramesh")["contact_id"]
    zakir = _create(api, phone="9876543212", name_hi="ज़ाकिर ख़ान", name_en="Zakir Khan", unit_id=B2)["contact_id"]
    assert _ids(_search(api, "राम")) == [ram]
    assert sorted(_ids(_search(api, "र"))) == sorted([ram, ramesh])
    assert sorted(_ids(_search(api, "ram", role="admin"))) == sorted([ram, ramesh])
    assert _ids(_search(api, "RAM YA")) == [ram]
    assert _ids(_search(api, "जाकिर")) == [zakir]  # typed without the nukta
    assert _ids(_search(api, "zakirkh")) == [zakir]
    assert _ids(_search(api, "श्याम")) == []


def test_search_pages_with_an_opaque_cursor(api: Api, district: dict[str, str]) -> None:
    made = {_create(api, phone=f"98765432{i:02d}", name_hi=f"राम {i:02d}", name_en=f"Ram {i:02d}")["contact_id"]
            for i in range(5)}
    first = _search(api, "राम", limit="2")
    assert len(first.json["items"]) == 2 and first.json["next_cursor"]
    seen = _ids(first)
    cursor = first.json["next_cursor"]
    while cursor:
        page = _search(api, "राम", limit="2", cursor=cursor)
        seen += _ids(page)
        cursor = page.json["next_cursor"]
    assert sorted(seen) == sorted(made)
    assert _search(api, "ram", cursor=first.json["next_cursor"]).error["field"] == "cursor"  # another index's


def test_bad_queries_are_400_and_agents_are_refused(api: Api, district: dict[str, str]) -> None:
    for q, code in (("", "required"), ("   ", "required"), ("12345", "invalid"), ("ram 12", "invalid"),
                    ("...", "invalid"), ("x" * 61, "invalid"), ("+1 202 555 0100", "invalid")):
        r = _search(api, q)
        assert r.status == 400 and r.error["field"] == "q" and r.error["code"] == code, (q, r.body)
    assert _search(api, "ram", district="chw-a1").error["field"] == "district"
    assert _search(api, "ram", role="agent").status == 403
    assert _search(api, "ram", role="state_leader").status == 403


def test_edits_imports_and_erasure_keep_the_name_index_right(api: Api, district: dict[str, str]) -> None:
    created = _create(api, phone="9876543210", name_hi="राम यादव", name_en="Ram Yadav")
    cid = created["contact_id"]
    r = api.patch(f"/contacts/{cid}", {"version": created["version"], "name_hi": "सीता", "name_en": ""})
    assert r.status == 200, r.body
    assert _ids(_search(api, "राम")) == [] and _ids(_search(api, "सी")) == [cid]
    assert _ids(_search(api, "ram")) == []  # no Latin name now: out of that index
    stored = ContactModel.get(cid)
    assert stored.name_latn_key is None and stored.name_deva_key == f"सीता#{cid}"
    # an import creates one contact and renames the other
    text = "name,phone,role,booth\r\nगोपाल,9876543220,booth_president,chw-a1-m1-k1-b2\r\n" \
           "Mohan Lal,9876543210,booth_president,chw-a1-m1-k1-b1\r\n"
    view = run_import(api, "contacts", text.encode("utf-8"))
    assert view["status"] == "done" and view["counts"]["created"] == 1 and view["counts"]["updated"] == 1, view
    assert _ids(_search(api, "mohan")) == [cid]
    assert len(_ids(_search(api, "गोपा"))) == 1
    assert api.delete(f"/contacts/{cid}").status == 200
    assert _ids(_search(api, "mohan")) == [] and _ids(_search(api, "सी")) == []


def _bulk(n: int, start: int) -> None:
    """n contacts written straight to the table (the API would take long): the model's put computes
    their name keys as every write does."""
    with ContactModel.batch_write() as batch:
        for i in range(start, start + n):
            cid = f"ct_{i:026d}"
            batch.save(ContactModel(
                cid, district_id="chw", unit_id=B1, tree_key=f"chw/chw-a1/chw-a1-m1/chw-a1-m1-k1/{B1}/{cid}",
                district_role="chw#booth_committee_member", role="booth_committee_member",
                name_hi=("राम " if i % 2 else "रमेश ") + str(i), name_en=f"Ram {i}", phone=f"+9190000{i:05d}",
                phone_last4=f"{i:04d}"[-4:], language="hi", consent_source="import", consent_purpose="outreach",
                consent_at="2026-01-01T00:00:00Z", created_at="2026-01-01T00:00:00Z",
                updated_at="2026-01-01T00:00:00Z", created_by="test"))


def test_search_costs_the_same_few_calls_whatever_the_district_size(api: Api, district: dict[str, str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _create(api, phone="9876543210")
    _search(api, "warm")  # the first request of a role reads its user once (auth's cache)
    measured = []
    for n, start in ((40, 1000), (800, 2000)):
        _bulk(n, start)
        calls = count_dynamodb_calls(monkeypatch)
        assert len(_ids(_search(api, "राम"))) == 20
        assert _ids(_search(api, "098765 43210"))
        measured.append(dict(calls))
        monkeypatch.undo()
    assert measured[0] == measured[1], measured
    assert "Scan" not in measured[0]
    # per search: by_parent (the deployment's district), then the Query + BatchGetItem of unit names,
    # or the claim + contact GetItems + BatchGetItem: at most four calls
    assert sum(measured[0].values()) <= 8, measured[0]


def test_count_of_contacts_a_target_matches(api: Api, district: dict[str, str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _create(api, phone="9876543210", role="booth_president")
    _create(api, phone="9876543211", role="panna_pramukh", unit_id=B2)
    _create(api, phone="9876543212", role="shakti_kendra_incharge", unit_id="chw-a1-m1-k1")
    _bulk(30, 5000)

    def count(unit: str, roles: str = "") -> Any:
        r = api.get(f"/units/{unit}/contacts/count?roles={roles}", role="supervisor")
        assert r.status == 200, r.body
        return r.json

    assert count("chw") == {"unit_id": "chw", "roles": [], "count": 33, "exact": True}
    assert count("chw-a1-m1-k1", "booth_president,panna_pramukh")["count"] == 2
    assert count(B2, "booth_president,panna_pramukh")["count"] == 1
    assert count("chw-a1-m2")["count"] == 0
    calls = count_dynamodb_calls(monkeypatch)
    assert count("chw", "booth_committee_member")["count"] == 30
    assert dict(calls) == {"GetItem": 1, "Query": 1}  # the unit, one COUNT query: no item is returned
    bad = api.get("/units/chw/contacts/count?roles=booth_president,chief", role="supervisor")
    assert bad.status == 400 and bad.error["field"] == "roles"
    assert api.get("/units/chw/contacts/count", role="agent").status == 403
    assert api.get("/units/nowhere/contacts/count", role="admin").status == 404


def test_count_stops_at_its_page_budget_and_says_it_is_a_lower_bound(api: Api, district: dict[str, str]) -> None:
    from chalicelib.org import store

    _bulk(30, 7000)
    path = "chw/"
    assert store.count_in_subtree("chw", path, "booth_committee_member", 2, page_items=10) == (20, False)
    assert store.count_in_subtree("chw", path, "booth_committee_member", 4, page_items=10) == (30, True)
    assert store.count_in_subtree("chw", path, None, 5, page_items=10) == (30, True)
