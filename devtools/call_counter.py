"""The one DynamoDB call counter: a single hook on botocore's client call, installed once per process,
and the listeners that watch the calls through it.

Every place that counts or records calls uses it: the test suite's recording of calls per route and its
Scan guard (tests/conftest.py; tests/support/scan_guard for the local server), a test's own count
(`count_dynamodb_calls` in tests/conftest.py, `counting` here), and the benchmarks' counts
(bench/moto_account.py). A listener runs before the call and may refuse it by raising.

    with counting() as calls:            # Counter: operation -> calls
        ...
    with counting(by_operation_and_table) as calls:  # "BatchGetItem contacts" -> calls
        ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

# (client, operation, parameters), before the call is made: every AWS service, not only DynamoDB.
Listener = Callable[[Any, str, Mapping[str, Any]], None]
# The names one DynamoDB call is counted under.
Key = Callable[[str, Mapping[str, Any]], Iterable[str]]

LISTENERS: list[Listener] = []  # read at each call (a test may swap the list: monkeypatch.setattr)
_ORIGINAL: list[Callable[..., Any]] = []


def install() -> None:
    """Hook botocore's client call (once per process; later calls do nothing)."""
    if _ORIGINAL:
        return
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def observed(self: Any, operation_name: str, api_params: Any) -> Any:
        for listener in LISTENERS:
            listener(self, operation_name, api_params)
        return original(self, operation_name, api_params)

    _ORIGINAL.append(original)
    setattr(botocore.client.BaseClient, "_make_api_call", observed)  # noqa: B010 - mypy: no method assignment


def is_dynamodb(client: Any) -> bool:
    return bool(client.meta.service_model.service_name == "dynamodb")


def by_operation(operation: str, params: Mapping[str, Any]) -> Iterable[str]:
    """One count per request, under its operation (a BatchGetItem across tables counts once)."""
    return (operation,)


def by_operation_and_table(operation: str, params: Mapping[str, Any]) -> Iterable[str]:
    """One count per table a request touches, as `operation table` (the table's base name)."""
    tables = params.get("RequestItems") or {params.get("TableName", "?"): None}
    return [f"{operation} {str(table).rsplit('-', 1)[-1]}" for table in tables]


def counter(into: Counter[str], key: Key = by_operation) -> Listener:
    """A listener adding this process's DynamoDB calls to `into`."""

    def count(client: Any, operation: str, params: Mapping[str, Any]) -> None:
        if is_dynamodb(client):
            into.update(key(operation, params))

    return count


@contextmanager
def watching(listener: Listener) -> Iterator[None]:
    """`listener` sees every call made inside the block."""
    install()
    LISTENERS.append(listener)
    try:
        yield
    finally:
        LISTENERS.remove(listener)


@contextmanager
def counting(key: Key = by_operation) -> Iterator[Counter[str]]:
    """The DynamoDB calls made inside the block, counted by `key`."""
    calls: Counter[str] = Counter()
    with watching(counter(calls, key)):
        yield calls
