"""PynamoDB models and queries for agents, leave, the shifts configuration and rosters.
The only module of this feature that touches DynamoDB; it speaks in the app's errors.

A roster revision's lines are content-addressed: `set#<hash>#<username>` items under the period,
where the hash is that of the whole assignment. Two generators computing the same roster write
the same items (harmless); the revision itself is committed by one transaction whose conditions
(`rev#n` absent, head at n-1) let exactly one of them win.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, LocalSecondaryIndex
from pynamodb.models import Model

from ..core import db
from ..core.errors import Conflict, NotFound
from ..core.paging import Page, PageRequest

CENTRE = "main"  # one call centre per deployment today; the key leaves room for more
AGENT_LIST_FIELDS = ["role", "name_hi", "name_en", "languages", "active", "phone_last4", "email"]
OVERRIDE_FIELDS = ["override_until", "override_reason", "override_by", "override_at"]
SEARCH_FIELDS = ["name_hi_key", "name_en_key"]


# ---- agents --------------------------------------------------------------------------------


class AgentsByCentre(GlobalSecondaryIndex["AgentModel"]):
    class Meta:
        index_name = "by_centre"
        projection = IncludeProjection(AGENT_LIST_FIELDS)

    centre = UnicodeAttribute(hash_key=True)
    list_key = UnicodeAttribute(range_key=True)


class AgentsByLogin(GlobalSecondaryIndex["AgentModel"]):
    """The centre's agents by login name, with what the agents screen shows (the duty override
    included) and the normalised names: the search (login name or name prefix, Hindi or English) is a
    Query of the centre's partition with a filter. A centre has tens to hundreds of agents, so a call
    reads them all (1 MB is some 3,000 of these entries); the contacts' per-script name indexes
    answer 60,000 contacts, which agents never reach."""

    class Meta:
        index_name = "by_login"
        projection = IncludeProjection(AGENT_LIST_FIELDS + OVERRIDE_FIELDS + SEARCH_FIELDS)

    centre = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


@db.table("agents")
class AgentModel(Model):
    class Meta:
        table_name = "agents"

    username = UnicodeAttribute(hash_key=True)
    centre = UnicodeAttribute(default=CENTRE)
    list_key = UnicodeAttribute()  # role#username: lists by role, then name
    role = UnicodeAttribute()  # agent | supervisor
    name_hi = UnicodeAttribute()
    name_en = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)  # E.164; never projected into an index, never logged
    phone_last4 = UnicodeAttribute(null=True)
    languages = ListAttribute(of=UnicodeAttribute)  # preferred first
    active = BooleanAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    create_hash = UnicodeAttribute()  # of the create request: the same request again is the same agent
    version = NumberAttribute(default=1)
    # a supervisor's duty override: on duty until this UTC time whatever the roster says
    override_until = UnicodeAttribute(null=True)
    override_reason = UnicodeAttribute(null=True)
    override_by = UnicodeAttribute(null=True)
    override_at = UnicodeAttribute(null=True)
    # the agent's leave, leave_id -> "from|to" (IST dates), written with each leave in one transaction:
    # the duty gate reads it with the agent (a key lookup) instead of querying the leave table
    leaves = MapAttribute(null=True)  # type: ignore[var-annotated]
    # the names as the search reads them (org.rules.name_key: case, nukta, spaces folded)
    name_hi_key = UnicodeAttribute(null=True)
    name_en_key = UnicodeAttribute(null=True)
    by_centre = AgentsByCentre()
    by_login = AgentsByLogin()


AGENT_KEYS = ("username", "centre", "list_key")
LOGIN_KEYS = ("username", "centre")


def get_agent(username: str) -> AgentModel | None:
    try:
        return AgentModel.get(username)
    except AgentModel.DoesNotExist:
        return None


def read_keys(keys: list[db.Key]) -> dict[db.Key, Any]:
    """One BatchGetItem (consistent) of items named by key, from any table."""
    return db.batch_get(keys)


def agent_key(username: str) -> db.Key:
    return (AgentModel, username, None)


def leave_spans(agent: AgentModel) -> list[tuple[str, str]]:
    """(from, to) IST dates of the agent's leave, from the map on the agent's item."""
    raw = agent.leaves
    data = raw.as_dict() if raw is not None and hasattr(raw, "as_dict") else dict(raw or {})
    spans = []
    for value in data.values():
        first, _, last = str(value).partition("|")
        spans.append((first, last))
    return spans


def get_agents(usernames: Iterable[str]) -> dict[str, AgentModel]:
    """BatchGetItem, 100 keys a call."""
    keys = sorted(set(usernames))
    return {a.username: a for a in AgentModel.batch_get(keys)} if keys else {}


def create_agent(agent: AgentModel) -> None:
    try:
        agent.save(condition=AgentModel.username.does_not_exist())
    except PutError as exc:
        if db.is_condition_failure(exc):
            raise Conflict("an agent with this username exists", field="username", code="agent_exists") from exc
        raise db.translate(exc) from exc


def delete_agent_if(username: str, create_hash: str) -> None:
    """Undo a create that could not get its login (only the item that create wrote)."""
    try:
        AgentModel(username).delete(condition=(AgentModel.create_hash == create_hash) & (AgentModel.version == 1))
    except DeleteError as exc:
        if not db.is_condition_failure(exc):
            raise db.translate(exc) from exc


def update_agent(username: str, expected_version: int, changes: dict[str, Any]) -> AgentModel:
    actions = [getattr(AgentModel, name).set(value) if value is not None else getattr(AgentModel, name).remove()
               for name, value in changes.items()]
    actions.append(AgentModel.version.add(1))
    try:
        AgentModel(username).update(actions=actions, condition=AgentModel.version == expected_version)
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            if get_agent(username) is None:
                raise NotFound("agent not found", field="username") from exc
            raise Conflict("the agent was changed by someone else; reload it and try again",
                           field="version", code="stale_version") from exc
        raise db.translate(exc) from exc
    updated = get_agent(username)
    if updated is None:
        raise NotFound("agent not found", field="username")
    return updated


def set_override(username: str, until: str | None, reason: str | None, actor: str, at: str) -> bool:
    """Set (or, with until=None, lift) an agent's duty override. False when it already holds exactly
    this: a repeat changes nothing (and is not audited twice). NotFound for an unknown agent."""
    actions: list[Action]
    if until is None:
        actions = [AgentModel.override_until.remove(), AgentModel.override_reason.remove(),
                   AgentModel.override_by.set(actor), AgentModel.override_at.set(at)]
        differs = AgentModel.override_until.exists()
    else:
        actions = [AgentModel.override_until.set(until), AgentModel.override_reason.set(reason or ""),
                   AgentModel.override_by.set(actor), AgentModel.override_at.set(at)]
        differs = (AgentModel.override_until.does_not_exist() | (AgentModel.override_until != until)
                   | (AgentModel.override_reason != (reason or "")))
    try:
        AgentModel(username).update(actions=actions, condition=AgentModel.username.exists() & differs)
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            if get_agent(username) is None:
                raise NotFound("agent not found", field="username") from exc
            return False
        raise db.translate(exc) from exc
    return True


def list_agents(role: str | None, page: PageRequest) -> Page[AgentModel]:
    condition = AgentModel.list_key.startswith(f"{role}#") if role else None
    result = AgentModel.by_centre.query(CENTRE, condition, limit=page.limit, page_size=page.limit,
                                        last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def find_agents(login: str | None, name: str | None, role: str | None, page: PageRequest) -> Page[AgentModel]:
    """The centre's agents in login-name order (one Query of by_login a page), those whose login
    name starts with `login` or whose normalised Hindi or English name starts with `name`, of `role`."""
    condition: Any = None
    if login:
        condition = AgentModel.username.startswith(login)
    if name:
        by_name = AgentModel.name_hi_key.startswith(name) | AgentModel.name_en_key.startswith(name)
        condition = by_name if condition is None else condition | by_name
    if role:
        condition = AgentModel.role == role if condition is None else condition & (AgentModel.role == role)
    result = AgentModel.by_login.query(CENTRE, filter_condition=condition, limit=page.limit,
                                       page_size=max(page.limit, 200), last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def all_agents() -> Iterator[AgentModel]:
    """Every agent of the centre, from the list index (a paged Query; the job reads them all)."""
    yield from AgentModel.by_centre.query(CENTRE, page_size=500)


# ---- leave ---------------------------------------------------------------------------------


class LeavesByFrom(LocalSecondaryIndex["LeaveModel"]):
    class Meta:
        index_name = "by_from"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)
    from_key = UnicodeAttribute(range_key=True)


class LeavesByEnd(GlobalSecondaryIndex["LeaveModel"]):
    class Meta:
        index_name = "by_end"
        projection = IncludeProjection(["from_date", "to_date"])

    centre = UnicodeAttribute(hash_key=True)
    end_key = UnicodeAttribute(range_key=True)


@db.table("leaves")
class LeaveModel(Model):
    class Meta:
        table_name = "leaves"

    username = UnicodeAttribute(hash_key=True)
    leave_id = UnicodeAttribute(range_key=True)  # derived from the client's key: a retry is the same leave
    from_date = UnicodeAttribute()  # IST dates, inclusive
    to_date = UnicodeAttribute()
    reason = UnicodeAttribute()
    from_key = UnicodeAttribute()  # from_date#leave_id: an agent's leave by date
    centre = UnicodeAttribute(default=CENTRE)
    end_key = UnicodeAttribute()  # to_date#username#leave_id: all leave still running after a day
    body_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    by_from = LeavesByFrom()
    by_end = LeavesByEnd()


LEAVE_KEYS = ("username", "leave_id", "from_key")


def put_leave(leave: LeaveModel, agent: AgentModel, ended_before: str) -> bool:
    """Put the leave and its span on the agent's item (dropping spans that ended before
    `ended_before`) in one transaction. True if created; False if a leave with this id exists (the
    caller compares the bodies)."""
    for _ in range(3):
        spans = agent.leaves.as_dict() if agent.leaves is not None else None
        value = f"{leave.from_date}|{leave.to_date}"
        actions: list[Action]
        if spans is None:
            actions = [AgentModel.leaves.set({leave.leave_id: value})]  # type: ignore[arg-type]
            condition = AgentModel.username.exists() & AgentModel.leaves.does_not_exist()
        else:
            actions = [AgentModel.leaves[leave.leave_id].set(value)]  # type: ignore[index]
            actions += [AgentModel.leaves[k].remove() for k, v in spans.items()  # type: ignore[index]
                        if str(v).partition("|")[2] < ended_before and k != leave.leave_id]
            condition = AgentModel.username.exists() & AgentModel.leaves.exists()
        try:
            with db.transaction() as tx:
                tx.save(leave, condition=LeaveModel.leave_id.does_not_exist())
                tx.update(AgentModel(leave.username), actions=actions, condition=condition)
        except TransactWriteError as exc:
            codes = db.cancellation_codes(exc)  # puts, then updates
            if codes and codes[0] == "ConditionalCheckFailed":
                return False
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                fresh = get_agent(leave.username)
                if fresh is None:
                    raise NotFound("agent not found", field="username") from exc
                agent = fresh
                continue
            raise db.translate(exc) from exc
        return True
    raise Conflict("the agent was changed at the same time; try again", code="contended")


def get_leave(username: str, leave_id: str) -> LeaveModel | None:
    try:
        return LeaveModel.get(username, leave_id)
    except LeaveModel.DoesNotExist:
        return None


def delete_leave(username: str, leave_id: str, starts_after: str, agent: AgentModel) -> None:
    """Delete a leave that has not started (the condition holds that even against the clock) and its
    span on the agent's item, in one transaction."""
    try:
        if agent.leaves is None:  # an agent whose leave map was never written: only the leave
            LeaveModel(username, leave_id).delete(
                condition=LeaveModel.leave_id.exists() & (LeaveModel.from_date > starts_after))
        else:
            with db.transaction() as tx:
                tx.delete(LeaveModel(username, leave_id),
                          condition=LeaveModel.leave_id.exists() & (LeaveModel.from_date > starts_after))
                tx.update(AgentModel(username), actions=[AgentModel.leaves[leave_id].remove()],  # type: ignore[index]
                          condition=AgentModel.leaves.exists())
    except (DeleteError, TransactWriteError) as exc:
        failed = db.is_condition_failure(exc) if isinstance(exc, DeleteError) else \
            "ConditionalCheckFailed" in db.cancellation_codes(exc)
        if failed:
            if get_leave(username, leave_id) is None:
                raise NotFound("leave not found", field="leave_id") from exc
            raise Conflict("this leave has started or is over; it cannot be withdrawn",
                           field="leave_id", code="leave_started") from exc
        raise db.translate(exc) from exc


def agent_leaves(username: str, page: PageRequest) -> Page[LeaveModel]:
    result = LeaveModel.by_from.query(username, limit=page.limit, page_size=page.limit,
                                      last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def leaves_on(username: str, day: str) -> list[LeaveModel]:
    """An agent's leave covering `day` (one Query on the date-ordered index)."""
    return [leave for leave in LeaveModel.by_from.query(username, LeaveModel.from_key <= f"{day}#~")
            if leave.to_date >= day]


def leaves_from(username: str, day: str) -> list[LeaveModel]:
    """An agent's leave that has not ended before `day`."""
    return list(LeaveModel.by_from.query(username, filter_condition=LeaveModel.to_date >= day))


def leaves_overlapping(first: str, last: str) -> list[tuple[str, str, str]]:
    """(username, from, to) of every leave that overlaps [first, last]: a Query for leave ending on
    or after `first`, keeping those that start by `last`."""
    out = []
    for leave in LeaveModel.by_end.query(CENTRE, LeaveModel.end_key >= first, page_size=500):
        if leave.from_date <= last:
            out.append((leave.end_key.split("#")[1], leave.from_date, leave.to_date))
    return out


# ---- configuration -------------------------------------------------------------------------


@db.table("config")
class ConfigModel(Model):
    class Meta:
        table_name = "config"

    name = UnicodeAttribute(hash_key=True)  # seats | shifts
    body = UnicodeAttribute()  # JSON
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


def get_config(name: str) -> tuple[dict[str, Any], int] | None:
    try:
        item = ConfigModel.get(name)
    except ConfigModel.DoesNotExist:
        return None
    return json.loads(item.body), int(item.version)


def put_config(name: str, body: dict[str, Any], expected_version: int, at: str, actor: str) -> int:
    """Store a new version if the stored one is still `expected_version` (0: never stored)."""
    condition = ConfigModel.name.does_not_exist() if expected_version == 0 else ConfigModel.version == expected_version
    item = ConfigModel(name, body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                       version=expected_version + 1, updated_at=at, updated_by=actor)
    try:
        item.save(condition=condition)
    except PutError as exc:
        if db.is_condition_failure(exc):
            raise Conflict(f"the {name} configuration was changed by someone else; reload it and try again",
                           field="version", code="stale_version") from exc
        raise db.translate(exc) from exc
    return expected_version + 1


# ---- rosters -------------------------------------------------------------------------------


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
    try:
        return RosterItem.get(period, HEAD, consistent_read=True)
    except RosterItem.DoesNotExist:
        return None


def get_revision(period: str, rev: int) -> RosterItem | None:
    try:
        return RosterItem.get(period, rev_key(rev), consistent_read=True)
    except RosterItem.DoesNotExist:
        return None


def revisions(period: str) -> list[RosterItem]:
    return list(RosterItem.query(period, RosterItem.sk.startswith("rev#"), consistent_read=True))


def head_key(period: str) -> db.Key:
    return (RosterItem, period, HEAD)


def line_key(period: str, set_hash: str, username: str) -> db.Key:
    return (RosterItem, period, f"{line_prefix(set_hash)}{username}")


def config_key(name: str) -> db.Key:
    return (ConfigModel, name, None)


def config_of(item: ConfigModel | None) -> tuple[dict[str, Any], int] | None:
    return None if item is None else (json.loads(item.body), int(item.version))


def get_line(period: str, set_hash: str, username: str) -> RosterItem | None:
    try:
        return RosterItem.get(period, f"{line_prefix(set_hash)}{username}")
    except RosterItem.DoesNotExist:
        return None


def lines(period: str, set_hash: str) -> list[RosterItem]:
    return list(RosterItem.query(period, RosterItem.sk.startswith(line_prefix(set_hash)), page_size=1000))


def lines_page(period: str, set_hash: str, page: PageRequest) -> Page[RosterItem]:
    result = RosterItem.query(period, RosterItem.sk.startswith(line_prefix(set_hash)), limit=page.limit,
                              page_size=page.limit, last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def write_lines(items: list[RosterItem]) -> None:
    """Batch writes of content-addressed lines: writing them twice writes the same thing."""
    with RosterItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def commit_revision(period: str, rev: int, set_hash: str, summary: str, at: str, actor: str, changed: int) -> bool:
    """Make `rev` the revision in force: put `rev#n` if absent and move the head from n-1 to n, in one
    transaction. False when another writer committed this revision first."""
    revision = RosterItem(period, rev_key(rev), rev=rev, set_hash=set_hash, summary=summary, created_at=at,
                          created_by=actor, changed=changed)
    notices = RosterItem(NOTICES, notices_key(period, rev), rev=rev, set_hash=set_hash, created_at=at,
                         created_by=actor)
    head_condition = RosterItem.sk.does_not_exist() if rev == 1 else RosterItem.rev == rev - 1
    try:
        with db.transaction() as tx:
            tx.save(revision, condition=RosterItem.sk.does_not_exist())
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
