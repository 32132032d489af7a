"""The hierarchy: create, rename, browse; parents exactly one level up; nothing half-written."""

from __future__ import annotations

from chalicelib.org.store import UnitModel
from tests.api.conftest import Api


def test_tree_is_browsable_from_the_top(api: Api, district: dict[str, str]) -> None:
    top = api.get("/units", role="agent")
    assert top.status == 200
    assert [u["unit_id"] for u in top.json["items"]] == ["chw"]
    kids = api.get("/units/chw-a1/children", role="state_leader").json["items"]
    assert [k["name_en"] for k in kids] == ["Batkakhapa", "Tamia"]  # by name
    booth = api.get("/units/chw-a1-m1-k1-b1").json
    assert booth["path"] == ["chw", "chw-a1", "chw-a1-m1", "chw-a1-m1-k1", "chw-a1-m1-k1-b1"]
    assert booth["district_id"] == "chw" and booth["name_hi"] == "बूथ 1"


def test_children_are_paged_with_an_opaque_cursor(api: Api, district: dict[str, str]) -> None:
    for i in range(7):
        body = {"level": "booth", "parent_id": "chw-a1-m1-k1", "name_hi": f"बूथ {i+10}", "name_en": f"Booth {i+10}"}
        assert api.put(f"/units/chw-a1-m1-k1-b{i+10}", body).status == 201
    seen, cursor = [], None
    for _ in range(10):
        r = api.get("/units/chw-a1-m1-k1/children?limit=4" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200 and len(r.json["items"]) <= 4
        seen += [u["unit_id"] for u in r.json["items"]]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 9
    assert api.get("/units/chw-a1-m1-k1/children?cursor=garbage").error["field"] == "cursor"
    assert api.get("/units/chw-a1-m1-k1/children?limit=101").error["field"] == "limit"


def test_rename_keeps_the_unit_and_refuses_a_new_parent(api: Api, district: dict[str, str]) -> None:
    r = api.put("/units/chw-a1-m1", {"level": "mandal", "parent_id": "chw-a1", "name_hi": "तामिया नगर",
                                     "name_en": "Tamia Nagar"})
    assert r.status == 200 and r.json["name_en"] == "Tamia Nagar"
    assert UnitModel.get("chw-a1-m1").name_hi == "तामिया नगर"
    moved = api.put("/units/chw-a1-m1", {"level": "mandal", "parent_id": "chw", "name_hi": "x", "name_en": "x"})
    assert moved.status in (400, 409)
    assert UnitModel.get("chw-a1-m1").parent_id == "chw-a1"


def test_bad_units_are_refused_and_nothing_is_written(api: Api, district: dict[str, str]) -> None:
    cases = [
        ("chw-x", {"level": "booth", "parent_id": "chw-a1", "name_hi": "x", "name_en": "x"}, 400, "parent_id"),
        ("chw-x", {"level": "booth", "parent_id": "nope", "name_hi": "x", "name_en": "x"}, 404, "parent_id"),
        ("chw-x", {"level": "village", "parent_id": "chw-a1", "name_hi": "x", "name_en": "x"}, 400, "level"),
        ("chw-x", {"level": "mandal", "name_hi": "x", "name_en": "x"}, 400, "parent_id"),
        ("chw-x", {"level": "mandal", "parent_id": "chw-a1", "name_hi": "x"}, 400, "name_en"),
        ("chw-x", {"level": "mandal", "parent_id": "chw-a1", "name_hi": "x", "name_en": "x", "zz": 1}, 400, "zz"),
        ("CHW_X", {"level": "mandal", "parent_id": "chw-a1", "name_hi": "x", "name_en": "x"}, 400, "unit_id"),
        ("chw-x", {"level": "mandal", "parent_id": "chw-a1", "name_hi": 5, "name_en": "x"}, 400, "name_hi"),
    ]
    for unit_id, body, status, field in cases:
        r = api.put(f"/units/{unit_id}", body)
        assert (r.status, r.error["field"]) == (status, field), (body, r.body)
    assert api.get("/units/chw-x").status == 404
    assert api.get("/units/nope/children").status == 404


def test_only_admins_change_the_tree(api: Api, district: dict[str, str]) -> None:
    body = {"level": "booth", "parent_id": "chw-a1-m1-k1", "name_hi": "x", "name_en": "x"}
    assert api.put("/units/chw-a1-m1-k1-b9", body, role="supervisor").status == 403
    assert api.get("/units/chw-a1-m1-k1-b9").status == 404
