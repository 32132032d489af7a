"""Odd input is a 400 on the field, never a 500 and never stored (issue 14, B.8, B.9, B.15, B.16)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.core.validate import Field, check_text, validate
from chalicelib.shifts import store as shifts_store
from tests.api.calling import call_body, campaign_body
from tests.api.conftest import Api, contact_body

pytestmark = pytest.mark.usefixtures("district")


def agent_body(**extra: Any) -> dict[str, Any]:
    return {"username": "asha01", "name_hi": "आशा वर्मा", "name_en": "Asha Verma", "email": "asha01@example.org",
            "phone": "098765 43210", "role": "agent", **extra}


def contacts_in_b1(api: Api) -> list[Any]:
    return list(api.get("/units/chw-a1-m1-k1-b1/contacts", role="admin").json["items"])


# ---- B.8: nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "role"), [
    ("POST", "/auth/login", None), ("POST", "/contacts", "admin"), ("POST", "/calls", "agent"),
    ("PUT", "/settings/seats", "admin"), ("PATCH", "/agents/asha01", "admin"),
])
def test_deeply_nested_json_is_malformed_json_on_any_route(api: Api, method: str, path: str,
                                                           role: str | None) -> None:
    for raw in (b"[" * 30_000 + b"]" * 30_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000, b"[" * 50_000):
        r = api.call(method, path, role=role, raw=raw)
        assert r.status == 400, (path, r.status, r.body[:200])
        assert r.error["code"] == "malformed_json"


def test_nesting_is_capped_at_32_levels_and_brackets_inside_strings_do_not_count(api: Api) -> None:
    def nested(depth: int) -> bytes:  # the body object is level 1
        return ('{"name_en":' + "[" * (depth - 1) + '"x"' + "]" * (depth - 1) + "}").encode()

    at_cap = api.post("/contacts", raw=nested(32))
    assert at_cap.status == 400 and at_cap.error["code"] != "malformed_json"  # parsed: then refused on the field
    over = api.post("/contacts", raw=nested(33))
    assert over.status == 400 and over.error["code"] == "malformed_json"
    brackets = contact_body(name_en="[[[[" * 40 + "{{{{" * 40)  # 320 brackets in a string: text, not nesting
    r = api.post("/contacts", raw=json.dumps(brackets).encode())
    assert r.status == 400 and r.error["field"] == "name_en"  # refused for its length, not as malformed


# ---- B.9: lone surrogates -------------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_on_the_field_of_each_create(api: Api) -> None:
    cases = [
        ("/contacts", contact_body(name_en="Ram \ud800 Yadav"), "admin", "name_en"),
        ("/contacts", contact_body(consent={"source": "party_register", "purpose": "x\udfff"}), "admin",
         "consent.purpose"),
        ("/agents", agent_body(name_hi="\udc00आशा"), "admin", "name_hi"),
        ("/campaigns", campaign_body(questions=[{"id": "q", "kind": "yes_no", "text_hi": "\ud83d",
                                                 "text_en": "Q"}]), "supervisor", "questions[0].text_hi"),
        ("/calls", call_body("cmp_x", "ct_x", notes="बात \ud800 हुई"), "agent", "notes"),
        ("/calls", call_body("cmp_x", "ct_x", answers={"\ud800": True}), "agent", "answers"),
    ]
    for path, body, role, field in cases:
        raw = json.dumps(body).encode()  # json.dumps writes the surrogate as the escape \ud800
        assert b"\\ud8" in raw or b"\\udc" in raw or b"\\udf" in raw
        r = api.post(path, raw=raw, role=role)
        assert r.status == 400, (path, r.body)
        assert r.error == {"code": "invalid_unicode", "field": field, "message": r.error["message"]}
    assert contacts_in_b1(api) == []
    assert shifts_store.get_agent("asha01") is None
    # a surrogate pair is a real character (an emoji): accepted
    ok = api.post("/contacts", raw=json.dumps(contact_body(name_en="Ram \ud83d\ude00")).encode())
    assert ok.status == 201, ok.body
    assert api.get(f"/contacts/{ok.json['contact_id']}").json["name_en"] == "Ram \U0001f600"


# ---- B.15: phones and names -----------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["98765abcde", "9876543abc", "1-800-FLOWERS", "98765 4321O", "９８７６５４３２１０"])
def test_letters_in_a_phone_are_refused_not_read_as_keypad_digits(api: Api, phone: str) -> None:
    r = api.post("/contacts", contact_body(phone=phone))
    assert r.status == 400 and r.error["field"] == "phone", r.body
    a = api.post("/agents", agent_body(phone=phone))
    assert a.status == 400 and a.error["field"] == "phone", a.body
    assert contacts_in_b1(api) == [] and shifts_store.get_agent("asha01") is None


def test_phones_as_people_write_them_still_pass(api: Api) -> None:
    for i, phone in enumerate(["+91 98765-4321{}", "(0)98765.4321{}", "९८७६५४३२१{}"]):
        r = api.post("/contacts", contact_body(phone=phone.format(i)))
        assert r.status == 201, (phone, r.body)


BAD_NAMES = {
    "nul": "Ram\x00Yadav", "bell": "Ram\x07", "escape": "\x1b[31mRam", "del": "Ram\x7f", "c1": "Ram\x9b",
    "rlo": "Ram \u202eavadaY", "lre": "\u202aRam", "pdf": "Ram\u202c", "lri": "\u2066Ram", "pdi": "Ram\u2069",
    "zero_width_only": "\u200b\u200b", "joiners_only": "\u200c\u200d", "bom_only": "\ufeff", "word_joiner": "\u2060 ",
}


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_names_with_controls_bidi_overrides_or_nothing_visible_are_refused(api: Api, case: str) -> None:
    name = BAD_NAMES[case]
    r = api.post("/contacts", contact_body(name_en=name))
    assert r.status == 400 and r.error["field"] == "name_en" and r.error["code"] == "invalid_text", r.body
    a = api.post("/agents", agent_body(name_en=name))
    assert a.status == 400 and a.error["field"] == "name_en" and a.error["code"] == "invalid_text", a.body
    c = api.post("/campaigns", campaign_body(title_en=name), role="supervisor")
    assert c.status == 400 and c.error["field"] == "title_en" and c.error["code"] == "invalid_text", c.body
    assert contacts_in_b1(api) == [] and shifts_store.get_agent("asha01") is None
    assert api.get("/campaigns", role="supervisor").json["items"] == []


def test_an_agents_name_is_one_line_while_notes_keep_their_line_breaks(api: Api) -> None:
    r = api.post("/agents", agent_body(name_en="Asha\nVerma"))
    assert r.status == 400 and r.error["field"] == "name_en"
    k = api.post("/contacts", contact_body(name_en="Ram\r\nYadav"))
    assert k.status == 400 and k.error["field"] == "name_en" and k.error["code"] == "invalid_text", k.body
    assert contacts_in_b1(api) == []
    c = api.post("/campaigns", campaign_body(title_hi="सदस्यता\nअभियान"), role="supervisor")
    assert c.status == 400 and c.error["field"] == "title_hi" and c.error["code"] == "invalid_text", c.body
    assert api.get("/campaigns", role="supervisor").json["items"] == []
    assert validate({"notes": "पहली पंक्ति\nदूसरी\tपंक्ति"}, {"notes": Field("str")}) == {
        "notes": "पहली पंक्ति\nदूसरी\tपंक्ति"}
    with pytest.raises(ValidationError):
        check_text("Asha\tVerma", "name_en", line=True)


def test_joiners_inside_real_text_are_kept(api: Api) -> None:
    name = "क्\u200dष अग्र\u200cवाल"  # ZWJ / ZWNJ shape Devanagari conjuncts: part of the name
    r = api.post("/agents", agent_body(name_hi=name))
    assert r.status == 201, r.body
    assert r.json["name_hi"] == name


# ---- B.16: Chalice's own refusals -----------------------------------------------------------------


def test_a_method_a_route_does_not_have_is_405_in_the_error_shape(api: Api) -> None:
    r = api.call("DELETE", "/campaigns", role="admin")
    assert r.status == 405
    assert r.error["code"] == "method_not_allowed" and set(r.error) == {"code", "message", "field"}
    assert "GET" in r.headers.get("allow", r.headers.get("Allow", ""))


def test_an_unlisted_content_type_is_415_in_the_error_shape(api: Api) -> None:
    r = api.call("POST", "/contacts", role="admin", raw=b"<contact/>", headers={"content-type": "text/xml"})
    assert r.status == 415
    assert r.error["code"] == "unsupported_media_type" and set(r.error) == {"code", "message", "field"}
    plain = api.call("POST", "/contacts", role="admin", raw=b"name=x", headers={"content-type": "text/plain"})
    assert plain.status == 415 and plain.error["code"] == "unsupported_media_type"
