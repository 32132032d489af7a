"""Loaded by `chalice local` when `make bench` runs the queue benchmark (bench/lease_queue.py puts
this folder on PYTHONPATH): every conditional write to the call targets that fails inside a request is
appended to $BENCH_PROBE_LOG with its route, so the benchmark counts the lease races lost, across the
process boundary. A write is an UpdateItem on the call targets, or a transaction that updates one (the
lease of issue 18: target, audit and counters together); a transaction counts as a lost race when the
target's own condition is what cancelled it. Inert without that variable."""

import json
import os

_log = os.environ.get("BENCH_PROBE_LOG")
if _log:
    import botocore.client

    _path: str = _log

    _original = botocore.client.BaseClient._make_api_call

    def _target_index(operation_name, api_params):  # type: ignore[no-untyped-def]
        """Where the call target is in the request: 0 for an UpdateItem on it, its position in a
        transaction, None when the request writes no call target."""
        if operation_name == "UpdateItem":
            return 0 if str(api_params.get("TableName", "")).endswith("call_targets") else None
        if operation_name == "TransactWriteItems":
            for i, item in enumerate(api_params.get("TransactItems", [])):
                update = item.get("Update")
                if update and str(update.get("TableName", "")).endswith("call_targets"):
                    return i
        return None

    def _probing(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if self.meta.service_model.service_name != "dynamodb":
            return _original(self, operation_name, api_params)
        at = _target_index(operation_name, api_params)
        if at is None:
            return _original(self, operation_name, api_params)
        outcome = "ok"
        try:
            return _original(self, operation_name, api_params)
        except Exception as exc:
            response = getattr(exc, "response", {})
            code = response.get("Error", {}).get("Code", type(exc).__name__)
            reasons = response.get("CancellationReasons") or []
            if code == "TransactionCanceledException" and at < len(reasons):
                reason = reasons[at].get("Code", "None")
                code = "ConditionalCheckFailedException" if reason == "ConditionalCheckFailed" else f"{code}:{reason}"
            outcome = str(code)
            raise
        finally:
            route = None
            try:
                from chalicelib.core.observability import current_route

                route = current_route.get()
            except Exception:
                pass
            with open(_path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"route": route, "outcome": outcome}) + "\n")

    botocore.client.BaseClient._make_api_call = _probing
