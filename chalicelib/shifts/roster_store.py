"""The rosters table: a period's roster head, its revisions and their lines, and the revisions whose notices
are still to be sent. The only module that reads or writes it; it speaks in the app's errors.

A roster revision's lines are content-addressed: `set#<hash>#<username>` items under the period,
where the hash is that of the whole assignment. Two generators computing the same roster write
the same items (harmless); the revision itself is committed by one transaction whose conditions
(`rev#n` absent, head at n-1) let exactly one of them win.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.models import Model

from ..core import db
from ..core.paging import Page, PageRequest


@db.table("rosters")
class RosterItem(Model):
    """One table, three kinds of item under a period: `head` (the revision in force), `rev#0001`
    (each revision), `set#<hash>#<username>` (the lines of a revision's assignment)."""

    class Meta:
        table_name = "rosters"

    period = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # head and revisions
    rev = NumberAttribute(null=True)
    set_hash = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)  # JSON: head-counts, standby, exceptions
    created_at = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    changed = NumberAttribute(null=True)  # how many people this revision changed
    # lines
    username = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    shift = UnicodeAttribute(null=True)
    seat = UnicodeAttribute(null=True)
    room = UnicodeAttribute(null=True)
    partner = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    name_hi = UnicodeAttribute(null=True)
    name_en = UnicodeAttribute(null=True)
    partner_name_hi = UnicodeAttribute(null=True)
    partner_name_en = UnicodeAttribute(null=True)


HEAD = "head"
ROSTER_KEYS = ("period", "sk")
# Revisions whose notices (emails, SMS) are still to be sent: one item per revision under this fixed
# partition, `<period>#rev#0001`, written in the transaction that commits the revision and deleted by
# the sending job once every message of it is sent (or refused for good). The job reads them with one
# Query; the request that generated the roster sends nothing.
NOTICES = "notices#pending"


def rev_key(rev: int) -> str:
    return f"rev#{rev:04d}"


def line_prefix(set_hash: str) -> str:
    return f"set#{set_hash}#"


def get_head(period: str) -> RosterItem | None:
    return db.get_or_none(RosterItem, period, HEAD, consistent=True)


def get_revision(period: str, rev: int) -> RosterItem | None:
    return db.get_or_none(RosterItem, period, rev_key(rev), consistent=True)


def revisions(period: str) -> list[RosterItem]:
    return list(RosterItem.query(period, RosterItem.sk.startswith("rev#"), consistent_read=True))


def head_key(period: str) -> db.Key:
    return (RosterItem, period, HEAD)


def line_key(period: str, set_hash: str, username: str) -> db.Key:
    return (RosterItem, period, f"{line_prefix(set_hash)}{username}")


def get_line(period: str, set_hash: str, username: str) -> RosterItem | None:
    return db.get_or_none(RosterItem, period, f"{line_prefix(set_hash)}{username}")


def lines(period: str, set_hash: str) -> list[RosterItem]:
    return list(RosterItem.query(period, RosterItem.sk.startswith(line_prefix(set_hash)), page_size=1000))


def lines_page(period: str, set_hash: str, page: PageRequest) -> Page[RosterItem]:
    result = RosterItem.query(period, RosterItem.sk.startswith(line_prefix(set_hash)), limit=page.limit,
                              page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def write_lines(period: str, set_hash: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Batch writes of a revision's content-addressed lines (one row per person: username, role, status,
    shift, seat, room, partner, reason and the names): writing them twice writes the same thing."""
    with RosterItem.batch_write() as batch:
        for row in rows:
            batch.save(RosterItem(period, f"{line_prefix(set_hash)}{row['username']}", **row))


@dataclass(frozen=True)
class Revision:
    """A revision to commit: its number, the hash of its lines, the summary (JSON), when, by whom, and how
    many people it changed."""

    period: str
    rev: int
    set_hash: str
    summary: str
    at: str
    actor: str
    changed: int


def commit_revision(revision: Revision) -> bool:
    """Make `revision.rev` the revision in force: put `rev#n` if absent and move the head from n-1 to n,
    with the revision's pending notices, in one transaction. False when another writer committed this
    revision first."""
    period, rev, set_hash, summary = revision.period, revision.rev, revision.set_hash, revision.summary
    at, actor, changed = revision.at, revision.actor, revision.changed
    item = RosterItem(period, rev_key(rev), rev=rev, set_hash=set_hash, summary=summary, created_at=at,
                      created_by=actor, changed=changed)
    notices = RosterItem(NOTICES, notices_key(period, rev), rev=rev, set_hash=set_hash, created_at=at,
                         created_by=actor)
    head_condition = RosterItem.sk.does_not_exist() if rev == 1 else RosterItem.rev == rev - 1
    try:
        with db.transaction() as tx:
            tx.save(item, condition=RosterItem.sk.does_not_exist())
            tx.save(notices)  # the revision's notices to send: committed with it, or not at all
            tx.update(RosterItem(period, HEAD), condition=head_condition, actions=[
                RosterItem.rev.set(rev), RosterItem.set_hash.set(set_hash), RosterItem.summary.set(summary),
                RosterItem.created_at.set(RosterItem.created_at | at), RosterItem.created_by.set(actor),
                RosterItem.changed.set(changed),
            ])
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False
        raise db.translate(exc) from exc
    return True


def notices_key(period: str, rev: int) -> str:
    return f"{period}#{rev_key(rev)}"


def pending_notices(limit: int) -> list[tuple[str, int]]:
    """(period, revision) of revisions whose notices are not all sent yet, oldest period first."""
    found = RosterItem.query(NOTICES, consistent_read=True, limit=limit, page_size=limit)
    return [(item.sk.split("#", 1)[0], int(item.rev or 0)) for item in found]


def notices_pending(period: str, rev: int) -> bool:
    try:
        RosterItem.get(NOTICES, notices_key(period, rev), consistent_read=True)
    except RosterItem.DoesNotExist:
        return False
    return True


def notices_done(period: str, rev: int) -> None:
    """Every notice of the revision is sent or refused for good: nothing left for the job."""
    try:
        RosterItem(NOTICES, notices_key(period, rev)).delete()
    except DeleteError as exc:
        raise db.translate(exc) from exc
