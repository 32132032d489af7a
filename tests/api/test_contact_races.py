"""The preconditions of the contact and unit writes, met by a writer that got there first (the race
is staged: the other writer's change is made between this writer's read and its write). Each loser is
told what happened (409 stale, 404 gone) and nothing of its write lands: not the contact, not a claim."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.org import store
from chalicelib.org.store import ContactModel, PhoneClaimModel, UnitModel, claim_key
from tests.api.conftest import Api, contact_body


def _create(api: Api, **kw: Any) -> ContactModel:
    r = api.post("/contacts", contact_body(**kw))
    assert r.status == 201, r.body
    return ContactModel.get(r.json["contact_id"])


def _claims(district_id: str, *phones: str) -> list[str | None]:
    found = []
    for phone in phones:
        try:
            found.append(PhoneClaimModel.get(claim_key(district_id, phone)).contact_id)
        except PhoneClaimModel.DoesNotExist:
            found.append(None)
    return found


def test_an_edit_behind_another_edit_is_stale_and_changes_nothing(api: Api, district: dict[str, str]) -> None:
    read = _create(api)
    assert api.patch(f"/contacts/{read.contact_id}", {"version": 1, "name_en": "First"}).status == 200
    with pytest.raises(Conflict) as stale:
        store.update_contact(read, 1, {"name_en": "Second"}, None)
    assert stale.value.code == "stale_version"
    assert ContactModel.get(read.contact_id).name_en == "First"


def test_a_phone_change_behind_another_edit_moves_no_claim(api: Api, district: dict[str, str]) -> None:
    read = _create(api)
    assert api.patch(f"/contacts/{read.contact_id}", {"version": 1, "name_en": "First"}).status == 200
    with pytest.raises(Conflict) as stale:
        store.update_contact(read, 1, {"phone": "+919812345678"}, "+919812345678")
    assert stale.value.code == "stale_version"
    assert _claims(read.district_id, "+919876543210", "+919812345678") == [read.contact_id, None]
    assert ContactModel.get(read.contact_id).phone == "+919876543210"


def test_an_edit_of_a_contact_erased_meanwhile_is_not_found(api: Api, district: dict[str, str]) -> None:
    read = _create(api)
    assert api.delete(f"/contacts/{read.contact_id}").status in (200, 204)
    with pytest.raises(NotFound):
        store.update_contact(read, 1, {"name_en": "Late"}, None)
    with pytest.raises(NotFound):
        store.opt_out(read.contact_id, "2026-11-29T06:00:00+00:00", "call")
    assert store.get_contact(read.contact_id) is None  # neither write brought it back


def test_an_erasure_behind_an_edit_keeps_the_contact_and_its_claim(api: Api, district: dict[str, str]) -> None:
    read = _create(api)
    assert api.patch(f"/contacts/{read.contact_id}", {"version": 1, "name_en": "First"}).status == 200
    with pytest.raises(Conflict):
        store.erase_contact(read)
    assert store.get_contact(read.contact_id) is not None
    assert _claims(read.district_id, "+919876543210") == [read.contact_id]


def test_a_unit_cannot_be_moved_under_another_parent_by_a_rename(api: Api, district: dict[str, str]) -> None:
    booth = UnitModel.get("chw-a1-m1-k1-b1")
    moved = UnitModel.get("chw-a1-m1-k1-b1")
    moved.parent_key, moved.name_en = "chw-a1-m2", "Moved"
    with pytest.raises(Conflict):
        fields = {name: getattr(moved, name) for name in UnitModel.get_attributes() if name != "unit_id"}
        store.put_unit(moved.unit_id, fields, exists=True)
    again = UnitModel.get("chw-a1-m1-k1-b1")
    assert (again.parent_key, again.name_en) == (booth.parent_key, booth.name_en)
