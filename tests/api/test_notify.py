"""The outbox: each business key is sent once, whatever runs it twice; temporary failures are
retried, permanent ones recorded; a crash is repaired by a retry once the claim's lease is over."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from chalicelib.core.clients import client
from chalicelib.core.settings import reset_settings
from chalicelib.notify import channels, service, store
from devtools.moto_local import patched
from tests.api.conftest import Env
from tests.api.shifts_support import Clock, emails, ist, sms

KEY = "roster#2026-12-07#rev1#asha01#email"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(service, "sleep", waits.append)
    return waits


def send(key: str = KEY, to: str = "asha01@example.org") -> service.Outcome:
    return service.send_email(key, to, "रोस्टर / Roster", "नमस्ते / Hello")


def test_a_key_is_sent_once_however_often_it_is_sent(aws: Env) -> None:
    assert send().status == service.SENT
    assert send().status == service.ALREADY_SENT
    assert send("roster#2026-12-07#rev2#asha01#email").status == service.SENT
    [first, _] = emails("asha01@example.org")
    assert first.subject == "रोस्टर / Roster" and first.body == "नमस्ते / Hello"
    item = store.get(KEY)
    assert item is not None and item.status == store.SENT and item.attempts == 1 and item.provider_id == first.id
    assert item.recipient == "as***@example.org" and item.token is None


def test_concurrent_senders_of_one_key_send_one_message(aws: Env) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()
        outcomes.append(send().status)

    with patched():  # DynamoDB's per-item atomicity, which moto lacks under threads
        threads = [threading.Thread(target=run) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(emails()) == 1
    counts = Counter(outcomes)
    assert counts[service.SENT] == 1
    assert counts[service.SENT] + counts[service.ALREADY_SENT] + counts[service.IN_FLIGHT] == 8


def test_a_crash_before_sending_is_sent_by_the_retry_after_the_lease(aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, ist("2026-12-05", "12:00"))
    real = channels.send_email

    def crash(*args: Any) -> str:
        raise RuntimeError("the function was killed")

    monkeypatch.setattr(channels, "send_email", crash)
    with pytest.raises(RuntimeError):
        send()
    monkeypatch.setattr(channels, "send_email", real)
    assert store.get(KEY).status == store.SENDING  # type: ignore[union-attr]
    assert send().status == service.IN_FLIGHT  # the claim may still be alive: nobody sends twice at once
    assert emails() == []
    clock.advance(seconds=61)  # the lease (SAMPARK_OUTBOX_LEASE_S, 60) is over: its holder is gone
    assert send().status == service.SENT
    assert send().status == service.ALREADY_SENT
    assert len(emails()) == 1 and store.get(KEY).attempts == 2  # type: ignore[union-attr]


def test_a_crash_after_the_provider_accepted_sends_twice_at_least_once(
        aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented trade-off: no message is lost; this one window can duplicate."""
    clock = Clock(monkeypatch, ist("2026-12-05", "12:00"))
    real = store.mark_sent

    def die(*args: Any) -> bool:
        raise RuntimeError("killed before recording")

    monkeypatch.setattr(store, "mark_sent", die)
    with pytest.raises(RuntimeError):
        send()
    monkeypatch.setattr(store, "mark_sent", real)
    clock.advance(seconds=61)
    assert send().status == service.SENT
    assert len(emails()) == 2


def _throttle(monkeypatch: pytest.MonkeyPatch, times: int) -> None:
    ses = client("ses")
    real = ses.send_email
    left = [times]

    def flaky(**kwargs: Any) -> Any:
        if left[0] > 0:
            left[0] -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}},
                              "SendEmail")
        return real(**kwargs)

    monkeypatch.setattr(ses, "send_email", flaky)


def test_throttling_is_retried_with_growing_backoff(aws: Env, monkeypatch: pytest.MonkeyPatch,
                                                    no_waiting: list[float]) -> None:
    _throttle(monkeypatch, 3)
    assert send().status == service.SENT
    assert len(emails()) == 1 and len(no_waiting) == 3
    assert all(0 <= w <= service.BACKOFF_BASE_S * 2 ** i for i, w in enumerate(no_waiting))


def test_throttling_that_outlasts_the_backoff_is_left_for_the_next_run(
        aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    _throttle(monkeypatch, service.THROTTLE_RETRIES + 1)
    deferred = send()
    assert deferred.status == service.DEFERRED and deferred.error_code == "Throttling"
    item = store.get(KEY)
    assert item is not None and item.status == store.RETRY and emails() == []
    assert send().status == service.SENT  # released at once: the next run does not wait for a lease
    assert len(emails()) == 1


def test_a_permanent_failure_is_recorded_and_not_retried(aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPARK_SES_SENDER", "nobody@unverified.example")
    reset_settings()
    failed = send()
    assert failed.status == service.FAILED and failed.error_code == "MessageRejected"
    monkeypatch.setenv("SAMPARK_SES_SENDER", "sampark@example.org")
    reset_settings()
    again = send()
    assert again.status == service.FAILED and again.error_code == "MessageRejected"
    item = store.get(KEY)
    assert item is not None and item.status == store.FAILED and "not verified" in (item.error or "")
    assert emails() == []


def test_sms_and_topic_messages_go_through_the_same_outbox(aws: Env) -> None:
    assert service.send_sms("roster#p#rev1#asha01#sms", "+919876543210", "सम्पर्क रोस्टर").status == service.SENT
    assert service.send_sms("roster#p#rev1#asha01#sms", "+919876543210", "सम्पर्क रोस्टर").status == service.ALREADY_SENT
    assert sms() == [("+919876543210", "सम्पर्क रोस्टर")]
    assert store.get("roster#p#rev1#asha01#sms").recipient == "+91XXXXXX3210"  # type: ignore[union-attr]
    bad = service.send_sms("roster#p#rev1#bad#sms", "+91-not-a-number", "x")
    assert bad.status == service.FAILED
    topic = boto3.client("sns", region_name="ap-south-1").create_topic(Name="sampark-dev-state")["TopicArn"]
    assert service.publish("digest#2026-12-05#state", topic, "Digest", "summary").status == service.SENT
    assert service.publish("digest#2026-12-05#state", topic, "Digest", "summary").status == service.ALREADY_SENT
    sent = sns_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"].topics[topic].sent_notifications
    assert len(sent) == 1 and sent[0][1] == "summary"


def test_keys_are_checked(aws: Env) -> None:
    with pytest.raises(ValueError):
        send("has spaces in it")
