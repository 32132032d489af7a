"""The agents screen's API: finding an agent by login name or name prefix (Hindi or English, paged, a
Query of the centre's agents: never a Scan), the supervisor's duty override read back with its reason
and who set it when, and an admin's password reset that sends the agent through "set a new password"."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from chalicelib.org.store import AuditModel
from tests.api.conftest import Api, Env
from tests.api.shifts_support import Clock, ist
from tests.conftest import RECORDER

PEOPLE = [("asha01", "आशा वर्मा", "Asha Verma"), ("ram02", "राम क़ुमार", "Ram Kumar"),
          ("rani03", "रानी देवी", "Rani Devi"), ("zakir04", "ज़ाकिर ख़ान", "Zakir Khan")]


def body(username: str, name_hi: str, name_en: str, role: str = "agent") -> dict[str, Any]:
    return {"username": username, "name_hi": name_hi, "name_en": name_en, "email": f"{username}@example.org",
            "phone": None, "languages": ["hi"], "role": role}


def found(api: Api, q: str, **extra: str) -> list[str]:
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **extra}.items())
    r = api.get(f"/agents?{query}", role="supervisor")
    assert r.status == 200, r.body
    return [a["username"] for a in r.json["items"]]


def calls_of(route: str) -> list[Counter[str]]:
    return [ops for (name, _), ops in RECORDER.per_request.items() if name == route]


def test_an_agent_is_found_by_login_name_or_a_name_prefix_in_either_script(api: Api) -> None:
    for username, name_hi, name_en in PEOPLE:
        assert api.post("/agents", body(username, name_hi, name_en)).status == 201
    assert api.post("/agents", body("sup01", "सुनीता", "Sunita", role="supervisor")).status == 201
    before = len(calls_of("GET /agents"))
    assert found(api, "ra") == ["ram02", "rani03"]  # login names and names, in login-name order
    assert found(api, "ram0") == ["ram02"]
    assert found(api, "ASHA  ver") == ["asha01"]  # case and spaces do not matter
    assert found(api, "आशा") == ["asha01"]
    assert found(api, "राम कुमार") == ["ram02"]  # without the nukta the stored name has
    assert found(api, "जाकिर") == ["zakir04"]
    assert found(api, "kumar") == [] and found(api, "वर्मा") == []  # a prefix, not a word inside
    assert found(api, "s", role="supervisor") == ["sup01"] and found(api, "s", role="agent") == []
    assert found(api, " ") == ["asha01", "ram02", "rani03", "sup01", "zakir04"]  # no query: everyone
    searches = calls_of("GET /agents")[before:]
    assert len(searches) == 11 and all(set(ops) == {"Query"} and sum(ops.values()) == 1 for ops in searches)
    too_long = api.get("/agents?q=" + "a" * 61, role="supervisor")
    assert too_long.status == 400 and too_long.error["field"] == "q"
    assert api.get("/agents?q=...", role="supervisor").status == 400


def test_search_pages_and_follows_a_changed_name(api: Api) -> None:
    for i in range(5):
        assert api.post("/agents", body(f"meena{i:02d}", f"मीना {i}", f"Meena {i}")).status == 201
    assert api.post("/agents", body("omkar", "ओंकार", "Omkar")).status == 201
    first = api.get("/agents?q=meena&limit=2", role="supervisor").json
    second = api.get(f"/agents?q=meena&limit=2&cursor={first['next_cursor']}", role="supervisor").json
    third = api.get(f"/agents?q=meena&limit=2&cursor={second['next_cursor']}", role="supervisor").json
    pages = [[a["username"] for a in p["items"]] for p in (first, second, third)]
    assert pages == [["meena00", "meena01"], ["meena02", "meena03"], ["meena04"]]
    assert third["next_cursor"] is None or api.get(
        f"/agents?q=meena&cursor={third['next_cursor']}", role="supervisor").json["items"] == []
    r = api.patch("/agents/omkar", {"version": 1, "name_en": "Meena Omkar", "name_hi": "मीना ओंकार"})
    assert r.status == 200, r.body
    assert "omkar" in found(api, "meenaom") and "omkar" in found(api, "मीना ओं")
    assert found(api, "ओंकार") == []


def test_the_duty_override_keeps_its_reason_who_set_it_and_when(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist("2026-12-08", "09:00"))
    assert api.post("/agents", body("asha01", "आशा वर्मा", "Asha Verma")).status == 201
    assert api.get("/agents/asha01/duty", role="supervisor").json["override"] is None
    r = api.post("/agents/asha01/duty-override", {"until": "2026-12-08T15:00:00Z", "reason": "covering seat S04"},
                 role="supervisor")
    assert r.status == 200, r.body
    duty = api.get("/agents/asha01/duty", role="supervisor").json
    assert duty["on_duty"] is True and duty["reason"] == "override"
    assert duty["override"] == {"until": "2026-12-08T15:00:00.000Z", "reason": "covering seat S04",
                                "set_by": "user-supervisor", "set_at": "2026-12-08T03:30:00.000Z"}
    [listed] = api.get("/agents", role="supervisor").json["items"]
    assert listed["override"] == duty["override"]
    [entry] = list(AuditModel.query("agent#asha01"))
    assert entry.action == "duty_override" and "covering seat S04" in (entry.detail or "")
    clock.set_ist("2026-12-08", "21:00")  # it ran out
    assert api.get("/agents/asha01/duty", role="supervisor").json["override"] is None
    assert api.get("/agents", role="supervisor").json["items"][0]["override"] is None


def login(api: Api, username: str, password: str) -> Any:
    return api.post("/auth/login", {"username": username, "password": password}, role=None)


def test_an_admin_password_reset_makes_the_next_sign_in_set_a_new_password(api: Api, aws: Env) -> None:
    created = api.post("/agents", body("asha01", "आशा वर्मा", "Asha Verma")).json
    first = login(api, "asha01", created["temporary_password"])
    done = api.post("/auth/new-password", {"username": "asha01", "session": first.error["session"],
                                           "new_password": "my-own-pass-42"}, role=None)
    refresh = done.json["refresh_token"]
    assert api.post("/agents/asha01/password-reset", {}, role="supervisor").status == 403
    assert api.post("/agents/nobody-here/password-reset", {}).status == 404
    r = api.post("/agents/asha01/password-reset", {})
    assert r.status == 200, r.body
    temporary = r.json["temporary_password"]
    assert r.json["reset_by"] == "user-admin" and temporary != "my-own-pass-42"
    user = aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert login(api, "asha01", "my-own-pass-42").status == 401  # the old password is gone
    assert api.post("/auth/refresh", {"refresh_token": refresh}, role=None).status == 401  # signed out everywhere
    challenge = login(api, "asha01", temporary)
    assert challenge.status == 409 and challenge.error["code"] == "challenge_required"
    again = api.post("/auth/new-password", {"username": "asha01", "session": challenge.error["session"],
                                            "new_password": "another-pass-77"}, role=None)
    assert again.status == 200, again.body
    assert login(api, "asha01", "another-pass-77").status == 200
    actions = [e.action for e in AuditModel.query("agent#asha01")]
    assert actions == ["password_reset"]
    api.patch("/agents/asha01", {"version": 1, "active": False})
    refused = api.post("/agents/asha01/password-reset", {})
    assert refused.status == 409 and refused.error["code"] == "agent_inactive"
    assert api.post("/agents/user-admin/password-reset", {}).status == 404  # no agent profile: not an agent
