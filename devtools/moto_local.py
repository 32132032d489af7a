"""moto's server with DynamoDB's write semantics under concurrency.

Real DynamoDB applies each request to an item atomically and never lets a cancelled transaction
touch other writers' items. moto 5 serves requests on threads and does neither: a conditional write
checks and writes in separate steps, and a cancelled TransactWriteItems restores a deep copy of every
table it touched, taken before it started, wiping whatever other threads wrote meanwhile (and that
copy costs ~65 µs per item in the table). Concurrency tests need the real semantics, so:

* every DynamoDB request runs under one lock (DynamoDB is serialisable per item; one lock is
  stricter, and moto is bound by one core anyway);
* a transaction keeps copies of the items it touches only, and restores only those on cancellation;
* a Query of a table's key reads that partition's items, as DynamoDB does: moto's own reads every item of
  the table to find them, so after `make demo-month` (tens of thousands of counter items) each of a
  month's reports' 37 Queries took a third of a second and the office's screens timed out.

`python -m devtools.moto_local -H 127.0.0.1 -p 5001` is `python -m moto.server` with the patch;
`patched()` applies it in-process (moto's `mock_aws`) for the duration of a test.
"""

from __future__ import annotations

import copy
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.RLock()
_originals: dict[str, Any] = {}


class _CopyButTables:
    """Stands in for the `copy` module inside moto.dynamodb.models during a transaction: whole
    tables are not copied (their touched items are, by the patch)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def install() -> None:
    if _originals:
        return
    from moto.dynamodb import models, responses
    from moto.dynamodb.models.table import Table

    _originals["call_action"] = responses.DynamoHandler.call_action
    _originals["transact"] = models.DynamoDBBackend.transact_write_items
    _originals["query"] = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]
        if index_name or hash_key is None:
            return _originals["query"](self, hash_key, *args, **kwargs)
        found = self.items.get(hash_key)
        partition = [] if found is None else list(found.values()) if self.range_key_attr else [found]
        self.all_items = lambda: partition  # the base-table branch filters all_items() on the hash key
        try:
            return _originals["query"](self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    def call_action(self: Any) -> Any:
        with _lock:
            return _originals["call_action"](self)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[str, dict[str, Any], Any]] = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            name = op.get("TableName")
            if name not in self.tables:
                continue
            table = self.tables[name]
            if op_type == "Put":
                key = {k: op["Item"][k] for k in (table.hash_key_attr, table.range_key_attr) if k and k in op["Item"]}
            else:
                key = op.get("Key") or {}
            try:
                current = self.get_item(name, key)
            except Exception:  # a malformed key: moto's own code reports it
                continue
            saved.append((name, key, copy.deepcopy(current)))
        with _lock:
            setattr(models, "copy", _CopyButTables)  # noqa: B010 - whole tables are not copied (above)
            try:
                return _originals["transact"](self, transact_items)  # type: ignore[no-any-return]
            except Exception:
                for name, key, item in reversed(saved):
                    if item is None:
                        self.delete_item(name, key)
                    else:
                        self.put_item(name, item.to_json()["Attributes"])
                raise
            finally:
                setattr(models, "copy", copy)  # noqa: B010

    setattr(responses.DynamoHandler, "call_action", call_action)  # noqa: B010 - mypy: no method assignment
    setattr(models.DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010
    setattr(Table, "query", query)  # noqa: B010


def uninstall() -> None:
    if not _originals:
        return
    from moto.dynamodb import models, responses

    setattr(responses.DynamoHandler, "call_action", _originals.pop("call_action"))  # noqa: B010
    setattr(models.DynamoDBBackend, "transact_write_items", _originals.pop("transact"))  # noqa: B010
    from moto.dynamodb.models.table import Table

    setattr(Table, "query", _originals.pop("query"))  # noqa: B010


@contextmanager
def patched() -> Iterator[None]:
    already = bool(_originals)
    install()
    try:
        yield
    finally:
        if not already:
            uninstall()


def main() -> None:
    from .local_stack import die_with_parent

    die_with_parent()  # started by the local stack: goes when it goes
    install()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
