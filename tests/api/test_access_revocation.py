"""A token outlives neither its holder's deactivation nor a change of role (issue 14, B.5).

Every signed-in route reads the caller's profile (core/access.py); these tests run with its cache at 0,
so the old token is refused at the very next request, and check what Cognito and DynamoDB then hold."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.settings import reset_settings
from chalicelib.shifts import agent_store
from chalicelib.shifts.agents import agent_record
from tests.api.calling import B1, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import PASSWORD, Api, Env
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch, aws: Env) -> None:
    monkeypatch.setenv("SAMPARK_PROFILE_CACHE_S", "0")
    reset_settings()


def login(api: Api, username: str) -> dict[str, Any]:
    r = api.post("/auth/login", {"username": username, "password": PASSWORD}, role=None)
    assert r.status == 200, r.body
    return dict(r.json)


def make_supervisor(aws: Env, username: str) -> None:
    aws.user(username, "supervisor")
    agent_record({"username": username, "role": "supervisor", "name_hi": "सुनीता", "name_en": "Sunita",
                  "email": f"{username}@example.org", "phone": None, "languages": ["hi"], "active": True},
                 "test", "2026-03-01T00:00:00.000Z").save()


def refused(r: Any, code: str) -> None:
    assert r.status == 401, r.body
    assert r.error["code"] == code


@pytest.mark.usefixtures("no_cache")
def test_a_deactivated_agents_old_token_is_refused_on_calls_and_callbacks(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    add_contacts(api, B1, 3)
    cid = active_campaign(api)["campaign_id"]
    aws.user("agent07", "agent")
    on_duty("agent07")
    tokens = login(api, "agent07")
    old = tokens["id_token"]
    first = next_call(api, cid, old).json
    assert api.post("/calls", call_body(cid, first["contact"]["contact_id"], "no_answer"), token=old).status == 201
    assert api.get("/me/callbacks", token=old).status == 200
    second = next_call(api, cid, old).json  # holds a lease when the office deactivates the agent

    version = agent_store.get_agent("agent07").version  # type: ignore[union-attr]
    assert api.patch("/agents/agent07", {"version": version, "active": False}).status == 200

    body = call_body(cid, second["contact"]["contact_id"], "connected")
    refused(api.post("/calls", body, token=old), "account_inactive")
    refused(api.get("/me/callbacks", token=old), "account_inactive")
    refused(api.get("/me/calls", token=old), "account_inactive")
    refused(api.post(f"/campaigns/{cid}/next", token=old), "account_inactive")
    refused(api.get("/me", token=old), "account_inactive")
    # the agent's routes only: contact lists, reveals and exports were never theirs
    contact = second["contact"]["contact_id"]
    for path in (f"/units/{B1}/contacts", f"/contacts/{contact}?reveal=true", "/exports/exp_x"):
        assert api.get(path, token=old).status == 403
    # nothing was recorded by the refused call, and the login is disabled with its sessions revoked
    assert api.get(f"/contacts/{contact}/calls", role="supervisor").json["items"] == []
    assert aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="agent07")["Enabled"] is False
    again = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, role=None)
    assert again.status == 401


@pytest.mark.usefixtures("no_cache")
def test_a_demoted_supervisors_old_token_is_refused_on_contacts_reveal_calls_and_exports(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    contact = add_contacts(api, B1, 2)[0]
    cid = active_campaign(api)["campaign_id"]
    make_supervisor(aws, "sup01")
    tokens = login(api, "sup01")
    old = tokens["id_token"]
    revealed = api.get(f"/contacts/{contact}?reveal=true", token=old)
    assert revealed.status == 200 and revealed.json["phone"].startswith("+91"), revealed.body
    assert api.get(f"/units/{B1}/contacts", token=old).status == 200

    assert api.patch("/agents/sup01", {"version": 1, "role": "agent"}).status == 200

    refused(api.get(f"/contacts/{contact}?reveal=true", token=old), "role_changed")
    refused(api.get(f"/contacts/{contact}", token=old), "role_changed")
    refused(api.get(f"/units/{B1}/contacts", token=old), "role_changed")
    refused(api.get(f"/contacts/{contact}/calls", token=old), "role_changed")
    refused(api.post("/calls", call_body(cid, contact), token=old), "role_changed")
    refused(api.post(f"/campaigns/{cid}/close", token=old), "role_changed")
    refused(api.get("/agents", token=old), "role_changed")
    # callbacks are an agent's and exports an admin's: the supervisor's token never had them
    assert api.get("/me/callbacks", token=old).status == 403
    assert api.post("/exports", {"kind": "contacts"}, token=old).status == 403
    # the login moved group and every session ended: the old refresh token is refused ...
    groups = aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id, Username="sup01")["Groups"]
    assert [g["GroupName"] for g in groups] == ["agent"]
    assert api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, role=None).status == 401
    # ... and signing in again gives a token of the new role, which the profile backs
    fresh = login(api, "sup01")["id_token"]
    assert api.get("/me", token=fresh).json["roles"] == ["agent"]
    assert api.get(f"/contacts/{contact}?reveal=true", token=fresh).status == 403
    assert api.get("/me/callbacks", token=fresh).status == 200


@pytest.mark.usefixtures("no_cache")
def test_a_promoted_agents_old_token_must_be_renewed_and_a_reactivated_one_works_again(api: Api, aws: Env) -> None:
    make_supervisor(aws, "sup02")
    old = login(api, "sup02")["id_token"]
    api.patch("/agents/sup02", {"version": 1, "active": False})
    refused(api.get("/agents", token=old), "account_inactive")
    api.patch("/agents/sup02", {"version": 2, "active": True})
    fresh = login(api, "sup02")["id_token"]
    assert api.get("/agents", token=fresh).status == 200


def test_the_profile_is_read_once_per_request_without_cache_and_once_per_period_with_it(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    make_supervisor(aws, "sup03")
    token = login(api, "sup03")["id_token"]

    def profile_reads(requests: int) -> int:
        before = set(RECORDER.per_request)
        for _ in range(requests):
            assert api.get("/agents", token=token).status == 200
        return sum(sum(ops.values()) for (route, request), ops in RECORDER.per_request.items()
                   if route == "caller profile" and (route, request) not in before)

    monkeypatch.setenv("SAMPARK_PROFILE_CACHE_S", "0")
    reset_settings()
    assert profile_reads(3) == 3  # one GetItem per request
    monkeypatch.setenv("SAMPARK_PROFILE_CACHE_S", "30")
    reset_settings()
    assert profile_reads(3) == 1  # one GetItem for the container's next 30 s
    # a change made through this container is seen at once, cache or not
    api.patch("/agents/sup03", {"version": 1, "role": "agent"})
    refused(api.get("/me", token=token), "role_changed")


def test_callers_without_a_profile_are_governed_by_their_token_alone(api: Api) -> None:
    """Admins and leaders have no profile in the call centre: their token (short-lived, refused once the
    pool disables them and signs them out) is what decides."""
    for role in ("admin", "state_leader", "central_leader"):
        assert api.get("/me", role=role).status == 200
