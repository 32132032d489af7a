"""Suite-wide rules.

* moto is imported before any botocore client exists, with fake credentials and a region.
* Every DynamoDB call made in this process (seen through the one call counter, devtools/call_counter.py),
  and, through tests/support/scan_guard, by the local server the e2e tests start, is recorded with the
  route that made it (tests/support/calls_recording.py). A Scan anywhere fails the run;
  the calls per route are written to test-output/dynamodb-calls-main.json (under pytest-xdist the
  controller merges what every worker recorded, and fails the run on a Scan any worker saw), with the
  run's completeness (tests collected and run, the selection): a run of part of the suite writes
  dynamodb-calls-partial.json instead, so it never replaces a full run's recording (bench/__main__.py
  reads only a complete one).
* Every AWS call the app makes inside a route or a job (any service, and presigned S3 URLs) is recorded
  as the IAM action and resource it needs (tests/support/aws_calls.py), written to test-output/aws-calls.json,
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
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import moto  # noqa: F401  - before any botocore client is created
import pytest

from devtools import call_counter
from tests import budgets
from tests.infra import policy_check
from tests.support.aws_calls import CallRecorder, install_presign_recorder
from tests.support.calls_recording import SCAN_REFUSED, DynamoRecorder, merge_routes

OUT = Path(__file__).resolve().parent.parent / "test-output"
OUT.mkdir(exist_ok=True)
# "main" in a plain run and in the xdist controller (which runs no test); gw0, gw1, ... in xdist workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# One log per run and worker (the run id is the controller's, inherited by its workers): parallel workers,
# or another pytest run in the same checkout, never read or delete each other's server calls.
SERVER_CALL_LOG = OUT / f"server-dynamodb-calls-{policy_check.RUN}-{WORKER}.jsonl"
SERVER_CALL_LOG.unlink(missing_ok=True)

RECORDER = DynamoRecorder()
AWS_CALLS = CallRecorder()
install_presign_recorder(AWS_CALLS)


def _recording(client: Any, operation_name: str, api_params: Mapping[str, Any]) -> None:
    AWS_CALLS.record(client, operation_name, api_params)
    if call_counter.is_dynamodb(client):
        from chalicelib.core.observability import current_request_id, current_route

        RECORDER.record(operation_name, current_route.get(), current_request_id.get())
        if operation_name == "Scan":
            raise AssertionError(SCAN_REFUSED)


call_counter.install()
call_counter.LISTENERS.append(_recording)


def count_dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """From now to the end of the test, the DynamoDB calls this process makes, by operation (a test's
    own count: the suite's recording above goes on as well)."""
    calls: Counter[str] = Counter()
    monkeypatch.setattr(call_counter, "LISTENERS", [*call_counter.LISTENERS, call_counter.counter(calls)])
    return calls


# The tiers in the order their files are handed to the xdist workers (`make test`: `--dist loadgroup
# --no-loadscope-reorder`, so groups go out in collection order, each to whichever worker is free).
TIERS = ("e2e", "infra", "api", "unit")


def _tier(path: str) -> str:
    return path.split("/")[1] if path.startswith("tests/") and path.count("/") > 1 else ""


def _group(nodeid: str) -> str:
    """The pytest-xdist work unit of a test (`make test` runs `--dist loadgroup`): a file's tests stay
    together (its module fixtures, an e2e file's local stack among them, start once), and the infra
    tests share one synth. Every e2e file is a group of its own, so both workers run stacks: each stack
    has free ports of its own, and each worker its own server call log (SERVER_CALL_LOG) and process
    environment. A new e2e file needs no registration."""
    path = nodeid.split("::", 1)[0]
    return "infra" if _tier(path) == "infra" else path


def _rank(nodeid: str) -> int:
    tier = _tier(nodeid.split("::", 1)[0])
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's own loadgroup reads `xdist_group` marks through a node id pytest 9 no longer lets it
    change, so `--dist loadgroup` is this scheduler: xdist's scope scheduling with the groups above."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest work first: the e2e files (a stack each, both workers starting one), then the infra
    synth, then the api and unit files, many and short, which even out the two workers' finish. The
    order within a tier is kept (a stable sort), identical in every worker as xdist requires."""
    items.sort(key=lambda item: _rank(item.nodeid))


# The tests that ran (a report of their call, or a setup that failed or skipped) and those that failed:
# with the collected count, they tell a full run's recording from a partial one.
RAN: set[str] = set()
FAILED: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and not report.passed):
        RAN.add(report.nodeid)
    if report.failed:
        FAILED.add(report.nodeid)


def _completeness(session: pytest.Session, ran: set[str] = RAN, failed: set[str] = FAILED) -> dict[str, Any]:
    """What bench/__main__.py checks before it shows a recording: the whole suite selected (the configured
    testpaths, no -k, -m or --deselect), every collected test run, the run not interrupted."""
    option = session.config.option
    args = [str(a) for a in session.config.args]
    selection = {"args": args, "testpaths": [str(p) for p in session.config.getini("testpaths")],
                 "keyword": option.keyword or "", "markexpr": option.markexpr or "",
                 "deselect": [str(d) for d in (getattr(option, "deselect", None) or [])]}
    whole = (bool(args) and set(args) <= {"tests", "tests/", str(session.config.rootpath / "tests")}
             and not selection["keyword"]
             and not selection["markexpr"] and not selection["deselect"])
    run: dict[str, Any] = {"collected": session.testscollected, "ran": len(ran), "failed": len(failed),
                           "interrupted": bool(session.shouldstop or session.shouldfail), "selection": selection}
    run["complete"] = bool(whole and run["collected"] and run["ran"] >= run["collected"] and not run["interrupted"])
    return run


WORKERS_SEEN: dict[str, Any] = {"scans": [], "routes": {}}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist, in the controller: a worker finished; keep what its session recorded (sent in workeroutput)."""
    workeroutput = getattr(node, "workeroutput", {})
    if "dynamodb" in workeroutput:
        WORKERS_SEEN["scans"] += workeroutput["dynamodb"]["scans"]
        merge_routes(WORKERS_SEEN["routes"], workeroutput["dynamodb"]["routes"])
    policy_check.WORKER_ROWS.extend(workeroutput.get("aws_calls", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Each process records what its tests (and the local servers they started) called. Under xdist a
    worker's exit status is not the run's: each worker hands its recording to the controller, which
    finishes last, writes the merged calls per route, fails the run on any Scan and on a request over its
    DynamoDB call budget (tests/budgets.py: issue 18's hot routes, 2 for every other agent route), checks the IAM
    policy against the calls of every worker (tests/infra/policy_check.py)."""
    if SERVER_CALL_LOG.exists():
        for line in SERVER_CALL_LOG.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("service", "dynamodb") == "dynamodb":
                RECORDER.record(entry["op"], entry["route"], entry["request"])
            if entry.get("route"):
                AWS_CALLS.add(entry.get("service", "dynamodb"), entry["op"],
                              [tuple(pair) for pair in entry.get("iam", [])], entry["route"])
        SERVER_CALL_LOG.unlink(missing_ok=True)
    recorded: dict[str, Any] = {"scans": RECORDER.scans, "routes": RECORDER.by_route()}
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller judges
        workeroutput["dynamodb"] = recorded
    else:
        merge_routes(WORKERS_SEEN["routes"], recorded["routes"])
        scans = [*WORKERS_SEEN["scans"], *recorded["scans"]]
        run = _completeness(session)
        (OUT / f"dynamodb-calls-{'main' if run['complete'] else 'partial'}.json").write_text(
            json.dumps({"scans": scans, "run": run, "routes": dict(sorted(WORKERS_SEEN["routes"].items()))},
                       indent=1), encoding="utf-8")
        if scans:
            session.exitstatus = 1
            print(f"\nFAIL: DynamoDB Scan issued by: {sorted(set(scans))}")
        over = budgets.over_budget(WORKERS_SEEN["routes"], budgets.agent_routes(),
                                   complete=run["complete"]) if WORKERS_SEEN["routes"] else []
        if over:
            session.exitstatus = 1
            print("\nFAIL: over issue 18's DynamoDB calls per request (tests/budgets.py):\n  " + "\n  ".join(over))
    policy_check.finish(session, AWS_CALLS.rows())
