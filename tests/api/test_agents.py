"""Agents: profiles and their Cognito logins, idempotent creation, deactivation, leave."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.shifts import agent_store
from tests.api.conftest import Api, Env
from tests.api.shifts_support import Clock, ist


def agent_body(username: str = "asha01", **extra: Any) -> dict[str, Any]:
    return {"username": username, "name_hi": "आशा वर्मा", "name_en": "Asha Verma", "email": f"{username}@example.org",
            "phone": "098765 43210", "languages": ["hi", "en"], "role": "agent", **extra}


def login(api: Api, username: str, password: str) -> Any:
    return api.post("/auth/login", {"username": username, "password": password}, role=None)


def test_a_created_agent_signs_in_with_the_temporary_password_and_gets_the_agent_role(api: Api, aws: Env) -> None:
    r = api.post("/agents", agent_body())
    assert r.status == 201, r.body
    created = r.json
    assert created["phone_masked"] == "+91XXXXXX3210" and "phone" not in created
    assert created["active"] is True and created["version"] == 1
    groups = aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id, Username="asha01")["Groups"]
    assert [g["GroupName"] for g in groups] == ["agent"]
    # first sign-in: the foundation's login asks for a new password, then issues tokens
    first = login(api, "asha01", created["temporary_password"])
    assert first.status == 409 and first.error["code"] == "challenge_required"
    done = api.post("/auth/new-password", {"username": "asha01", "session": first.error["session"],
                                           "new_password": "my-own-pass-42"}, role=None)
    assert done.status == 200, done.body
    me = api.get("/me", token=done.json["id_token"])
    assert me.json == {"username": "asha01", "roles": ["agent"]}
    assert login(api, "asha01", "my-own-pass-42").status == 200


def test_the_same_create_again_is_the_same_agent_and_another_body_is_a_conflict(api: Api, aws: Env) -> None:
    first = api.post("/agents", agent_body())
    again = api.post("/agents", agent_body(phone="+91 98765 43210"))  # the same phone, written differently
    assert again.status == 201 and "temporary_password" not in again.json
    assert {k: v for k, v in first.json.items() if k != "temporary_password"} == again.json
    other = api.post("/agents", agent_body(name_en="Someone Else"))
    assert other.status == 409 and other.error["code"] == "agent_exists"
    users = aws.cognito.list_users(UserPoolId=aws.pool_id, Filter='username = "asha01"')["Users"]
    assert len(users) == 1


def test_a_retry_completes_a_login_that_the_first_attempt_did_not_create(api: Api, aws: Env) -> None:
    api.post("/agents", agent_body())
    aws.cognito.admin_delete_user(UserPoolId=aws.pool_id, Username="asha01")  # as if it had failed there
    assert api.post("/agents", agent_body()).status == 201
    groups = aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id, Username="asha01")["Groups"]
    assert [g["GroupName"] for g in groups] == ["agent"]


def test_a_username_of_another_login_is_refused_and_leaves_no_profile(api: Api, aws: Env) -> None:
    r = api.post("/agents", agent_body("user-admin"))
    assert r.status == 409 and r.error["code"] == "username_taken"
    assert agent_store.get_agent("user-admin") is None
    groups = aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id, Username="user-admin")["Groups"]
    assert [g["GroupName"] for g in groups] == ["admin"]


def test_deactivating_disables_the_login_and_reactivating_enables_it(api: Api, aws: Env) -> None:
    created = api.post("/agents", agent_body()).json
    first = login(api, "asha01", created["temporary_password"])
    api.post("/auth/new-password", {"username": "asha01", "session": first.error["session"],
                                    "new_password": "my-own-pass-42"}, role=None)
    off = api.patch("/agents/asha01", {"version": 1, "active": False})
    assert off.status == 200 and off.json["active"] is False and off.json["version"] == 2
    assert aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")["Enabled"] is False
    assert login(api, "asha01", "my-own-pass-42").status == 401
    on = api.patch("/agents/asha01", {"version": 2, "active": True})
    assert on.status == 200 and aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")["Enabled"]
    assert login(api, "asha01", "my-own-pass-42").status == 200


def test_a_role_change_moves_the_login_to_the_other_group(api: Api, aws: Env) -> None:
    api.post("/agents", agent_body())
    r = api.patch("/agents/asha01", {"version": 1, "role": "supervisor", "phone": None})
    assert r.status == 200 and r.json["role"] == "supervisor" and r.json["phone_masked"] is None
    groups = aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id, Username="asha01")["Groups"]
    assert [g["GroupName"] for g in groups] == ["supervisor"]
    moved = api.patch("/agents/asha01", {"version": 2, "email": "Asha.New@Example.org"})
    assert moved.status == 200 and moved.json["email"] == "asha.new@example.org"
    attributes = aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")["UserAttributes"]
    assert {"Name": "email", "Value": "asha.new@example.org"} in attributes
    stale = api.patch("/agents/asha01", {"version": 1, "name_en": "Late"})
    assert stale.status == 409 and stale.error["code"] == "stale_version"
    listed = api.get("/agents?role=supervisor", role="supervisor").json["items"]
    assert [a["username"] for a in listed] == ["asha01"]


def test_lists_mask_phones_and_page_by_role(api: Api) -> None:
    for i in range(5):
        assert api.post("/agents", agent_body(f"agent{i:02d}", phone=f"+91987654321{i}")).status == 201
    api.post("/agents", agent_body("sup01", role="supervisor"))
    page = api.get("/agents?role=agent&limit=3")
    assert page.status == 200 and len(page.json["items"]) == 3
    rest = api.get(f"/agents?role=agent&limit=3&cursor={page.json['next_cursor']}").json
    names = [a["username"] for a in page.json["items"] + rest["items"]]
    assert names == [f"agent{i:02d}" for i in range(5)]
    assert all(a["phone_masked"].startswith("+91XXXXXX") and "phone" not in a for a in page.json["items"])
    assert "+9198765432" not in api.get("/agents").body.decode()
    assert api.get("/agents?role=boss").status == 400
    assert api.get("/agents/nobody-here").status == 404


BAD_BODIES = [
    {"phone": "12345"}, {"email": "not-an-email"}, {"role": "admin"}, {"languages": ["fr"]},
    {"username": "Bad Name"}, {"name_hi": "", "name_en": ""}, {"extra": 1},
]


def test_bad_agent_bodies_are_refused_with_the_field(api: Api) -> None:
    for bad in BAD_BODIES:
        r = api.post("/agents", agent_body(**bad))
        assert r.status == 400, (bad, r.body)
        assert r.error["field"].split("[")[0] in (*bad, "name_hi")
    assert api.get("/agents").json["items"] == []


def test_leave_is_idempotent_on_its_key_and_only_a_future_leave_can_be_withdrawn(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist("2026-12-02", "10:00"))
    api.post("/agents", agent_body())
    body = {"from": "2026-12-14", "to": "2026-12-20", "reason": "wedding"}
    key = {"Idempotency-Key": "leave-key-0001"}
    first = api.post("/agents/asha01/leaves", body, headers=key)
    assert first.status == 201, first.body
    assert api.post("/agents/asha01/leaves", body, headers=key).json == first.json
    reused = api.post("/agents/asha01/leaves", {**body, "to": "2026-12-21"}, headers=key)
    assert reused.status == 409 and reused.error["code"] == "idempotency_key_reused"
    started = api.post("/agents/asha01/leaves", {"from": "2026-12-01", "to": "2026-12-03", "reason": "fever"})
    assert started.status == 201
    assert api.post("/agents/asha01/leaves", {"from": "2026-12-05", "to": "2026-12-04", "reason": "x"}).status == 400
    listed = api.get("/agents/asha01/leaves", role="supervisor").json["items"]
    assert [(lv["from"], lv["to"]) for lv in listed] == [("2026-12-01", "2026-12-03"), ("2026-12-14", "2026-12-20")]
    refused = api.delete(f"/agents/asha01/leaves/{started.json['leave_id']}")
    assert refused.status == 409 and refused.error["code"] == "leave_started"
    assert api.delete(f"/agents/asha01/leaves/{first.json['leave_id']}").status == 200
    assert api.delete(f"/agents/asha01/leaves/{first.json['leave_id']}").status == 404
    clock.set_ist("2026-12-20", "09:00")
    assert [lv["reason"] for lv in api.get("/agents/asha01/leaves").json["items"]] == ["fever"]
    assert api.post("/agents/nobody1/leaves", body).status == 404


def test_a_profile_without_a_login_can_be_deactivated_and_reactivating_gives_it_one(api: Api, aws: Env) -> None:
    from tests.api.shifts_support import put_agents

    put_agents(1)  # as the seeder writes them, before any login exists
    assert api.patch("/agents/agent01", {"version": 1, "active": False}).status == 200
    assert api.patch("/agents/agent01", {"version": 2, "active": True}).status == 200
    user = aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="agent01")
    assert user["Enabled"] and user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    groups = aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id, Username="agent01")["Groups"]
    assert [g["GroupName"] for g in groups] == ["agent"]
