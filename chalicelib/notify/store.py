"""The outbox: one item per outbound message, keyed on its business key
(`roster#2026-12-07#rev2#agent07#email`). The only module of this feature that touches DynamoDB.

An item's life: absent -> `sending` (claimed, with a lease) -> `sent` | `failed` (permanent) |
`retry` (released after a temporary failure). A claim succeeds only on an absent item, a `retry`
item, or a `sending` item whose lease has run out (its sender died), and only if nobody else
claimed it since it was read: every write states the state it replaces.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from ..core import db
from ..core.clock import iso

SENDING, SENT, RETRY, FAILED = "sending", "sent", "retry", "failed"
KEEP_DAYS = 400  # expires_at: a TTL attribute, so keys of past years do not pile up


@db.table("outbox")
class OutboxModel(Model):
    class Meta:
        table_name = "outbox"

    key = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute()  # email | sms | topic
    recipient = UnicodeAttribute()  # masked: never a full phone number
    status = UnicodeAttribute()
    token = UnicodeAttribute(null=True)  # the current claim's holder
    lease_until = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    provider_id = UnicodeAttribute(null=True)  # SES MessageId / SNS MessageId
    error_code = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def claim(key: str, channel: str, recipient: str, now: datetime, lease_s: int) -> tuple[str | None, OutboxModel]:
    """Claim the right to send `key`. Returns (token, item): the token proves the claim later; None
    when the message is sent, failed for good, or held by a live claim (the item says which).

    A strongly consistent read, then a put whose condition is the state that was read: an absent
    item, or the same `retry` / expired `sending` item (status, attempts and lease unchanged).
    Of two racing claimers one put fails its condition. A message already sent costs one read."""
    at = iso(now)
    current = get(key)
    if current is not None and (current.status in (SENT, FAILED)
                                or (current.status == SENDING and (current.lease_until or "") >= at)):
        return None, current
    item = OutboxModel(
        key, channel=channel, recipient=recipient, status=SENDING, token=secrets.token_hex(8),
        lease_until=iso(now + timedelta(seconds=lease_s)), attempts=(current.attempts if current else 0) + 1,
        created_at=current.created_at if current else at, updated_at=at,
        expires_at=int((now + timedelta(days=KEEP_DAYS)).timestamp()),
    )
    if current is None:
        condition = OutboxModel.key.does_not_exist()
    else:
        condition = ((OutboxModel.status == current.status) & (OutboxModel.attempts == current.attempts)
                     & (OutboxModel.lease_until == current.lease_until if current.lease_until
                        else OutboxModel.lease_until.does_not_exist()))
    if not db.put_if(item, condition):
        return None, get(key) or item
    return item.token, item


def _finish(claimed: OutboxModel, now: datetime, status: str, *, provider_id: str | None = None,
            error_code: str | None = None, error: str | None = None) -> bool:
    """Record the outcome of a claim, if it is still ours (False: the lease ran out and was taken)."""
    token = claimed.token
    done = OutboxModel(
        claimed.key, channel=claimed.channel, recipient=claimed.recipient, status=status,
        attempts=claimed.attempts, created_at=claimed.created_at, updated_at=iso(now),
        sent_at=iso(now) if status == SENT else None, provider_id=provider_id,
        error_code=None if status == SENT else (error_code or "unknown"),
        error=None if status == SENT else (error or "")[:500], expires_at=claimed.expires_at,
    )
    return db.put_if(done, (OutboxModel.token == token) & (OutboxModel.status == SENDING))


def mark_sent(claimed: OutboxModel, now: datetime, provider_id: str) -> bool:
    return _finish(claimed, now, SENT, provider_id=provider_id)


def mark_failed(claimed: OutboxModel, now: datetime, code: str, message: str) -> bool:
    return _finish(claimed, now, FAILED, error_code=code, error=message)


def release(claimed: OutboxModel, now: datetime, code: str, message: str) -> bool:
    return _finish(claimed, now, RETRY, error_code=code, error=message)


def get(key: str) -> OutboxModel | None:
    return db.get_or_none(OutboxModel, key, consistent=True)


def get_many(keys: list[str]) -> dict[str, OutboxModel]:
    """The outbox items of these keys that exist (one BatchGetItem per 100): how their sends went."""
    return {o.key: o for o in OutboxModel.batch_get(list(dict.fromkeys(keys)))} if keys else {}
