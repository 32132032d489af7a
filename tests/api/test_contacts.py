"""Contacts: messy phones in, E.164 stored, one phone per district (by a conditional write),
optimistic locking, erasure, opt-out, masked lists, audited reveals, clean 4xx for bad input."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.org.store import AuditModel, ContactModel, PhoneClaimModel
from devtools.moto_local import patched
from tests.api.conftest import Api, contact_body


def _create(api: Api, **kw: Any) -> dict[str, Any]:
    r = api.post("/contacts", contact_body(**kw))
    assert r.status == 201, r.body
    return dict(r.json)


def test_create_normalises_a_messy_phone_and_reads_back(api: Api, district: dict[str, str]) -> None:
    created = _create(api, phone="098765 43210")
    assert created["phone"] == "+919876543210" and created["phone_masked"] == "+91XXXXXX3210"
    stored = ContactModel.get(created["contact_id"])
    assert stored.phone == "+919876543210" and stored.tree_key.startswith("chw/chw-a1/chw-a1-m1/")
    assert stored.consent_source == "party_register" and stored.consent_at
    masked = api.get(f"/contacts/{created['contact_id']}", role="supervisor").json
    assert "phone" not in masked and masked["phone_masked"] == "+91XXXXXX3210"
    assert list(AuditModel.query(f"contact#{created['contact_id']}")) == []


def test_reveal_is_audited_before_the_number_is_shown(api: Api, district: dict[str, str]) -> None:
    cid = _create(api)["contact_id"]
    r = api.get(f"/contacts/{cid}?reveal=true", role="supervisor")
    assert r.status == 200 and r.json["phone"] == "+919876543210"
    trail = list(AuditModel.query(f"contact#{cid}"))
    assert [(a.actor, a.action) for a in trail] == [("user-supervisor", "phone_revealed")]
    assert next(iter(AuditModel.by_actor.query("user-supervisor"))).subject == f"contact#{cid}"
    assert api.get(f"/contacts/{cid}", role="agent").status == 403
    assert api.get(f"/contacts/{cid}?reveal=yes").error["field"] == "reveal"


def test_one_phone_one_contact_per_district(api: Api, district: dict[str, str]) -> None:
    first = _create(api, phone="+91-98765-43210")
    again = api.post("/contacts", contact_body(unit_id="chw-a1-m1-k1-b2", phone="९८७६५४३२१०"))
    assert again.status == 409
    assert again.error["code"] == "duplicate_phone"
    assert again.error["existing_contact_id"] == first["contact_id"]
    holders = list(ContactModel.by_tree.query("chw"))
    assert len(holders) == 1


def test_concurrent_creates_of_one_phone_make_one_contact(api: Api, district: dict[str, str]) -> None:
    results: list[int] = []

    def create(i: int) -> None:
        r = api.post("/contacts", contact_body(phone="9876543210", name_en=f"Racer {i}"))
        results.append(r.status)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    # moto in-process restores whole tables when a transaction is cancelled, wiping concurrent writes;
    # the shim gives it DynamoDB's per-request atomicity (devtools/moto_local.py)
    with patched():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [201] + [409] * 7
    assert len(list(ContactModel.by_tree.query("chw"))) == 1


def test_create_is_idempotent_on_its_key(api: Api, district: dict[str, str]) -> None:
    key = {"idempotency-key": "create-0001"}
    a = api.post("/contacts", contact_body(), headers=key)
    b = api.post("/contacts", contact_body(), headers=key)
    assert a.status == b.status == 201 and a.json["contact_id"] == b.json["contact_id"]
    c = api.post("/contacts", contact_body(name_en="Someone Else"), headers=key)
    assert c.status == 409 and c.error["code"] == "idempotency_key_reused"
    # the key is bound to the whole body: another phone under the same key makes no second contact
    d = api.post("/contacts", contact_body(phone="9876500001"), headers=key)
    assert d.status == 409 and d.error["code"] == "idempotency_key_reused" and d.error["field"] == "Idempotency-Key"
    assert [x.contact_id for x in ContactModel.by_tree.query("chw")] == [a.json["contact_id"]]
    assert PhoneClaimModel.count("chw#+919876500001") == 0
    assert api.post("/contacts", contact_body(), headers={"idempotency-key": "bad key!"}).status == 400


def test_patch_needs_the_current_version(api: Api, district: dict[str, str]) -> None:
    c = _create(api)
    path = f"/contacts/{c['contact_id']}"
    ok = api.patch(path, {"version": c["version"], "name_en": "Ram Prasad Yadav", "language": "en"})
    assert ok.status == 200 and ok.json["version"] == c["version"] + 1
    stale = api.patch(path, {"version": c["version"], "name_en": "Lost Update"})
    assert stale.status == 409 and stale.error["code"] == "stale_version"
    assert ContactModel.get(c["contact_id"]).name_en == "Ram Prasad Yadav"
    assert api.patch("/contacts/ct_00000000000000000000000000", {"version": 1}).status == 404


def test_patch_moves_the_phone_claim(api: Api, district: dict[str, str]) -> None:
    a = _create(api, phone="9876543210")
    b = _create(api, phone="9876543211", role="panna_pramukh")
    taken = api.patch(f"/contacts/{b['contact_id']}", {"version": b["version"], "phone": "09876543210"})
    assert taken.status == 409 and taken.error["existing_contact_id"] == a["contact_id"]
    moved = api.patch(f"/contacts/{a['contact_id']}", {"version": a["version"], "phone": "9876500000"})
    assert moved.status == 200, moved.body
    assert PhoneClaimModel.get("chw#+919876500000").contact_id == a["contact_id"]
    assert PhoneClaimModel.count("chw#+919876543210") == 0
    reuse = api.patch(f"/contacts/{b['contact_id']}", {"version": b["version"], "phone": "9876543210"})
    assert reuse.status == 200
    assert ContactModel.get(b["contact_id"]).phone == "+919876543210"


def test_patch_to_a_unit_and_role_that_fit(api: Api, district: dict[str, str]) -> None:
    c = _create(api)
    path = f"/contacts/{c['contact_id']}"
    bad = api.patch(path, {"version": 1, "unit_id": "chw-a1-m1"})  # booth_president at a mandal
    assert bad.status == 400 and bad.error["field"] == "role"
    ok = api.patch(path, {"version": 1, "unit_id": "chw-a1-m1", "role": "mandal_president"})
    assert ok.status == 200
    stored = ContactModel.get(c["contact_id"])
    assert stored.tree_key == f"chw/chw-a1/chw-a1-m1/{c['contact_id']}"
    assert stored.district_role == "chw#mandal_president"


def test_erasure_removes_the_person(api: Api, district: dict[str, str]) -> None:
    c = _create(api)
    r = api.delete(f"/contacts/{c['contact_id']}")
    assert r.status == 200
    assert ContactModel.count(c["contact_id"]) == 0
    assert PhoneClaimModel.count("chw#+919876543210") == 0
    assert api.get(f"/contacts/{c['contact_id']}").status == 404
    # the trail stays readable by who acted, under a name that no longer leads to the person
    assert list(AuditModel.query(f"contact#{c['contact_id']}")) == []
    erased = [a for a in AuditModel.by_actor.query("user-admin") if a.action == "erased"]
    assert len(erased) == 1 and erased[0].subject.startswith("erased#")
    assert c["contact_id"][3:] not in erased[0].subject
    assert api.post("/contacts", contact_body()).status == 201  # the number is free again
    assert api.delete(f"/contacts/{c['contact_id']}").status == 404


def test_opt_out_is_idempotent_and_keeps_the_first_time(api: Api, district: dict[str, str]) -> None:
    c = _create(api)
    first = api.post(f"/contacts/{c['contact_id']}/opt-out", role="supervisor")
    second = api.post(f"/contacts/{c['contact_id']}/opt-out")
    assert first.status == second.status == 200
    assert first.json["opted_out"] and first.json["opted_out_at"] == second.json["opted_out_at"]
    stored = ContactModel.get(c["contact_id"])
    assert stored.opted_out and stored.opt_out_source == "user:user-supervisor"
    assert api.post("/contacts/ct_00000000000000000000000000/opt-out").status == 404


def test_subtree_lists_are_paged_masked_and_scoped(api: Api, district: dict[str, str]) -> None:
    phones = [f"98765432{i:02d}" for i in range(12)]
    for i, phone in enumerate(phones):
        unit = "chw-a1-m1-k1-b1" if i % 2 else "chw-a1-m1-k1-b2"
        _create(api, phone=phone, unit_id=unit, role="panna_pramukh", name_en=f"Worker {i}")
    _create(api, phone="9876500001", unit_id="chw-a1-m1", role="mandal_president")
    _create(api, phone="9876500002", unit_id="chw-a1-m2", role="mandal_president")  # another mandal
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = api.get("/units/chw-a1-m1/contacts?limit=5" + (f"&cursor={cursor}" if cursor else ""),
                    role="supervisor")
        assert r.status == 200 and len(r.json["items"]) <= 5
        seen += r.json["items"]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 13 and len({s["contact_id"] for s in seen}) == 13
    assert all("phone" not in s and s["phone_masked"].startswith("+91XXXXXX") for s in seen)
    booth = api.get("/units/chw-a1-m1-k1-b1/contacts").json["items"]
    assert len(booth) == 6
    presidents = api.get("/units/chw/contacts?role=mandal_president").json["items"]
    assert len(presidents) == 2
    assert api.get("/units/chw/contacts?role=king").error["field"] == "role"
    assert api.get("/units/nope/contacts").status == 404
    assert api.get("/units/chw/contacts", role="agent").status == 403


def test_bad_input_is_a_clean_4xx_and_writes_nothing(api: Api, district: dict[str, str]) -> None:
    base = contact_body()
    cases: list[tuple[Any, int, str | None]] = [
        ({**base, "phone": "12345"}, 400, "phone"),
        ({**base, "phone": "+1 202 555 0100"}, 400, "phone"),
        ({**base, "role": "booth_king"}, 400, "role"),
        ({**base, "role": "mandal_president"}, 400, "role"),
        ({**base, "unit_id": "no-such-unit"}, 404, "unit_id"),
        ({**base, "unit_id": 7}, 400, "unit_id"),
        ({**base, "surprise": True}, 400, "surprise"),
        ({**base, "consent": {"source": "gossip", "purpose": "x"}}, 400, "consent.source"),
        ({k: v for k, v in base.items() if k != "consent"}, 400, "consent"),
        ({**base, "name_hi": "", "name_en": ""}, 400, "name_hi"),
        ({**base, "language": "fr"}, 400, "language"),
        ([base], 400, "body"),
    ]
    for body, status, field in cases:
        r = api.post("/contacts", body)
        assert (r.status, r.error["field"]) == (status, field), (body, r.body)
    malformed = api.post("/contacts", raw=b'{"unit_id": ')
    assert malformed.status == 400 and malformed.error["code"] == "malformed_json"
    big = api.post("/contacts", raw=b'{"x": "' + b"a" * 70_000 + b'"}')
    assert big.status == 413 and big.error["code"] == "payload_too_large"
    wrong_type = api.post("/contacts", raw=b"unit_id=x", headers={"content-type": "text/plain"})
    assert wrong_type.status == 415
    assert list(ContactModel.by_tree.query("chw")) == []
    assert list(PhoneClaimModel.query("chw#+919876543210")) == []
