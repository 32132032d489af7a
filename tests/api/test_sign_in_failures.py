"""Signing in when Cognito fails or refuses: a busy pool is 429, a broken one 503, a refused value 400 or
401 — always the app's error shape, never a 500 — and signing in works again once Cognito answers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.accounts import cognito as sign_in
from tests.api.conftest import PASSWORD, Api, Env
from tests.api.test_login_service_failures import Outage


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


def test_a_busy_sign_in_service_is_429_and_signing_in_works_once_it_answers(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage(monkeypatch, sign_in)
    outage.fail("initiate_auth", client_error("TooManyRequestsException", "InitiateAuth"))
    busy = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None)
    assert busy.status == 429 and busy.error["code"] == "too_many_requests", busy.body
    assert set(busy.error) >= {"code", "message", "field"}

    outage.heal()
    ok = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None)
    assert ok.status == 200, ok.body
    assert api.get("/me", token=ok.json["id_token"]).json == {"username": "user-agent", "roles": ["agent"]}


def test_a_broken_sign_in_service_is_503_for_login_and_refresh(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None).json
    outage = Outage(monkeypatch, sign_in)
    outage.fail("initiate_auth", client_error("InternalErrorException", "InitiateAuth"))
    down = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None)
    assert down.status == 503 and down.error["code"] == "unavailable", down.body
    stuck = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, role=None)
    assert stuck.status == 503 and stuck.error["code"] == "unavailable", stuck.body

    outage.heal()
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, role=None)
    assert refreshed.status == 200 and api.get("/me", token=refreshed.json["id_token"]).status == 200


def test_a_refused_sign_in_request_is_400_not_500(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage(monkeypatch, sign_in)
    outage.fail("initiate_auth", client_error("InvalidParameterException", "InitiateAuth"))
    refused = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None)
    assert refused.status == 400 and refused.error["code"] == "invalid", refused.body


def test_a_made_up_refresh_token_is_401(api: Api, aws: Env) -> None:
    r = api.post("/auth/refresh", {"refresh_token": "not-a-token-" + "x" * 40}, role=None)
    assert r.status == 401 and r.error["code"] == "unauthorized", r.body


def test_a_first_sign_in_with_a_weak_new_password_is_400_on_that_field(api: Api, aws: Env) -> None:
    created = api.post("/agents", {"username": "asha01", "name_hi": "आशा", "name_en": "Asha",
                                   "email": "asha01@example.org", "role": "agent"}).json
    first = api.post("/auth/login", {"username": "asha01", "password": created["temporary_password"]}, role=None)
    assert first.status == 409 and first.error["code"] == "challenge_required", first.body
    weak = api.post("/auth/new-password", {"username": "asha01", "session": first.error["session"],
                                           "new_password": "abcdefghij"}, role=None)  # no digit: the policy refuses
    assert weak.status == 400 and weak.error["field"] == "new_password", weak.body
    done = api.post("/auth/new-password", {"username": "asha01", "session": first.error["session"],
                                           "new_password": "my-own-pass-42"}, role=None)
    assert done.status == 200, done.body


def test_cognitos_own_lockout_is_a_wait_not_a_wrong_password(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cognito refuses even the right password for a while after repeated failures (from anyone, anywhere):
    the office is told to wait (429 sign_in_paused), and those refusals do not use up its own budget of
    refused passwords, so it signs in as soon as Cognito does."""
    outage = Outage(monkeypatch, sign_in)
    outage.fail("initiate_auth", ClientError(
        {"Error": {"Code": "NotAuthorizedException", "Message": "Password attempts exceeded"}}, "InitiateAuth"))
    for _ in range(8):  # more than the 5 refused passwords a (username, address) pair may have
        paused = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None)
        assert paused.status == 429 and paused.error["code"] == "sign_in_paused", paused.body
        assert paused.headers.get("Retry-After") == "60"
    outage.heal()
    ok = api.post("/auth/login", {"username": "user-agent", "password": PASSWORD}, role=None)
    assert ok.status == 200, ok.body
