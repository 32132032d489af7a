"""Loaded by `chalice local` when the test suite starts the local stack (this folder is put first on
PYTHONPATH): every DynamoDB call the server makes is appended to $SAMPARK_DDB_CALL_LOG, so the suite
can fail on a Scan and count calls per route, across the process boundary. Every other AWS call made
inside a route or job is logged too, with the IAM action and resource it needs (devtools/aws_calls.py),
for the suite's IAM policy check."""

import json
import os

_log = os.environ.get("SAMPARK_DDB_CALL_LOG")
if _log:
    import botocore.client

    _original = botocore.client.BaseClient._make_api_call

    def _recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        service = self.meta.service_model.service_name
        route = request = None
        try:
            from chalicelib.core.observability import current_request_id, current_route

            route, request = current_route.get(), current_request_id.get()
        except Exception:
            pass
        if service == "dynamodb" or route:
            entry = {"service": service, "op": operation_name, "route": route, "request": request}
            if route:
                try:
                    from devtools.aws_calls import describe

                    entry["iam"] = describe(self.meta.service_model.signing_name, service, operation_name, api_params)
                except Exception as exc:
                    entry["iam"] = [[f"{service}:{operation_name}", f"unknown ({exc})"]]
            with open(_log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        return _original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = _recording
