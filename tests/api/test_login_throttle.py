"""Sign-in throttling of one person at one address: 5 refused passwords, or 30 attempts, for a username
from one address in a 15-minute window; then 429 `too_many_attempts` with Retry-After until the window
closes. The counters live in DynamoDB (moto here), one item per username hash and window (with one
pair of counters per source address) and one per source and window, with a TTL. Under chalice.test
every request comes from 127.0.0.1 (test_login_lockout.py varies the address)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.accounts import rules, service
from chalicelib.core import errors
from chalicelib.core.settings import get_settings
from devtools.moto_local import patched
from tests.api.calling import Clock
from tests.api.conftest import PASSWORD, Api, Env

START = datetime(2026, 3, 10, 4, 31, 40, tzinfo=UTC)  # 10:01:40 IST; its window closes at 04:45:00 UTC
WINDOW_END_S = (datetime(2026, 3, 10, 4, 45, tzinfo=UTC) - START).seconds
WRONG = "wrong-password-1"


def login(api: Api, username: str, password: str) -> Any:
    return api.post("/auth/login", {"username": username, "password": password}, role=None)


LOCAL = "127.0.0.1"  # the source address chalice.test gives every request
PAIR = rules.source_subject(LOCAL)


def item(key: str) -> dict[str, Any]:
    """An item of the counters' table as DynamoDB holds it (read by its key: there is no Scan)."""
    table = get_settings().table_name("login_attempts")
    return dict(boto3.client("dynamodb", region_name="ap-south-1").get_item(
        TableName=table, Key={"key": {"S": key}}, ConsistentRead=True).get("Item", {}))


def counter(username: str) -> dict[str, Any]:
    """The username's counters in START's window."""
    return item(rules.window(START).key(username))


def test_the_sixth_refused_password_in_a_window_is_429_with_retry_after(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, START)
    aws.user("someone", "agent")
    aws.user("other", "agent")
    for _ in range(rules.PAIR_FAILURE_LIMIT):
        assert login(api, "someone", WRONG).status == 401
    refused = login(api, "someone", WRONG)
    assert refused.status == 429, refused.body
    assert refused.error["code"] == "too_many_attempts" and refused.error["retry_after_s"] == WINDOW_END_S
    assert refused.headers["Retry-After"] == str(WINDOW_END_S)
    assert "wait 14 minutes" in refused.error["message"] and "14 मिनट" in refused.error["message"]
    # Even the right password waits, from this address: the limit is on the username here, not on wrong guesses.
    assert login(api, "someone", PASSWORD).status == 429
    assert login(api, " SomeOne ", PASSWORD).status == 429  # the same username, however it is typed
    assert login(api, "other", PASSWORD).status == 200  # other usernames are not affected
    clock.advance(seconds=WINDOW_END_S - 1)
    late = login(api, "someone", PASSWORD)
    assert late.status == 429 and late.headers["Retry-After"] == "1"
    clock.advance(seconds=1)  # a new window admits again
    assert login(api, "someone", PASSWORD).status == 200


def test_the_counter_is_keyed_on_a_hash_and_expires_by_ttl(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    assert login(api, "someone", WRONG).status == 401
    assert login(api, "someone", WRONG).status == 401
    assert login(api, "someone", PASSWORD).status == 200
    held = counter("someone")
    window_start = int(START.timestamp()) // rules.WINDOW_S * rules.WINDOW_S
    assert held["key"]["S"] == f"{rules.subject('someone')}#{window_start}"
    assert held["attempts"] == {"N": "3"} and held["failures"] == {"N": "2"}
    assert held[f"pa_{PAIR}"] == {"N": "3"} and held[f"pf_{PAIR}"] == {"N": "2"}  # this address's share
    assert int(held["expires_at"]["N"]) == window_start + rules.WINDOW_S + rules.KEEP_S
    source = item(rules.window(START).source_key(LOCAL))
    assert source["key"]["S"] == f"src#{PAIR}#{window_start}" and source["attempts"] == {"N": "3"}
    assert int(source["expires_at"]["N"]) == window_start + rules.WINDOW_S + rules.KEEP_S
    for stored in (held, source):  # neither the username, the address nor (of course) the password
        assert "someone" not in str(stored) and LOCAL not in str(stored) and PASSWORD not in str(stored)


def test_a_success_gives_back_only_its_own_reservation(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """4 wrong, 1 right, then 1 more wrong is still allowed (5 refused in all), and the next is not:
    signing in does not reset the failures."""
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    for _ in range(rules.PAIR_FAILURE_LIMIT - 1):
        assert login(api, "someone", WRONG).status == 401
    assert login(api, "someone", PASSWORD).status == 200
    assert login(api, "someone", WRONG).status == 401
    assert login(api, "someone", PASSWORD).status == 429


def test_attempts_are_capped_even_when_the_password_is_right(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    for _ in range(rules.PAIR_ATTEMPT_LIMIT):
        assert login(api, "someone", PASSWORD).status == 200
    over = login(api, "someone", PASSWORD)
    assert over.status == 429 and over.error["code"] == "too_many_attempts"
    held = counter("someone")
    assert held[f"pa_{PAIR}"] == {"N": str(rules.PAIR_ATTEMPT_LIMIT)} and held[f"pf_{PAIR}"] == {"N": "0"}
    assert held["failures"] == {"N": "0"}


def test_unknown_usernames_are_throttled_alike(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal does not tell whether the username exists: an unknown one is counted the same way."""
    Clock(monkeypatch, START)
    for _ in range(rules.PAIR_FAILURE_LIMIT):
        assert login(api, "nobody", WRONG).status == 401
    assert login(api, "nobody", WRONG).error["code"] == "too_many_attempts"


def together(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # the test inspects it
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_guesses_never_pass_the_limit(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """16 wrong passwords at once from one address: exactly 5 reach Cognito (refused 401), the other 11
    are 429, and the counters say so. Under DynamoDB's per-request atomicity (devtools/moto_local.py)."""
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    with patched():
        results = together(16, lambda _: service.password_login("someone", WRONG, LOCAL))
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["TooManyRequests"] * 11 + ["Unauthorized"] * rules.PAIR_FAILURE_LIMIT, results
    assert all(r.code == "too_many_attempts" for r in results if isinstance(r, errors.TooManyRequests))
    held = counter("someone")
    limit = {"N": str(rules.PAIR_FAILURE_LIMIT)}
    assert held["failures"] == limit and held["attempts"] == limit
    assert held[f"pf_{PAIR}"] == held["failures"]
    assert item(rules.window(START).source_key(LOCAL))["attempts"] == {"N": "16"}  # the source counts all 16
    assert login(api, "someone", PASSWORD).status == 429


def test_the_window_boundaries_are_fixed() -> None:
    window = rules.window(START)
    assert (window.end - window.start) == rules.WINDOW_S and window.start % rules.WINDOW_S == 0
    assert window.retry_after(START) == WINDOW_END_S
    assert rules.window(START + timedelta(seconds=WINDOW_END_S)).start == window.end
    assert rules.subject(" Agent01 ") == rules.subject("agent01") == rules.subject("ａｇｅｎｔ01")


def test_a_source_is_an_address_an_ipv6_subscriber_is_its_64() -> None:
    assert rules.source("203.0.113.7") == "203.0.113.7"
    assert rules.source("::ffff:203.0.113.7") == "203.0.113.7"  # an IPv4 client seen over IPv6
    assert rules.source("2001:db8:1:2:aaaa::1") == rules.source("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert rules.source("2001:db8:1:3::1") != rules.source("2001:db8:1:2::1")
    assert rules.source(None) == rules.source("") == rules.source("not an address") == rules.UNKNOWN_SOURCE
    assert len(rules.source_subject("203.0.113.7")) == 16 and "203" not in rules.source_subject("203.0.113.7")
