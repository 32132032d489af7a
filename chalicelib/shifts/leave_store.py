"""The leaves table: an agent's leave by IST dates, each written in one transaction with its span on the
agent's item (agent_store), which the duty gate reads with the agent. The only module that writes leave."""

from __future__ import annotations

from collections.abc import Mapping

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, LocalSecondaryIndex
from pynamodb.models import Model

from ..core import db
from ..core.errors import Conflict, NotFound
from ..core.paging import Page, PageRequest
from .agent_store import CENTRE, AgentModel, get_agent

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


def leave_item(fields: Mapping[str, str]) -> LeaveModel:
    """A leave as stored, from its fields (username, leave_id, from_date, to_date, reason, body_hash,
    created_at, created_by); the keys of its two indexes are derived here."""
    username, leave_id = fields["username"], fields["leave_id"]
    return LeaveModel(username, leave_id, from_date=fields["from_date"], to_date=fields["to_date"],
                      reason=fields["reason"], from_key=f"{fields['from_date']}#{leave_id}",
                      end_key=f"{fields['to_date']}#{username}#{leave_id}", body_hash=fields["body_hash"],
                      created_at=fields["created_at"], created_by=fields["created_by"])


def record_leave(fields: Mapping[str, str], agent: AgentModel, ended_before: str) -> LeaveModel | None:
    """Store a new leave (leave_item) with its span on the agent's item: the leave as stored, or None if a
    leave with this id exists (the caller compares the bodies)."""
    leave = leave_item(fields)
    return leave if put_leave(leave, agent, ended_before) else None


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
    return db.get_or_none(LeaveModel, username, leave_id)


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
