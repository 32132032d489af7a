"""Sign-in throttling per username: 5 refused passwords, or 30 attempts, in a 15-minute window; then
429 `too_many_attempts` with Retry-After until the window closes. The counters live in DynamoDB
(moto here), one item per username hash and window, with a TTL."""

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


def counter(username: str) -> dict[str, Any]:
    """The counter of START's window as DynamoDB holds it (read by its key: there is no Scan)."""
    table = get_settings().table_name("login_attempts")
    key = rules.window(START).key(username)
    return dict(boto3.client("dynamodb", region_name="ap-south-1").get_item(
        TableName=table, Key={"key": {"S": key}}, ConsistentRead=True)["Item"])


def test_the_sixth_refused_password_in_a_window_is_429_with_retry_after(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, START)
    aws.user("someone", "agent")
    aws.user("other", "agent")
    for _ in range(rules.FAILURE_LIMIT):
        assert login(api, "someone", WRONG).status == 401
    refused = login(api, "someone", WRONG)
    assert refused.status == 429, refused.body
    assert refused.error["code"] == "too_many_attempts" and refused.error["retry_after_s"] == WINDOW_END_S
    assert refused.headers["Retry-After"] == str(WINDOW_END_S)
    assert "wait 14 minutes" in refused.error["message"] and "14 मिनट" in refused.error["message"]
    # Even the right password waits: the limit is on the username, not on wrong guesses after it.
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
    item = counter("someone")
    window_start = int(START.timestamp()) // rules.WINDOW_S * rules.WINDOW_S
    assert item["key"]["S"] == f"{rules.subject('someone')}#{window_start}"
    assert "someone" not in str(item)  # neither the username nor (of course) the password is stored
    assert item["attempts"] == {"N": "3"} and item["failures"] == {"N": "2"}
    assert int(item["expires_at"]["N"]) == window_start + rules.WINDOW_S + rules.KEEP_S


def test_a_success_gives_back_only_its_own_reservation(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """4 wrong, 1 right, then 1 more wrong is still allowed (5 refused in all), and the next is not:
    signing in does not reset the failures."""
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    for _ in range(rules.FAILURE_LIMIT - 1):
        assert login(api, "someone", WRONG).status == 401
    assert login(api, "someone", PASSWORD).status == 200
    assert login(api, "someone", WRONG).status == 401
    assert login(api, "someone", PASSWORD).status == 429


def test_attempts_are_capped_even_when_the_password_is_right(
        api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    for _ in range(rules.ATTEMPT_LIMIT):
        assert login(api, "someone", PASSWORD).status == 200
    over = login(api, "someone", PASSWORD)
    assert over.status == 429 and over.error["code"] == "too_many_attempts"
    item = counter("someone")
    assert item["attempts"] == {"N": str(rules.ATTEMPT_LIMIT)} and item["failures"] == {"N": "0"}


def test_unknown_usernames_are_throttled_alike(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal does not tell whether the username exists: an unknown one is counted the same way."""
    Clock(monkeypatch, START)
    for _ in range(rules.FAILURE_LIMIT):
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
    """16 wrong passwords at once: exactly 5 reach Cognito (refused 401), the other 11 are 429, and
    the counters say so. Under DynamoDB's per-request atomicity (devtools/moto_local.py)."""
    Clock(monkeypatch, START)
    aws.user("someone", "agent")
    with patched():
        results = together(16, lambda _: service.password_login("someone", WRONG))
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["TooManyRequests"] * 11 + ["Unauthorized"] * rules.FAILURE_LIMIT, results
    assert all(r.code == "too_many_attempts" for r in results if isinstance(r, errors.TooManyRequests))
    item = counter("someone")
    assert item["failures"] == {"N": str(rules.FAILURE_LIMIT)} and item["attempts"] == {"N": str(rules.FAILURE_LIMIT)}
    assert login(api, "someone", PASSWORD).status == 429


def test_the_window_boundaries_are_fixed() -> None:
    window = rules.window(START)
    assert (window.end - window.start) == rules.WINDOW_S and window.start % rules.WINDOW_S == 0
    assert window.retry_after(START) == WINDOW_END_S
    assert rules.window(START + timedelta(seconds=WINDOW_END_S)).start == window.end
    assert rules.subject(" Agent01 ") == rules.subject("agent01") == rules.subject("ａｇｅｎｔ01")
