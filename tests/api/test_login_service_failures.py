"""Agents when Cognito fails: a busy or unreachable login service is a clear 429 or 503 in the app's
error shape (never a 500), and the same request repeated once Cognito answers again finishes the agent:
one profile, one login in the right group. A missing login is as disabled as it gets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.accounts import cognito as agent_logins
from chalicelib.shifts import agent_store
from tests.api.conftest import Api, Env
from tests.api.test_agents import agent_body


class Outage:
    """Cognito, with the named operations failing until `heal()` (the rest goes to moto)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any = agent_logins) -> None:
        self.failing: dict[str, Exception] = {}
        real = module.client

        def failing_client(service: str) -> Any:
            return _Failing(real(service), self.failing)

        monkeypatch.setattr(module, "client", failing_client)

    def fail(self, operation: str, error: Exception) -> None:
        self.failing[operation] = error

    def heal(self) -> None:
        self.failing.clear()


class _Failing:
    def __init__(self, real: Any, failing: dict[str, Exception]) -> None:
        self.real, self.failing = real, failing

    def __getattr__(self, name: str) -> Any:
        if name in self.failing:
            error = self.failing[name]

            def refuse(**_: Any) -> Any:
                raise error

            return refuse
        return getattr(self.real, name)


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outage]:
    yield Outage(monkeypatch)


def groups(aws: Env, username: str) -> list[str]:
    return [g["GroupName"] for g in aws.cognito.admin_list_groups_for_user(UserPoolId=aws.pool_id,
                                                                           Username=username)["Groups"]]


@pytest.mark.parametrize(("error", "status", "code"), [
    (client_error("TooManyRequestsException", "AdminCreateUser"), 429, "too_many_requests"),
    (client_error("InternalErrorException", "AdminCreateUser"), 503, "unavailable"),
    (EndpointConnectionError(endpoint_url="https://cognito-idp.ap-south-1.amazonaws.com"), 503, "unavailable"),
])
def test_a_failed_login_create_is_a_clear_error_and_the_same_request_again_finishes_the_agent(
        api: Api, aws: Env, outage: Outage, error: Exception, status: int, code: str) -> None:
    outage.fail("admin_create_user", error)
    failed = api.post("/agents", agent_body())
    assert failed.status == status and failed.error["code"] == code, failed.body
    assert set(failed.error) >= {"code", "message", "field"}
    users = aws.cognito.list_users(UserPoolId=aws.pool_id, Filter='username = "asha01"')["Users"]
    assert users == []  # no login yet: the profile alone waits for the retry

    outage.heal()
    again = api.post("/agents", agent_body())
    assert again.status == 201, again.body
    assert groups(aws, "asha01") == ["agent"]
    assert agent_store.get_agent("asha01") is not None
    assert [a["username"] for a in api.get("/agents").json["items"]] == ["asha01"]


def test_a_busy_group_change_is_retried_by_repeating_the_patch(api: Api, aws: Env, outage: Outage) -> None:
    api.post("/agents", agent_body())
    outage.fail("admin_add_user_to_group", client_error("LimitExceededException", "AdminAddUserToGroup"))
    busy = api.patch("/agents/asha01", {"version": 1, "role": "supervisor"})
    assert busy.status == 429 and busy.error["code"] == "too_many_requests", busy.body
    assert groups(aws, "asha01") == ["agent"]  # the login did not move

    outage.heal()
    current = api.get("/agents/asha01").json
    repaired = api.patch("/agents/asha01", {"version": current["version"], "role": "supervisor"})
    assert repaired.status == 200 and repaired.json["role"] == "supervisor"
    assert groups(aws, "asha01") == ["supervisor"]


def test_an_unreachable_login_service_on_an_email_change_is_503_and_a_repeat_sets_it(
        api: Api, aws: Env, outage: Outage) -> None:
    api.post("/agents", agent_body())
    outage.fail("admin_update_user_attributes",
                EndpointConnectionError(endpoint_url="https://cognito-idp.ap-south-1.amazonaws.com"))
    down = api.patch("/agents/asha01", {"version": 1, "email": "asha.new@example.org"})
    assert down.status == 503 and down.error["code"] == "unavailable", down.body

    outage.heal()
    version = api.get("/agents/asha01").json["version"]
    again = api.patch("/agents/asha01", {"version": version, "email": "asha.new@example.org"})
    assert again.status == 200, again.body
    attributes = aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")["UserAttributes"]
    assert {"Name": "email", "Value": "asha.new@example.org"} in attributes


def test_deactivating_an_agent_whose_login_is_gone_still_deactivates_it(api: Api, aws: Env) -> None:
    api.post("/agents", agent_body())
    aws.cognito.admin_delete_user(UserPoolId=aws.pool_id, Username="asha01")
    off = api.patch("/agents/asha01", {"version": 1, "active": False})
    assert off.status == 200 and off.json["active"] is False
    assert agent_store.get_agent("asha01").active is False  # type: ignore[union-attr]


def test_a_login_that_cannot_be_disabled_is_a_clear_error(api: Api, aws: Env, outage: Outage) -> None:
    api.post("/agents", agent_body())
    outage.fail("admin_disable_user", client_error("ThrottlingException", "AdminDisableUser"))
    busy = api.patch("/agents/asha01", {"version": 1, "active": False})
    assert busy.status == 429, busy.body
    assert aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")["Enabled"] is True
    outage.heal()
    version = api.get("/agents/asha01").json["version"]
    off = api.patch("/agents/asha01", {"version": version, "active": False})
    assert off.status == 200
    assert aws.cognito.admin_get_user(UserPoolId=aws.pool_id, Username="asha01")["Enabled"] is False


def test_an_email_the_login_service_refuses_leaves_no_profile_and_a_corrected_one_succeeds(
        api: Api, aws: Env, outage: Outage) -> None:
    outage.fail("admin_create_user", client_error("InvalidParameterException", "AdminCreateUser"))
    refused = api.post("/agents", agent_body())
    assert refused.status == 400 and refused.error["field"] == "email", refused.body
    assert agent_store.get_agent("asha01") is None  # no profile without its login
    outage.heal()
    corrected = api.post("/agents", {**agent_body(), "email": "asha.other@example.org"})
    assert corrected.status == 201, corrected.body
    assert agent_store.get_agent("asha01").email == "asha.other@example.org"
    assert groups(aws, "asha01") == ["agent"]
