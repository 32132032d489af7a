"""The export job item, and the pages an export reads. Queries only: a subtree is a begins_with on
`tree_key` (contacts by the by_tree index; a campaign's targets by their partition)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..core import db
from ..org.store import ContactModel

PAGE = 1000


class ExportsByKind(GlobalSecondaryIndex["ExportModel"]):
    """Earlier exports of one kind, newest first (imports/history.py). Both keys are on every export
    item ever written, so the index holds the older ones too."""

    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


@db.table("exports")
class ExportModel(Model):
    class Meta:
        table_name = "exports"

    export_id = UnicodeAttribute(hash_key=True)  # derived from the admin and the Idempotency-Key
    kind = UnicodeAttribute()  # contacts | campaign_results | call_logs
    unit_id = UnicodeAttribute()
    district_id = UnicodeAttribute()
    path = UnicodeAttribute()
    full_phones = BooleanAttribute(default=False)
    campaign_id = UnicodeAttribute(null=True)
    date_from = UnicodeAttribute(null=True)  # call_logs: IST days, inclusive
    date_to = UnicodeAttribute(null=True)
    agents = JSONAttribute(null=True)  # call_logs: the logins whose calls are read, fixed at creation
    request_hash = UnicodeAttribute()
    status = UnicodeAttribute()  # processing -> done | failed; any -> withdrawn (a person in it was erased)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    rows = NumberAttribute(default=0)
    next_seq = NumberAttribute(default=0)  # the part to write next: the checkpoint
    cursor = JSONAttribute(null=True)  # where the next part starts reading; null once all is read
    file_key = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    withdrawn_at = UnicodeAttribute(null=True)
    by_kind = ExportsByKind()
    file_format = UnicodeAttribute(null=True)  # csv (absent: csv) | xlsx
    language = UnicodeAttribute(null=True)  # hi (absent: hi) | en: the answer columns' headers and words
    columns = JSONAttribute(null=True)  # campaign_results: the answer columns (exports/rules.py), at creation


class AlreadyExists(Exception):
    pass


def create_export(export_id: str, fields: dict[str, Any]) -> ExportModel:
    """The new job's item, on condition that its id is new: AlreadyExists when it is not (a repeat)."""
    item = ExportModel(export_id, **fields)
    try:
        item.save(condition=ExportModel.export_id.does_not_exist())
    except PutError as exc:
        if db.is_condition_failure(exc):
            raise AlreadyExists from exc
        raise db.translate(exc) from exc
    return item


def get_export(export_id: str) -> ExportModel | None:
    try:
        return ExportModel.get(export_id, consistent_read=True)
    except ExportModel.DoesNotExist:
        return None


def exports_of_kind(kind: str, start: dict[str, Any] | None, limit: int) -> tuple[list[ExportModel], bool]:
    """One Query of by_kind, newest first: up to `limit` exports after `start`, and whether more follow."""
    result = ExportModel.by_kind.query(kind, scan_index_forward=False, limit=limit, page_size=limit,
                                       last_evaluated_key=start)
    items = list(result)
    return items, result.last_evaluated_key is not None


def _update(export_id: str, actions: list[Any], condition: Any) -> bool:
    try:
        ExportModel(export_id).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def checkpoint(export_id: str, seq: int, rows: int, cursor: dict[str, Any] | None, at: str) -> bool:
    """Part `seq` is written; the condition makes a redelivered part's second checkpoint a no-op."""
    actions = [ExportModel.next_seq.set(seq + 1), ExportModel.rows.add(rows), ExportModel.updated_at.set(at),
               ExportModel.cursor.set(cursor) if cursor else ExportModel.cursor.remove()]
    return _update(export_id, actions, (ExportModel.next_seq == seq) & (ExportModel.status == "processing"))


def mark_done(export_id: str, file_key: str, at: str) -> bool:
    actions = [ExportModel.status.set("done"), ExportModel.file_key.set(file_key), ExportModel.finished_at.set(at),
               ExportModel.updated_at.set(at)]
    return _update(export_id, actions, ExportModel.status == "processing")


def mark_failed(export_id: str, message: str, at: str) -> bool:
    actions = [ExportModel.status.set("failed"), ExportModel.error_message.set(message[:1000]),
               ExportModel.finished_at.set(at), ExportModel.updated_at.set(at)]
    return _update(export_id, actions, ExportModel.status == "processing")


def mark_withdrawn(export_id: str, at: str) -> bool:
    """The export's file is withdrawn for good: no link is handed out again, and a part still being
    written finds its checkpoint refused. The cursor (it names a contact) goes too."""
    actions = [ExportModel.status.set("withdrawn"), ExportModel.withdrawn_at.set(at), ExportModel.updated_at.set(at),
               ExportModel.file_key.remove(), ExportModel.cursor.remove()]
    return _update(export_id, actions, ExportModel.export_id.exists())


def existing_contacts(contact_ids: list[str]) -> set[str]:
    """The ids that still name a contact, read consistently (after their file holdings are recorded,
    so a contact erased meanwhile is either seen gone here or finds the holding): a BatchGetItem per 100."""
    ids = list(dict.fromkeys(contact_ids))
    found = ContactModel.batch_get(ids, consistent_read=True, attributes_to_get=["contact_id"]) if ids else []
    return {c.contact_id for c in found}


def contacts_page(district_id: str, path: str, start: dict[str, Any] | None,
                  limit: int = PAGE) -> tuple[list[ContactModel], dict[str, Any] | None]:
    """Contacts of a subtree from the by_tree index (names, role, unit, language, last four digits)."""
    result = ContactModel.by_tree.query(district_id, ContactModel.tree_key.startswith(path), limit=limit,
                                        page_size=limit, last_evaluated_key=start)
    items = list(result)
    return items, result.last_evaluated_key


def targets_page(campaign_id: str, path: str, start: dict[str, Any] | None,
                 limit: int = PAGE) -> tuple[list[Any], dict[str, Any] | None]:
    """A campaign's call targets inside a subtree: its partition, filtered on the contact's tree_key."""
    from ..campaigns.store import TargetModel

    result = TargetModel.query(campaign_id, filter_condition=TargetModel.tree_key.startswith(path), limit=limit,
                               page_size=limit, last_evaluated_key=start)
    items = list(result)
    return items, result.last_evaluated_key


def phones(contact_ids: list[str]) -> dict[str, str]:
    """Full numbers, for an export that asked for them (audited): one BatchGetItem per 100 contacts."""
    ids = list(dict.fromkeys(contact_ids))
    found = ContactModel.batch_get(ids, attributes_to_get=["contact_id", "phone"]) if ids else []
    return {c.contact_id: c.phone for c in found}


def unit_names(unit_ids: list[str]) -> dict[str, tuple[str, str]]:
    from ..org.store import UnitModel

    ids = list(dict.fromkeys(unit_ids))
    return {u.unit_id: (u.name_hi, u.name_en) for u in UnitModel.batch_get(ids)} if ids else {}


def agent_usernames() -> list[str]:
    """Every login that records calls (the Cognito groups agent and supervisor), sorted: accounts' adapter."""
    from ..accounts.cognito import logins_in_groups

    return logins_in_groups("agent", "supervisor")


def calls_of_agent_day(agent: str, day: str) -> list[Any]:
    """Every call an agent recorded on one IST day: Queries of the by_agent_day index, 100 a page."""
    from ..calls.store import calls_of_agent_day as page_of
    from ..core.paging import PageRequest

    logs: list[Any] = []
    start: dict[str, Any] | None = None
    while True:
        page = page_of(agent, day, PageRequest(100, start))
        logs += page.items
        start = page.next_key
        if not start:
            return logs


def contact_places(contact_ids: list[str]) -> dict[str, tuple[str, str]]:
    """(tree_key, unit_id) of each contact that still exists: one BatchGetItem per 100."""
    ids = list(dict.fromkeys(contact_ids))
    found = ContactModel.batch_get(ids, attributes_to_get=["contact_id", "tree_key", "unit_id"]) if ids else []
    return {c.contact_id: (c.tree_key, c.unit_id) for c in found}


def campaign_answers(campaign_id: str, contact_ids: list[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """(started_at, answers) of each contact's calls of the campaign that carry answers: one Query of
    the by_contact index per contact (their calls of every campaign, kept to this one's by a filter; a
    contact's calls are few). A contact erased meanwhile has no calls left, and no answers."""
    from ..calls.store import CallLogModel

    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for contact_id in dict.fromkeys(contact_ids):
        calls = [(log.started_at, log.answers) for log in CallLogModel.by_contact.query(
            contact_id, filter_condition=(CallLogModel.campaign_id == campaign_id) & CallLogModel.answers.exists(),
            page_size=100, attributes_to_get=["call_id", "started_at", "answers"])]
        if calls:
            found[contact_id] = calls
    return found
