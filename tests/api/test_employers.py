"""Issue 20, point 1: who employs each agent and supervisor (the outside firm or the party's own staff),
the admin's list of employers, and the calling settings (API)."""

from __future__ import annotations

from typing import Any

from chalicelib.shifts import agent_store, agents
from tests.api.conftest import Api
from tests.api.shifts_support import put_agents

FIRM = {"id": "jan-sampark", "name_hi": "जन संपर्क सर्विसेज़", "name_en": "Jan Sampark Services Pvt Ltd"}
OTHER = {"id": "call-mitra", "name_hi": "कॉल मित्र", "name_en": "Call Mitra"}


def agent_body(username: str, **extra: Any) -> dict[str, Any]:
    return {"username": username, "name_hi": "आशा वर्मा", "name_en": "Asha Verma", "email": f"{username}@example.org",
            "languages": ["hi"], "role": "agent", **extra}


def add_firms(api: Api, *firms: dict[str, str]) -> dict[str, Any]:
    r = api.put("/settings/employers", {"version": api.get("/settings/employers").json["version"],
                                        "employers": list(firms)})
    assert r.status == 200, r.body
    return dict(r.json)


def test_the_party_staff_is_built_in_and_an_admin_keeps_the_list_of_firms(api: Api) -> None:
    first = api.get("/settings/employers", role="supervisor").json
    assert first == {"version": 0, "employers": [
        {"id": "party", "name_hi": "पार्टी के अपने कर्मचारी", "name_en": "Party staff", "built_in": True}]}
    assert api.put("/settings/employers", {"version": 0, "employers": [FIRM]}, role="supervisor").status == 403
    saved = add_firms(api, FIRM)
    assert saved["version"] == 1 and [e["id"] for e in saved["employers"]] == ["party", "jan-sampark"]
    # what GET answers can be sent back (the built-in one in it is not stored), with a firm renamed
    body = api.get("/settings/employers").json
    body["employers"][1]["name_en"] = "Jan Sampark Services"
    again = api.put("/settings/employers", body)
    assert again.status == 200 and again.json["version"] == 2
    assert api.get("/settings/employers").json["employers"][1] == {**FIRM, "name_en": "Jan Sampark Services",
                                                                    "built_in": False}
    stale = api.put("/settings/employers", {"version": 1, "employers": []})
    assert stale.status == 409 and stale.error["code"] == "stale_version"


def test_bad_employer_lists_are_refused_with_the_field(api: Api) -> None:
    cases = [
        ({"employers": [{**FIRM, "id": "Jan Sampark"}]}, "employers[0].id"),
        ({"employers": [{**FIRM, "id": "x" * 41}]}, "employers[0].id"),
        ({"employers": [FIRM, {**OTHER, "id": FIRM["id"]}]}, "employers[1].id"),
        ({"employers": [{**FIRM, "name_hi": ""}]}, "employers[0].name_hi"),
        ({"employers": [{**FIRM, "name_en": "n" * 81}]}, "employers[0].name_en"),
        ({"employers": [FIRM]}, "version"),
    ]
    for body, field in cases:
        r = api.put("/settings/employers", {"version": 0, **body} if "version" not in field else body)
        assert r.status == 400, (body, r.body)
        assert r.error["field"] == field, (body, r.error)
    assert api.get("/settings/employers").json["version"] == 0


def test_an_agent_has_an_employer_set_at_creation_and_editable(api: Api) -> None:
    add_firms(api, FIRM, OTHER)
    plain = api.post("/agents", agent_body("asha01"))
    assert plain.status == 201 and plain.json["employer"] == "party"
    firm = api.post("/agents", agent_body("ravi02", employer="jan-sampark"))
    assert firm.status == 201 and firm.json["employer"] == "jan-sampark"
    assert agent_store.get_agent("ravi02").employer == "jan-sampark"  # type: ignore[union-attr]
    unknown = api.post("/agents", agent_body("mona03", employer="nobody-ltd"))
    assert unknown.status == 400 and unknown.error == {**unknown.error, "code": "unknown_employer", "field": "employer"}
    assert agent_store.get_agent("mona03") is None
    moved = api.patch("/agents/asha01", {"version": 1, "employer": "call-mitra"})
    assert moved.status == 200 and moved.json["employer"] == "call-mitra" and moved.json["version"] == 2
    bad = api.patch("/agents/asha01", {"version": 2, "employer": "nobody-ltd"})
    assert bad.status == 400 and bad.error["code"] == "unknown_employer" and bad.error["field"] == "employer"
    assert api.get("/agents/asha01", role="supervisor").json["employer"] == "call-mitra"


def test_the_list_is_filtered_by_employer_and_old_profiles_are_party_staff(api: Api) -> None:
    add_firms(api, FIRM)
    put_agents(2, 1)  # as stored before: no employer on the items ... (agent_record writes party)
    for username in ("agent01", "sup1"):  # ... so take it off, as on items stored before issue 20
        agent_store.AgentModel(username).update(actions=[agent_store.AgentModel.employer.remove()])
    api.post("/agents", agent_body("ravi02", employer="jan-sampark", role="supervisor"))
    every = api.get("/agents").json["items"]
    assert {a["username"]: a["employer"] for a in every} == {
        "agent01": "party", "agent02": "party", "ravi02": "jan-sampark", "sup1": "party"}
    firm = api.get("/agents?employer=jan-sampark", role="supervisor").json["items"]
    assert [a["username"] for a in firm] == ["ravi02"]
    party = api.get("/agents?employer=party").json["items"]
    assert [a["username"] for a in party] == ["agent01", "agent02", "sup1"]
    both = api.get("/agents?employer=jan-sampark&role=agent").json["items"]
    assert both == []
    unknown = api.get("/agents?employer=nobody-ltd")
    assert unknown.status == 400
    assert (unknown.error["code"], unknown.error["field"]) == ("unknown_employer", "employer")
    # the reports' directory: everyone, with the employer
    directory = agents.staff_directory()
    assert {(p["username"], p["role"], p["employer"], p["active"]) for p in directory} == {
        ("agent01", "agent", "party", True), ("agent02", "agent", "party", True),
        ("ravi02", "supervisor", "jan-sampark", True), ("sup1", "supervisor", "party", True)}
    assert all(p["name_en"] and p["name_hi"] for p in directory)


def test_an_employer_that_still_has_people_cannot_be_removed(api: Api) -> None:
    add_firms(api, FIRM, OTHER)
    api.post("/agents", agent_body("ravi02", employer="jan-sampark", active=False))  # deactivated: still theirs
    refused = api.put("/settings/employers", {"version": 1, "employers": [OTHER]})
    assert refused.status == 409
    assert refused.error["code"] == "employer_in_use" and refused.error["field"] == "employers"
    assert refused.error["employer"] == "jan-sampark"
    assert [e["id"] for e in api.get("/settings/employers").json["employers"]] == ["party", "jan-sampark", "call-mitra"]
    # an unused one goes; after the agent moves, the firm goes too
    assert api.put("/settings/employers", {"version": 1, "employers": [FIRM]}).status == 200
    assert api.patch("/agents/ravi02", {"version": 1, "employer": "party"}).status == 200
    gone = api.put("/settings/employers", {"version": 2, "employers": []})
    assert gone.status == 200 and [e["id"] for e in gone.json["employers"]] == ["party"]


def test_the_calling_settings_round_trip_and_bad_values_are_refused_on_the_field(api: Api) -> None:
    first = api.get("/settings/calling", role="supervisor").json
    assert first == {"daily_call_cap": 2, "idle_limit_minutes": 15, "late_grace_minutes": 10, "short_connect_s": 20,
                     "rapid_calls_per_minute": 3, "same_answers_run": 5, "version": 0}
    assert api.put("/settings/calling", {**first, "daily_call_cap": 3}, role="supervisor").status == 403
    saved = api.put("/settings/calling", {**first, "daily_call_cap": 3, "late_grace_minutes": 0})
    assert saved.status == 200 and saved.json["version"] == 1 and saved.json["daily_call_cap"] == 3
    again = api.get("/settings/calling").json
    assert again == {**first, "daily_call_cap": 3, "late_grace_minutes": 0, "version": 1}
    for body, field in [({"daily_call_cap": 0}, "daily_call_cap"), ({"daily_call_cap": "2"}, "daily_call_cap"),
                        ({"idle_limit_minutes": 0}, "idle_limit_minutes"),
                        ({"same_answers_run": 1}, "same_answers_run"),
                        ({"short_connect_s": 601}, "short_connect_s"), ({"colour": "red"}, "body")]:
        r = api.put("/settings/calling", {**again, **body})
        assert r.status == 400 and r.error["field"] == field, (body, r.body)
    no_version = api.put("/settings/calling", {"daily_call_cap": 4})
    assert no_version.status == 400 and no_version.error["field"] == "version"
    stale = api.put("/settings/calling", {**first, "daily_call_cap": 4})
    assert stale.status == 409 and stale.error["code"] == "stale_version"
    assert api.get("/settings/calling").json["daily_call_cap"] == 3
