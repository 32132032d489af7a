"""Idempotent outbound messages: email through SES, SMS and topic messages through SNS.

Every message has a business key (`roster#<period>#rev<n>#<username>#email`). Sending one is:
claim the key in the outbox (a conditional write), send, mark it sent. So:

* a second send of the same key — the job running twice, in sequence or at the same time — finds
  the key sent, or claimed under a live lease, and sends nothing;
* a temporary failure (throttling that outlasts the backoff, a network error) releases the claim,
  and the next run sends it; a permanent one (address rejected, bad number) is recorded as failed
  with the provider's code and is not retried;
* a crash between the claim and "sent" leaves the claim; once its lease (longer than any function
  can run, SAMPARK_OUTBOX_LEASE_S) has run out the next run sends it again.

The trade-off is **at least once**: a message is never lost as long as some run retries, and a
duplicate is possible only when the process dies after the provider accepted the message and before
the outbox recorded it (one UpdateItem later). At most once would lose that message instead; for a
roster an extra email is the smaller harm. No business key is ever sent twice by two live runs.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..core import clock
from ..core.observability import count, logger
from ..core.settings import get_settings
from ..org.rules import mask_phone
from . import channels, store

SENT, ALREADY_SENT, IN_FLIGHT, FAILED, DEFERRED = "sent", "already_sent", "in_flight", "failed", "deferred"
THROTTLE_RETRIES = 5
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.25, 8.0
KEY_PATTERN = re.compile(r"[A-Za-z0-9#:_.@+-]{1,512}")

sleep: Callable[[float], None] = time.sleep  # tests replace it to skip the waiting


@dataclass(frozen=True)
class Outcome:
    key: str
    status: str  # sent | already_sent | in_flight | failed | deferred
    error_code: str | None = None


def backoff_s(attempt: int) -> float:
    """Full jitter: a random wait up to base * 2^attempt, capped."""
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** attempt)))  # noqa: S311 - jitter


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


def send_email(key: str, to: str, subject: str, text: str) -> Outcome:
    sender = get_settings().ses_sender
    return _deliver(key, "email", mask_email(to), lambda: channels.send_email(sender, to, subject, text))


def send_raw_email(key: str, to: str, raw: bytes) -> Outcome:
    sender = get_settings().ses_sender
    return _deliver(key, "email", mask_email(to), lambda: channels.send_raw_email(sender, to, raw))


def publish_json(key: str, topic_arn: str, subject: str, sms: str, summary: str) -> Outcome:
    return _deliver(key, "topic", topic_arn.rsplit(":", 1)[-1],
                    lambda: channels.publish_json(topic_arn, subject, sms, summary))


def send_sms(key: str, phone: str, text: str) -> Outcome:
    return _deliver(key, "sms", mask_phone(phone), lambda: channels.send_sms(phone, text))


def publish(key: str, topic_arn: str, subject: str, message: str) -> Outcome:
    return _deliver(key, "topic", topic_arn.rsplit(":", 1)[-1], lambda: channels.publish(topic_arn, subject, message))


def _deliver(key: str, channel: str, recipient: str, send: Callable[[], str]) -> Outcome:
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not an outbox key: {key!r}")
    token, claimed = store.claim(key, channel, recipient, clock.now_utc(), get_settings().outbox_lease_s)
    if token is None:
        outcome = {store.SENT: ALREADY_SENT, store.FAILED: FAILED}.get(claimed.status, IN_FLIGHT)
        return Outcome(key, outcome, claimed.error_code if outcome == FAILED else None)
    attempt = 0
    while True:
        try:
            provider_id = send()
        except channels.Throttled as exc:
            if attempt >= THROTTLE_RETRIES:
                store.release(claimed, clock.now_utc(), exc.code, exc.message)
                count("OutboxDeferred")
                return Outcome(key, DEFERRED, exc.code)
            sleep(backoff_s(attempt))
            attempt += 1
            continue
        except channels.Rejected as exc:
            store.mark_failed(claimed, clock.now_utc(), exc.code, exc.message)
            logger.warning("message refused for good", extra={"key": key, "code": exc.code})
            count("OutboxFailed")
            return Outcome(key, FAILED, exc.code)
        except channels.Unreachable as exc:
            store.release(claimed, clock.now_utc(), exc.code, exc.message)
            count("OutboxDeferred")
            return Outcome(key, DEFERRED, exc.code)
        # Anything else is a crash: the claim stays until its lease runs out, then a retry sends.
        if not store.mark_sent(claimed, clock.now_utc(), provider_id):
            logger.warning("outbox claim was lost before it was marked sent", extra={"key": key})
        count("OutboxSent")
        return Outcome(key, SENT)
