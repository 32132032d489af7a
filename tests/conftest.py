"""Suite-wide rules.

* moto is imported before any botocore client exists, with fake credentials and a region.
* Every DynamoDB call made in this process (and, through devtools/scan_guard, by the local server
  the e2e tests start) is recorded with the route that made it. A Scan anywhere fails the run;
  the calls per route are written to test-output/dynamodb-calls.json.
* Every AWS call the app makes inside a route or a job (any service, and presigned S3 URLs) is recorded
  as the IAM action and resource it needs (devtools/aws_calls.py), written to test-output/aws-calls.json,
  and checked at the end against the IAM policy in the synthesised templates (tests/infra/policy_check.py).
"""

from __future__ import annotations

import os

os.environ.update(
    AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="ap-south-1", AWS_REGION="ap-south-1",
    POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING",
)
os.environ.pop("SAMPARK_AWS_ENDPOINT", None)

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import botocore.client
import moto  # noqa: F401  - before any botocore client is created
import pytest

from devtools.aws_calls import CallRecorder, install_presign_recorder
from tests.infra import policy_check

OUT = Path(__file__).resolve().parent.parent / "test-output"
OUT.mkdir(exist_ok=True)
SERVER_CALL_LOG = OUT / "server-dynamodb-calls.jsonl"
SERVER_CALL_LOG.unlink(missing_ok=True)


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
            row = table.setdefault(route, {"requests": 0, "max_calls": 0, "ops": Counter()})
            row["requests"] += 1
            row["max_calls"] = max(row["max_calls"], sum(ops.values()))
            row["ops"].update(ops)
        return {r: {**v, "ops": dict(v["ops"])} for r, v in sorted(table.items())}


RECORDER = DynamoRecorder()
AWS_CALLS = CallRecorder()
install_presign_recorder(AWS_CALLS)
_original_call = botocore.client.BaseClient._make_api_call


def _recording_call(self: Any, operation_name: str, api_params: Any) -> Any:
    AWS_CALLS.record(self, operation_name, api_params)
    if self.meta.service_model.service_name == "dynamodb":
        from chalicelib.core.observability import current_request_id, current_route

        RECORDER.record(operation_name, current_route.get(), current_request_id.get())
        if operation_name == "Scan":
            raise AssertionError("DynamoDB Scan issued: every access must be a key lookup or a Query")
    return _original_call(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _recording_call


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SERVER_CALL_LOG.exists():
        for line in SERVER_CALL_LOG.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("service", "dynamodb") == "dynamodb":
                RECORDER.record(entry["op"], entry["route"], entry["request"])
            if entry.get("route"):
                AWS_CALLS.add(entry.get("service", "dynamodb"), entry["op"],
                              [tuple(pair) for pair in entry.get("iam", [])], entry["route"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (OUT / f"dynamodb-calls-{worker}.json").write_text(
        json.dumps({"scans": RECORDER.scans, "routes": RECORDER.by_route()}, indent=1), encoding="utf-8"
    )
    if RECORDER.scans:
        session.exitstatus = 1
        print(f"\nFAIL: DynamoDB Scan issued by: {sorted(set(RECORDER.scans))}")
    policy_check.finish(session, AWS_CALLS.rows())
