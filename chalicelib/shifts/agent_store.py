"""The agents table: call-centre profiles (agents and supervisors), with a supervisor's duty override and
the spans of the agent's leave on the same item. The only module that reads or writes it; it speaks in the
app's errors. Leave itself is leave_store's; rosters roster_store's; seats and shifts config_store's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from ..core import db
from ..core.errors import Conflict, NotFound
from ..core.paging import Page, PageRequest

CENTRE = "main"  # one call centre per deployment today; the key leaves room for more
AGENT_LIST_FIELDS = ["role", "name_hi", "name_en", "languages", "active", "phone_last4", "email"]
OVERRIDE_FIELDS = ["override_until", "override_reason", "override_by", "override_at"]
SEARCH_FIELDS = ["name_hi_key", "name_en_key"]
STAFF_FIELDS = AGENT_LIST_FIELDS + OVERRIDE_FIELDS + SEARCH_FIELDS + ["employer"]
PARTY = "party"  # the built-in employer (employers.py); an item without `employer` is party staff


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


class AgentsByStaff(GlobalSecondaryIndex["AgentModel"]):
    """The centre's staff by login name with everything the agents screen shows and the employer: the
    list, its search and its filters (role, employer), the staff directory of the reports, and whether an
    employer still has anyone. It is by_login with `employer` projected: a GSI's projection cannot be
    changed in place, and this one holds every agent, those stored before employers existed too (their
    absent employer reads as party staff); an index keyed on the employer would leave them out.
    by_login is no longer read and can be dropped in a later deployment (CloudFormation changes one GSI
    per table update)."""

    class Meta:
        index_name = "by_staff"
        projection = IncludeProjection(STAFF_FIELDS)

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
    # who employs the person: an id of employers.py ("party" = the party's own staff; absent = party)
    employer = UnicodeAttribute(null=True)
    by_centre = AgentsByCentre()
    by_login = AgentsByLogin()
    by_staff = AgentsByStaff()


AGENT_KEYS = ("username", "centre", "list_key")
LOGIN_KEYS = ("username", "centre")


def get_agent(username: str) -> AgentModel | None:
    return db.get_or_none(AgentModel, username)


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


def agent_item(fields: Mapping[str, Any]) -> AgentModel:
    """A new profile as stored, from its fields (agents.agent_fields: the service's rules made them); also
    what the demo seeder and the tests batch-write."""
    return AgentModel(fields["username"], **{k: v for k, v in fields.items() if k != "username"})


def create_agent(agent: AgentModel) -> None:
    """Put a new profile, on condition that the username is not taken (409 agent_exists)."""
    db.put_new(agent, Conflict("an agent with this username exists", field="username", code="agent_exists"))


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


def _of_employer(employer: str) -> Any:
    if employer == PARTY:
        return (AgentModel.employer == PARTY) | AgentModel.employer.does_not_exist()
    return AgentModel.employer == employer


def find_agents(login: str | None, name: str | None, role: str | None, page: PageRequest,
                employer: str | None = None) -> Page[AgentModel]:
    """The centre's agents in login-name order (one Query of by_staff a page), those whose login
    name starts with `login` or whose normalised Hindi or English name starts with `name`, of `role`,
    of `employer`."""
    condition: Any = None
    if login:
        condition = AgentModel.username.startswith(login)
    if name:
        by_name = AgentModel.name_hi_key.startswith(name) | AgentModel.name_en_key.startswith(name)
        condition = by_name if condition is None else condition | by_name
    if role:
        condition = AgentModel.role == role if condition is None else condition & (AgentModel.role == role)
    if employer:
        condition = _of_employer(employer) if condition is None else condition & _of_employer(employer)
    result = AgentModel.by_staff.query(CENTRE, filter_condition=condition, limit=page.limit,
                                       page_size=max(page.limit, 200), last_evaluated_key=page.start_key)
    items = list(result)
    return Page(items, result.last_evaluated_key)


def all_agents() -> Iterator[AgentModel]:
    """Every agent of the centre, from the list index (a paged Query; the job reads them all)."""
    yield from AgentModel.by_centre.query(CENTRE, page_size=500)


def staff() -> Iterator[AgentModel]:
    """Every agent and supervisor of the centre with the employer (a paged Query of by_staff)."""
    yield from AgentModel.by_staff.query(CENTRE, page_size=500)


def employer_in_use(employer: str) -> bool:
    """Whether any agent or supervisor has this employer: a Query of by_staff filtered on it, which
    stops at the first one found (the centre's partition is tens to hundreds of entries). The index is
    eventually consistent: an agent given this employer in the last moment may not be seen yet."""
    found = AgentModel.by_staff.query(CENTRE, filter_condition=_of_employer(employer), limit=1, page_size=500)
    return next(iter(found), None) is not None
