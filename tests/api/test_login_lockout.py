"""A stranger cannot lock the office out: refused passwords are counted per (username, source address),
so a stranger's wrong passwords for `admin` stop the stranger's address and not `admin` signing in from
another one. What still stops everyone is the username ceiling (50 refused passwords from all addresses
in a window: guessing from many addresses), and one address is limited over all usernames (300
attempts: spraying). The address is API Gateway's requestContext.identity.sourceIp; chalice.test
gives every request 127.0.0.1, so these tests set it per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice.local import LambdaEventConverter

from chalicelib.accounts import rules, service
from chalicelib.core import errors
from chalicelib.core.settings import get_settings
from devtools.moto_local import patched
from tests.api.calling import Clock
from tests.api.conftest import PASSWORD, Api, Env
from tests.api.test_login_throttle import together

START = datetime(2026, 3, 10, 4, 31, 40, tzinfo=UTC)  # its window closes at 04:45:00 UTC
WRONG = "wrong-password-1"
STRANGER = "198.51.100.23"
OFFICE = "203.0.113.10"


@contextmanager
def address(ip: str) -> Iterator[None]:
    """Requests made inside come from `ip` (what API Gateway would put in identity.sourceIp)."""
    before = LambdaEventConverter.LOCAL_SOURCE_IP
    LambdaEventConverter.LOCAL_SOURCE_IP = ip
    try:
        yield
    finally:
        LambdaEventConverter.LOCAL_SOURCE_IP = before


def login(api: Api, username: str, password: str, ip: str, headers: dict[str, str] | None = None) -> Any:
    with address(ip):
        return api.post("/auth/login", {"username": username, "password": password}, role=None, headers=headers)


def counters(username: str) -> dict[str, Any]:
    table = get_settings().table_name("login_attempts")
    key = rules.window(START).key(username)
    return dict(boto3.client("dynamodb", region_name="ap-south-1").get_item(
        TableName=table, Key={"key": {"S": key}}, ConsistentRead=True).get("Item", {}))


def pair_failures(username: str, ip: str) -> int:
    return int(counters(username).get(f"pf_{rules.source_subject(ip)}", {"N": "0"})["N"])


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, START)


def test_a_strangers_failures_for_admin_do_not_stop_admin_signing_in_from_the_office(
        api: Api, aws: Env, clock: Clock) -> None:
    aws.user("admin", "admin")
    for _ in range(rules.PAIR_FAILURE_LIMIT):
        assert login(api, "admin", WRONG, STRANGER).status == 401
    # The stranger's own address is limited, whatever it sends now: the right password, another spelling.
    refused = login(api, "admin", WRONG, STRANGER)
    assert refused.status == 429 and refused.error["code"] == "too_many_attempts", refused.body
    assert login(api, "admin", PASSWORD, STRANGER).status == 429
    assert login(api, " ADMIN ", WRONG, STRANGER).status == 429
    # ... and a forwarded-for header naming the office buys the stranger nothing (only sourceIp counts).
    assert login(api, "admin", WRONG, STRANGER, headers={"x-forwarded-for": OFFICE}).status == 429

    office = login(api, "admin", PASSWORD, OFFICE)
    assert office.status == 200, office.body
    assert api.get("/me", token=office.json["id_token"]).json == {"username": "admin", "roles": ["admin"]}
    # The office may even mistype: its own budget is whole.
    for _ in range(rules.PAIR_FAILURE_LIMIT - 1):
        assert login(api, "admin", WRONG, OFFICE).status == 401
    assert login(api, "admin", PASSWORD, OFFICE).status == 200

    assert pair_failures("admin", STRANGER) == rules.PAIR_FAILURE_LIMIT
    assert pair_failures("admin", OFFICE) == rules.PAIR_FAILURE_LIMIT - 1
    assert counters("admin")["failures"] == {"N": str(2 * rules.PAIR_FAILURE_LIMIT - 1)}
    assert login(api, "admin", WRONG, STRANGER).status == 429  # still limited at the end


def test_guessing_from_many_addresses_meets_the_username_ceiling(api: Api, aws: Env, clock: Clock) -> None:
    """Ten addresses, five guesses each: the 50 refused passwords close the username for the window,
    from everywhere (that is the ceiling's job); other usernames, and the next window, are open."""
    aws.user("admin", "admin")
    aws.user("agent01", "agent")
    addresses = [f"198.51.100.{i}" for i in range(1, rules.USERNAME_FAILURE_LIMIT // rules.PAIR_FAILURE_LIMIT + 1)]
    for ip in addresses:
        for _ in range(rules.PAIR_FAILURE_LIMIT):
            assert login(api, "admin", WRONG, ip).status == 401
    assert counters("admin")["failures"] == {"N": str(rules.USERNAME_FAILURE_LIMIT)}
    assert login(api, "admin", WRONG, "192.0.2.200").status == 429  # a fresh address: no fresh guesses
    assert login(api, "admin", PASSWORD, OFFICE).status == 429
    assert login(api, "agent01", PASSWORD, OFFICE).status == 200
    clock.advance(seconds=rules.window(START).retry_after(START))
    assert login(api, "admin", PASSWORD, OFFICE).status == 200


def test_one_address_is_limited_over_every_username(api: Api, aws: Env, clock: Clock) -> None:
    """Spraying a password over many usernames from one address: after 300 attempts in the window the
    address is refused for any username, right password or not; another address is not. (The first 296
    attempts are written straight into the source's counter, as 296 sign-ins would leave it.)"""
    aws.user("agent01", "agent")
    window = rules.window(START)
    boto3.client("dynamodb", region_name="ap-south-1").put_item(
        TableName=get_settings().table_name("login_attempts"),
        Item={"key": {"S": window.source_key(STRANGER)}, "attempts": {"N": str(rules.SOURCE_ATTEMPT_LIMIT - 4)},
              "expires_at": {"N": str(window.expires_at)}})
    for i in range(4):
        assert login(api, f"nobody{i}", WRONG, STRANGER).status == 401
    over = login(api, "agent01", PASSWORD, STRANGER)
    assert over.status == 429 and over.error["code"] == "too_many_attempts"
    assert "network" in over.error["message"] and "नेटवर्क" in over.error["message"]
    assert counters("agent01") == {}  # refused before the username was counted at all
    assert login(api, "agent01", PASSWORD, OFFICE).status == 200


def service_login(username: str, password: str, ip: str) -> str:
    try:
        service.password_login(username, password, ip)
    except errors.AppError as exc:
        return type(exc).__name__
    return "ok"


def test_an_ipv6_subscriber_counts_as_one_address(api: Api, aws: Env, clock: Clock) -> None:
    aws.user("admin", "admin")
    for host in range(1, rules.PAIR_FAILURE_LIMIT + 1):  # five addresses of one /64
        assert login(api, "admin", WRONG, f"2001:db8:7:7::{host:x}").status == 401
    assert login(api, "admin", WRONG, "2001:db8:7:7:ffff::1").status == 429
    assert login(api, "admin", PASSWORD, "2001:db8:7:8::1").status == 200  # the next /64 is someone else


def test_concurrent_guesses_from_many_addresses_never_pass_the_ceiling(
        aws: Env, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ceiling is checked in the same atomic write as the pair: 16 wrong passwords at once from 16
    addresses, with the ceiling at 6, let exactly 6 reach Cognito."""
    monkeypatch.setattr(rules, "USERNAME_FAILURE_LIMIT", 6)
    aws.user("admin", "admin")
    with patched():
        results = together(16, lambda i: service_login("admin", WRONG, f"198.51.100.{i + 1}"))
    assert sorted(results) == ["TooManyRequests"] * 10 + ["Unauthorized"] * 6, results
    assert counters("admin")["failures"] == {"N": "6"}
