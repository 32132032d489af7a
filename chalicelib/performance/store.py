"""What the performance room reads, and its one record: agents' day items (the report counters written with
the activity, `d#<IST day>#agents`), rosters and leave (the staff directory and the employers are read
through shifts' services, the day's quality flags through reporting/counters.py's flags_of_day), and the
monthly job's record. Key lookups and Queries only; never call logs.

The day items are read raw (a Query of one partition per day, restricted to a page's agents by the sort
key): the counters' newer figures (issue 20: first_at, active_s, idle_n, ...) are read as they are stored,
whatever the counter model declares."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.operand import Path

from ..core import db
from ..reporting.counters import CounterModel
from ..shifts import calling, config, roster_store
from ..shifts import rules as shift_rules
from ..shifts import store as shifts_store

JOB_PK = "jobs#vendor_report"


def _value(raw: dict[str, Any]) -> Any:
    if "N" in raw:
        number = float(raw["N"])
        return int(number) if number.is_integer() else number
    if "S" in raw:
        return raw["S"]
    if "L" in raw:
        return [_value(v) for v in raw["L"]]
    if "SS" in raw:
        return list(raw["SS"])
    if "BOOL" in raw:
        return raw["BOOL"]
    if "M" in raw:
        return {k: _value(v) for k, v in raw["M"].items()}
    return None


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _value(raw) for name, raw in item.items()}


def _query(pk: str, condition: Any = None, *, filter_condition: Any = None, limit: int | None = None,
           start_key: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One partition of the counters table, raw items as plain values; DynamoDB's pages followed up to
    `limit` items (all when None)."""
    connection = CounterModel._get_connection()
    items: list[dict[str, Any]] = []
    key = start_key
    while True:
        page = connection.query(pk, range_key_condition=condition, filter_condition=filter_condition,
                                exclusive_start_key=key, limit=None if limit is None else limit - len(items))
        items += [plain(i) for i in page.get("Items", [])]
        key = page.get("LastEvaluatedKey")
        if not key or (limit is not None and len(items) >= limit):
            return items, key


def day_items(day: str, first: str, last: str) -> dict[str, dict[str, Any]]:
    """The agents' day items of one IST day, for usernames from `first` to `last` (one Query; DynamoDB
    pages it only past 1 MB). username -> the item's figures."""
    items, _ = _query(f"d#{day}#agents", CounterModel.sk.between(f"a#{first}", f"a#{last}"))
    return {str(i.get("agent") or i["sk"][2:]): i for i in items}


# ---- rosters, leave, settings ---------------------------------------------------------------------


def shift_config() -> shift_rules.ShiftConfig:
    return config.shift_config()


def calling_settings() -> calling.CallingSettings:
    return calling.calling_settings()


def roster_lines(periods: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """period -> username -> its line (shift, seat, status) in the period's roster head: one BatchGetItem
    of the heads, one Query of each head's lines."""
    wanted = sorted(set(periods))
    found = shifts_store.read_keys([roster_store.head_key(p) for p in wanted]) if wanted else {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for period in wanted:
        head = found.get(roster_store.head_key(period))
        out[period] = {}
        if head is None or not head.set_hash:
            continue
        for line in roster_store.lines(period, head.set_hash):
            if line.username:
                out[period][line.username] = {"shift": line.shift, "seat": line.seat, "status": line.status}
    return out


def leave_spans(first: date, last: date) -> dict[str, list[tuple[str, str]]]:
    """username -> (from, to) IST dates of every leave overlapping the range (one Query)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for username, start, end in shifts_store.leaves_overlapping(first.isoformat(), last.isoformat()):
        out.setdefault(username, []).append((start, end))
    return out


# ---- the monthly job's record -----------------------------------------------------------------------


def job_started(month: str, at: str) -> dict[str, Any] | None:
    """Record the month's vendor report job unless a record is there: None when this run made it, else the
    record found (its `status`: sending, or sent once every email went)."""
    connection = CounterModel._get_connection()
    try:
        connection.put_item(JOB_PK, f"m#{month}", attributes={"status": {"S": "sending"}, "started_at": {"S": at}},
                            condition=CounterModel.pk.does_not_exist())
        return None
    except PutError as exc:
        if not db.is_condition_failure(exc):
            raise db.translate(exc) from exc
    found = connection.get_item(JOB_PK, f"m#{month}", consistent_read=True).get("Item")
    return plain(found) if found else {"status": "sending"}


def job_done(month: str, at: str, sent: int) -> None:
    connection = CounterModel._get_connection()
    try:
        connection.update_item(JOB_PK, f"m#{month}", actions=[
            _text("status").set("sent"), _text("sent_at").set(at), Path(NumberAttribute(attr_name="emails")).set(sent)])
    except UpdateError as exc:
        raise db.translate(exc) from exc


def _text(name: str) -> Path:
    return Path(UnicodeAttribute(attr_name=name))


def job_record(month: str) -> dict[str, Any] | None:
    found = CounterModel._get_connection().get_item(JOB_PK, f"m#{month}", consistent_read=True).get("Item")
    return plain(found) if found else None
