"""`chalice local`, answering its gateway refusals as the deployed API Gateway does.

In AWS, infra/api.py's gateway responses give API Gateway's own refusals (no or bad token, unknown
route) the app's error shape {"error": {"code", "message", "field"}}. Plain `chalice local` answers
them as {"message": "Unauthorized"}, and an unknown HTTP method (TRACE, QUERY) with an HTML 501. This runs
the same CLI with those refusals in the app's shape, so clients (and the schemathesis run against
docs/openapi.yaml) see locally what they see deployed. An unknown method is a 405, as HTTP says.

    python -m devtools.chalice_local local --host 127.0.0.1 --port 8000 --stage local
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

from chalice import local

_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def _body(status: int, message: str) -> bytes:
    code = _CODES.get(status, "unavailable")
    return json.dumps({"error": {"code": code, "message": message, "field": None}}).encode()


def _send_error_response(self: Any, error: local.LocalGatewayException) -> None:
    status, raw = error.CODE, error.body or b""
    try:
        parsed = json.loads(raw) if raw else {}
        message = str(parsed.get("message") or parsed.get("Message") or "")
    except ValueError:
        message = ""
    if status == 403 and "Missing Authentication Token" in message:
        status, message = 404, "no such route"  # infra: MISSING_AUTHENTICATION_TOKEN -> 404 not_found
    headers = {k: v for k, v in error.headers.items() if k.lower() != "content-type"}
    headers["Content-Type"] = "application/json"
    self._send_http_response(status, headers, _body(status, message or local.BaseHTTPRequestHandler.responses
                                                    .get(status, ("error",))[0]))


def _method_not_allowed(self: Any) -> None:
    self._parse_payload()
    self._send_http_response(405, {"Content-Type": "application/json", "Allow": "GET, PUT, POST, PATCH, DELETE"},
                             _body(405, f"method {self.command} is not allowed"))


def patch() -> None:
    handler: Any = local.ChaliceRequestHandler
    handler._send_error_response = _send_error_response
    handler.__getattr__ = _unknown_method  # BaseHTTPRequestHandler looks up do_<METHOD>


def _unknown_method(self: Any, name: str) -> Any:
    if name.startswith("do_"):
        return functools.partial(_method_not_allowed, self)
    raise AttributeError(name)


def main() -> int:
    from .local_stack import die_with_parent

    die_with_parent()  # started by the local stack: goes when it goes
    patch()
    from chalice.cli import main as chalice_main

    sys.argv = ["chalice", *sys.argv[1:]]
    return int(chalice_main() or 0)


if __name__ == "__main__":
    raise SystemExit(main())
