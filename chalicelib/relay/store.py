"""The programmes table: one item per SNS message received on the programmes topic, accepted (with
the draft it made) or rejected (the dead letter: the reason and the message as it came). Written once
(`attribute_not_exists`), so a redelivered message leaves one record. The relay's figures themselves
are report counters (chalicelib/reporting/counters.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import GetError, PutError
from pynamodb.models import Model

from ..core import db


@db.table("programmes")
class ProgrammeMessageModel(Model):
    class Meta:
        table_name = "programmes"

    message_key = UnicodeAttribute(hash_key=True)  # msg#<SNS MessageId>
    status = UnicodeAttribute()  # accepted | rejected
    received_at = UnicodeAttribute()
    published_at = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    programme_id = UnicodeAttribute(null=True)
    campaign_id = UnicodeAttribute(null=True)
    reason_code = UnicodeAttribute(null=True)
    reason_message = UnicodeAttribute(null=True)
    reason_field = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)  # a rejected message as it arrived (at most 16 KB)


def message_key(message_id: str) -> str:
    return f"msg#{message_id}"


def get_record(message_id: str) -> ProgrammeMessageModel | None:
    try:
        return ProgrammeMessageModel.get(message_key(message_id), consistent_read=True)
    except ProgrammeMessageModel.DoesNotExist:
        return None
    except GetError as exc:
        raise db.translate(exc) from exc


def record_accepted(message_id: str, received_at: str, published_at: str, source: str, programme_id: str,
                    campaign_id: str) -> bool:
    """The programme made (or found) this draft: recorded once; False when recorded already."""
    return record(ProgrammeMessageModel(
        message_key(message_id), status="accepted", received_at=received_at, published_at=published_at,
        source=source, programme_id=programme_id, campaign_id=campaign_id))


@dataclass(frozen=True)
class Rejection:
    """A dead letter: why a programme message was refused, and the message as it came (cut)."""

    received_at: str
    published_at: str
    source: str | None
    programme_id: str | None
    code: str
    message: str
    field: str | None
    text: str


def record_rejected(message_id: str, why: Rejection) -> ProgrammeMessageModel:
    """The dead letter, recorded once: the record that stands (a concurrent delivery's, if it was first)."""
    item = ProgrammeMessageModel(
        message_key(message_id), status="rejected", received_at=why.received_at, published_at=why.published_at,
        source=why.source, programme_id=why.programme_id, reason_code=why.code, reason_message=why.message,
        reason_field=why.field, message=why.text)
    if record(item):
        return item
    return get_record(message_id) or item


def record(item: ProgrammeMessageModel) -> bool:
    """Write the record once; False when this message was recorded already (a redelivery)."""
    try:
        item.save(condition=ProgrammeMessageModel.message_key.does_not_exist())
    except PutError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def campaigns(campaign_ids: list[str]) -> dict[str, Any]:
    """One BatchGetItem (≤ 100 ids): the programme and roles a digest's relay section needs, which the
    campaigns' list index does not project."""
    from ..campaigns.read_store import campaigns_by_id

    return campaigns_by_id(campaign_ids)
