"""The suite's recording of DynamoDB calls per route and request, and its Scan guard.

tests/conftest.py watches every AWS call of the test process through the one call counter
(devtools/call_counter.py); the local servers the e2e tests start log theirs to a file
(tests/support/scan_guard), read back at the end of the session. The merged calls per route are written
to test-output/dynamodb-calls-main.json (a complete run) or dynamodb-calls-partial.json, the file
bench/__main__.py reads: {"scans": [...], "run": {...}, "routes": {route: {"requests", "max_calls",
"ops": {op: n}, "histogram": {calls: requests}}}}.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

SCAN_REFUSED = "DynamoDB Scan issued: every access must be a key lookup or a Query"


class DynamoRecorder:
    def __init__(self) -> None:
        self.scans: list[str] = []
        self.per_request: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)

    def record(self, op: str, route: str | None, request: str | None) -> None:
        if op == "Scan":
            self.scans.append(route or "outside any route")
        if route and request:
            self.per_request[(route, request)][op] += 1

    def by_route(self) -> dict[str, dict[str, Any]]:
        table: dict[str, dict[str, Any]] = {}
        for (route, _request), ops in self.per_request.items():
            row = table.setdefault(route, {"requests": 0, "max_calls": 0, "ops": Counter(), "histogram": Counter()})
            row["requests"] += 1
            row["max_calls"] = max(row["max_calls"], sum(ops.values()))
            row["ops"].update(ops)
            row["histogram"][str(sum(ops.values()))] += 1  # calls per request -> requests (mean, p95)
        return {r: {**v, "ops": dict(v["ops"]), "histogram": dict(v["histogram"])} for r, v in sorted(table.items())}


def merge_routes(into: dict[str, dict[str, Any]], routes: dict[str, dict[str, Any]]) -> None:
    for route, row in routes.items():
        merged = into.setdefault(route, {"requests": 0, "max_calls": 0, "ops": {}})
        merged["requests"] += row["requests"]
        merged["max_calls"] = max(merged["max_calls"], row["max_calls"])
        for op, n in row["ops"].items():
            merged["ops"][op] = merged["ops"].get(op, 0) + n
        histogram = merged.setdefault("histogram", {})
        for calls, n in row.get("histogram", {}).items():
            histogram[calls] = histogram.get(calls, 0) + n
