"""Digests' own table and the reads a digest makes. The only module of this feature that touches
DynamoDB. A digest reads report counters (never call logs): a number of items that follows the
campaigns, units and agents reported, whatever the number of calls.

`digests` items (hash key `key`):
* `settings`: recipients per audience, silent-unit threshold (a version guards concurrent edits);
* `digest#<audience>#<period>`: the digest as built the first time (what every send of it uses), with
  a snapshot (per-unit connects, day totals, and for a day the campaigns it reported) the next digests
  compare against. A day digest's day figures are brought up to date when a later day digest finds
  late calls in the day's counters (rules.correction_days): content and snapshot rewritten, `version`
  + 1, in one transaction with the digest that reports the correction;
* `suppress#<email>`: an address SES reported as bounced or complained about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from ..campaigns import store as campaign_store
from ..core import db
from ..core.errors import Conflict
from ..core.paging import PageRequest
from ..notify import store as outbox
from ..org import store as org_store
from ..reporting.counters import CounterModel

MAX_CAMPAIGNS = 100


@db.table("digests")
class DigestModel(Model):
    class Meta:
        table_name = "digests"

    key = UnicodeAttribute(hash_key=True)
    content = JSONAttribute(null=True)
    snapshot = JSONAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    created_at = UnicodeAttribute()


def digest_key(audience: str, period: str) -> str:
    return f"digest#{audience}#{period}"


def get(key: str) -> DigestModel | None:
    return db.get_or_none(DigestModel, key, consistent=True)


def get_many(keys: list[str]) -> dict[str, DigestModel]:
    return {d.key: d for d in DigestModel.batch_get(list(dict.fromkeys(keys)))} if keys else {}


@dataclass
class Correction:
    """A sent day digest (as read, with its version) and its content and snapshot brought up to date."""

    item: DigestModel
    content: dict[str, Any]
    snapshot: dict[str, Any]


class Stale(Exception):
    """An earlier digest changed between the build that corrects it and the write: build again."""


def keep_first(key: str, content: dict[str, Any], snapshot: dict[str, Any], at: str,
               corrections: list[Correction]) -> DigestModel:
    """Keep the first digest built for a key: a second builder (a concurrent run, a schedule firing
    twice) gets the stored one. The corrections it carries are written in the same transaction, each
    on the version it was computed from, so a correction is stored (and reported) exactly once."""
    item = DigestModel(key, content=content, snapshot=snapshot, created_at=at)
    if not corrections:
        if db.put_if_absent(item):
            return item
        stored = get(key)
        if stored is None:  # digests are never deleted: a put refused for a key that is gone again
            raise Stale(key)
        return stored
    try:
        with db.transaction() as tx:
            tx.save(item, condition=DigestModel.key.does_not_exist())
            for c in corrections:
                version = c.item.version
                same = DigestModel.version.does_not_exist() if version is None else DigestModel.version == version
                tx.update(c.item, actions=[DigestModel.content.set(c.content), DigestModel.snapshot.set(c.snapshot),
                                           DigestModel.version.set(int(version or 0) + 1)],
                          condition=DigestModel.key.exists() & same)
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            stored = get(item.key)
            if stored is not None:
                return stored
        if any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in codes):
            raise Stale(key) from exc
        raise db.translate(exc) from exc
    return item


def put_settings(config: dict[str, Any], version: int, at: str) -> DigestModel:
    item = DigestModel("settings", content=config, version=version + 1, created_at=at)
    condition = DigestModel.key.does_not_exist() if version == 0 else DigestModel.version == version
    if not db.put_if(item, condition):
        raise Conflict("the digest settings changed meanwhile; read them again", field="version")
    return item


def suppress(email: str, reason: str, at: str) -> None:
    DigestModel(f"suppress#{email.lower()}", reason=reason, created_at=at).save()  # same item twice: same state


def suppressed(emails: list[str]) -> set[str]:
    found = get_many([f"suppress#{e.lower()}" for e in emails])
    return {k.removeprefix("suppress#") for k in found}


# ---- reads of other features' data (read-only) ----------------------------------------------


def active_campaigns() -> list[campaign_store.CampaignModel]:
    return campaign_store.list_campaigns("active", None, PageRequest(MAX_CAMPAIGNS, None)).items


def counters(keys: list[tuple[str, str]]) -> dict[tuple[str, str], CounterModel]:
    out: dict[tuple[str, str], CounterModel] = {}
    unique = list(dict.fromkeys(keys))
    for i in range(0, len(unique), 100):
        for item in CounterModel.batch_get(unique[i:i + 100]):
            out[(item.pk, item.sk)] = item
    return out


def partition(pk: str) -> list[CounterModel]:
    """Every item of one counter partition (a campaign's units, or a day's agents), 1 MB per Query."""
    return list(CounterModel.query(pk))


def units(unit_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unique = list(dict.fromkeys(unit_ids))
    for i in range(0, len(unique), 100):
        out.update(org_store.get_units(unique[i:i + 100]))
    return out


def pending_callbacks(agent: str) -> int:
    return len(campaign_store.agent_callbacks(agent, PageRequest(100, None)).items)


def deliveries(keys: list[str]) -> dict[str, Any]:
    return outbox.get_many(keys)


def questions_of(campaign_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The questions of these campaigns (the answers section): one BatchGetItem per 100, whatever the
    calls (the by_status index the campaigns are listed from does not carry them)."""
    ids = list(dict.fromkeys(campaign_ids))
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(ids), 100):
        for c in campaign_store.CampaignModel.batch_get(ids[i:i + 100], attributes_to_get=["campaign_id", "questions"]):
            out[c.campaign_id] = list(c.questions or [])
    return out
