"""Loaded by `chalice local` when `make bench` runs the queue benchmark (devtools/bench_queue.py puts
this folder on PYTHONPATH): every conditional write to the call targets that fails inside a request is
appended to $BENCH_PROBE_LOG with its route, so the benchmark counts the lease races lost, across the
process boundary. Inert without that variable."""

import json
import os

_log = os.environ.get("BENCH_PROBE_LOG")
if _log:
    import botocore.client

    _original = botocore.client.BaseClient._make_api_call

    def _probing(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if self.meta.service_model.service_name != "dynamodb" or operation_name != "UpdateItem" \
                or not str(api_params.get("TableName", "")).endswith("call_targets"):
            return _original(self, operation_name, api_params)
        outcome = "ok"
        try:
            return _original(self, operation_name, api_params)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            outcome = str(code)
            raise
        finally:
            route = None
            try:
                from chalicelib.core.observability import current_route

                route = current_route.get()
            except Exception:
                pass
            with open(_log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"route": route, "outcome": outcome}) + "\n")

    botocore.client.BaseClient._make_api_call = _probing
