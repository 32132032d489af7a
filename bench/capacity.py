"""DynamoDB capacity units, counted as on-demand DynamoDB would bill them, inside the moto server.

moto answers ReturnConsumedCapacity with fixed numbers (0.5 or 1 whatever the item), so the bench counts
the units itself, where every item's size is known before and after each request: in the moto server
process (devtools/ddb_latency.py installs `install(path)` there when BENCH_CAPACITY_LOG is set). While the
file at that path exists, each DynamoDB request appends one line {"op", "rru", "wru"} to it; the bench
creates the file to start counting and reads it to stop (bench/latency.py).

The rules (AWS "Read/write capacity mode" and "Item sizes"):

* item size: attribute names plus values (string: UTF-8 bytes; number: about one byte per two
  significant digits, plus one; binary: bytes; boolean and null: 1; list and map: 3 plus one per
  element, plus their elements (and a map's keys));
* reads: one read request unit per 4 KB for a strongly consistent read, half that for an eventually
  consistent one (every GSI read); a Query rounds the total size of the items it returns up to 4 KB;
  BatchGetItem rounds each item; a transactional read costs double;
* writes: one write request unit per 1 KB of the larger of the item before and after (at least one,
  and also when a condition fails); a transactional write (and a ConditionCheck in one) costs double;
  every GSI whose projection of the item changes costs a write of the projected size, two when the
  item moves from one index key to another (delete and put), one when it leaves the index.

Counted from the items moto holds, so the figures are those of the app's real item shapes; what they do
not count: a Query's items dropped by a filter (none of the app's hot-path queries filter) and the
storage, which infra/cost.py prices on its own.
"""

from __future__ import annotations

import base64
import json
import math
import os
from decimal import Decimal, InvalidOperation
from typing import Any

READ_UNIT = 4096
WRITE_UNIT = 1024


def value_size(value: dict[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's JSON form ({"S": "..."}, {"N": "12"}, ...)."""
    kind, v = next(iter(value.items()))
    if kind == "S":
        return len(str(v).encode())
    if kind == "N":
        return _number_size(str(v))
    if kind == "B":
        return len(base64.b64decode(v)) if isinstance(v, str) else len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in v)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in v)
    if kind == "BS":
        return sum(len(base64.b64decode(b)) if isinstance(b, str) else len(b) for b in v)
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(e) for k, e in v.items())
    raise ValueError(f"unknown attribute type {kind!r}")


def _number_size(text: str) -> int:
    try:
        digits = Decimal(text).normalize().as_tuple().digits
    except InvalidOperation:
        return len(text)
    return math.ceil(len(digits) / 2) + 1


def item_size(item: dict[str, Any] | None) -> int:
    """The size of an item in DynamoDB's JSON form: its attribute names and values."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


def write_units(before: int, after: int) -> int:
    return max(1, math.ceil(max(before, after) / WRITE_UNIT))


def index_write_units(before: dict[str, Any] | None, after: dict[str, Any] | None,
                      keys: list[str], projected: list[str] | None) -> int:
    """What one GSI costs for a write that turned `before` into `after` (DynamoDB's JSON items).
    `projected`: the attributes the index holds besides the keys (None: all of them)."""
    def view(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if not item or not all(k in item for k in keys):
            return None  # not in the index (a sparse index: its key attributes are missing)
        return dict(item) if projected is None else {k: v for k, v in item.items() if k in keys or k in projected}

    old, new = view(before), view(after)
    if old is None and new is None:
        return 0
    if new is None:
        return 1  # removed from the index
    if old is None:
        return write_units(0, item_size(new))
    if old == new:
        return 0  # nothing the index holds changed: no write to it
    if any(old[k] != new[k] for k in keys):
        return 1 + write_units(0, item_size(new))  # moved: a delete and a put
    return write_units(item_size(old), item_size(new))


class Meter:
    """The units of the requests one moto server answers (`handle` is called inside moto's lock, with the
    request body, a way to read an item as it is now, the table's index shapes, and the response)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def active(self) -> bool:
        return os.path.exists(self.path)

    def write(self, op: str, rru: float, wru: float, tables: dict[str, float] | None = None) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"op": op, "rru": rru, "wru": wru, "tables": tables or {}}) + "\n")


def reads_of(op: str, body: dict[str, Any], response: dict[str, Any]) -> float:
    """Read units of a read request, from the items it returned."""
    if op == "GetItem":
        return read_units(item_size(response.get("Item")), bool(body.get("ConsistentRead")))
    if op == "Query":
        consistent = bool(body.get("ConsistentRead")) and not body.get("IndexName")
        return read_units(sum(item_size(i) for i in response.get("Items", [])), consistent)
    if op == "BatchGetItem":
        total = 0.0
        for table, items in response.get("Responses", {}).items():
            consistent = bool(body.get("RequestItems", {}).get(table, {}).get("ConsistentRead"))
            total += sum(read_units(item_size(i), consistent) for i in items)
        return total
    if op == "TransactGetItems":
        return sum(2 * read_units(item_size(r.get("Item")), True) for r in response.get("Responses", []))
    return 0.0


def summarise(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The meter's lines added up: units in all, and by operation."""
    by_op: dict[str, dict[str, float]] = {}
    by_table: dict[str, float] = {}
    for line in lines:
        for table, units in line.get("tables", {}).items():
            by_table[table] = by_table.get(table, 0.0) + units
        row = by_op.setdefault(line["op"], {"requests": 0, "rru": 0.0, "wru": 0.0})
        row["requests"] += 1
        row["rru"] += line["rru"]
        row["wru"] += line["wru"]
    return {"requests": len(lines), "rru": round(sum(r["rru"] for r in by_op.values()), 2),
            "wru": round(sum(r["wru"] for r in by_op.values()), 2),
            "by_op": {op: {k: round(v, 2) for k, v in row.items()} for op, row in sorted(by_op.items())},
            "by_table": {t: round(v, 2) for t, v in sorted(by_table.items(), key=lambda kv: -kv[1])}}


# ---- inside the moto server -----------------------------------------------------------------------


def _key_of(table: Any, item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in (table.hash_key_attr, table.range_key_attr) if k and k in item}


def _current(backend: Any, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    try:
        item = backend.get_item(table_name, key)
    except Exception:  # a malformed key: moto's own code reports it
        return None
    return item.to_json()["Attributes"] if item is not None else None


def _indexes(table: Any) -> list[tuple[list[str], list[str] | None]]:
    out = []
    for index in list(getattr(table, "global_indexes", []) or []):
        keys = [k["AttributeName"] for k in index.schema]
        projection = index.projection or {}
        kind = projection.get("ProjectionType", "ALL")
        projected = None if kind == "ALL" else list(projection.get("NonKeyAttributes", [])) if kind == "INCLUDE" \
            else []
        out.append(([*keys, table.hash_key_attr, table.range_key_attr], projected))
    return [([k for k in keys if k], projected) for keys, projected in out]


def _write_targets(backend: Any, op: str, body: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(table, key, is a ConditionCheck) of each item a write request touches."""
    entries: list[tuple[str, dict[str, Any], bool]] = []
    if op == "TransactWriteItems":
        for entry in body.get("TransactItems", []):
            kind, spec = next(iter(entry.items()))
            name = spec.get("TableName")
            if name in backend.tables:
                key = _key_of(backend.tables[name], spec["Item"]) if kind == "Put" else spec.get("Key", {})
                entries.append((name, key, kind == "ConditionCheck"))
    elif op == "BatchWriteItem":
        for name, requests in body.get("RequestItems", {}).items():
            if name in backend.tables:
                for request in requests:
                    if "PutRequest" in request:
                        entries.append((name, _key_of(backend.tables[name], request["PutRequest"]["Item"]), False))
                    else:
                        entries.append((name, request["DeleteRequest"]["Key"], False))
    else:
        name = str(body.get("TableName"))
        if name in backend.tables:
            key = _key_of(backend.tables[name], body["Item"]) if op == "PutItem" else body.get("Key", {})
            entries.append((name, key, False))
    return entries


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
READS = {"GetItem", "Query", "BatchGetItem", "TransactGetItems"}


def metered(meter: Meter, handler: Any, call: Any) -> Any:
    """Run moto's `call()` for `handler`'s request and record its units (when the meter is active)."""
    if not meter.active():
        return call()
    op = handler.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
    if op not in WRITES and op not in READS:
        return call()
    body = json.loads(handler.body) if isinstance(handler.body, str | bytes) else dict(handler.body or {})
    backend = handler.dynamodb_backend
    targets = _write_targets(backend, op, body) if op in WRITES else []
    before = [_current(backend, name, key) for name, key, _ in targets]
    result = call()
    rru = wru = 0.0
    tables: dict[str, float] = {}  # write units by table (its index writes included)
    if op in READS:
        status, _headers, text = result
        if int(status) == 200:
            rru = reads_of(op, body, json.loads(text))
    else:
        factor = 2 if op == "TransactWriteItems" else 1
        for (name, key, check), old in zip(targets, before, strict=True):
            new = old if check else _current(backend, name, key)
            units = factor * write_units(item_size(old), item_size(new))
            if not check and new != old:
                units += sum(index_write_units(old, new, keys, projected)
                             for keys, projected in _indexes(backend.tables[name]))
            tables[name] = tables.get(name, 0.0) + units
            wru += units
    meter.write(op, rru, wru, tables)
    return result


def install(path: str) -> None:
    """In the moto server process, before moto_local's lock: count every DynamoDB request's units."""
    from moto.dynamodb import responses

    original = responses.DynamoHandler.call_action
    meter = Meter(path)

    def call_action(self: Any) -> Any:
        return metered(meter, self, lambda: original(self))

    responses.DynamoHandler.call_action = call_action  # type: ignore[method-assign]
