"""Loaded by `chalice local` when the test suite starts the local stack (tests/e2e/conftest.py names this
folder in SAMPARK_SERVER_SITE; devtools/local_stack.py puts it first on the server's PYTHONPATH): every
DynamoDB call the server makes is appended to $SAMPARK_DDB_CALL_LOG, so the suite can fail on a Scan and
count calls per route, across the process boundary. Every other AWS call made inside a route or job is
logged too, with the IAM action and resource it needs (tests/support/aws_calls.py), for the suite's IAM
policy check. The calls are seen through the one call counter (devtools/call_counter.py)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _logger(log: str) -> Any:
    def log_call(client: Any, operation_name: str, api_params: Mapping[str, Any]) -> None:
        service = client.meta.service_model.service_name
        route = request = None
        try:
            from chalicelib.core.observability import current_request_id, current_route

            route, request = current_route.get(), current_request_id.get()
        except Exception:
            pass
        if service == "dynamodb" or route:
            entry: dict[str, Any] = {"service": service, "op": operation_name, "route": route, "request": request}
            if route:
                try:
                    from tests.support.aws_calls import describe

                    entry["iam"] = describe(client.meta.service_model.signing_name, service, operation_name,
                                            api_params)
                except Exception as exc:
                    entry["iam"] = [[f"{service}:{operation_name}", f"unknown ({exc})"]]
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    return log_call


_log = os.environ.get("SAMPARK_DDB_CALL_LOG")
if _log:
    _root = str(Path(__file__).resolve().parents[3])  # the checkout: not yet on sys.path when site runs
    if _root not in sys.path:
        sys.path.append(_root)
    from devtools import call_counter

    call_counter.install()
    call_counter.LISTENERS.append(_logger(_log))
