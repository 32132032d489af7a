"""Tracing without the X-Ray SDK on the cold path (issue 18, point 5): `import app` never loads it, and with
SAMPARK_XRAY_SUBSEGMENTS=true the first request loads it and sends the route's subsegment, with one
subsegment per AWS call inside it, to the X-Ray daemon (a UDP socket of this test, as Lambda's daemon is)."""

from __future__ import annotations

import json
import os
import socket
import subprocess  # nosec B404 - fresh interpreters of our own code, fixed arguments
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One request through the http middleware, in Lambda's environment as the X-Ray SDK reads it.
REQUEST = """
import sys, boto3
from types import SimpleNamespace
from chalice.app import Response
import app
from chalicelib.core import observability
print('after import:', 'aws_xray_sdk' in sys.modules)

def handler(event):
    client = boto3.client('sts', region_name='ap-south-1', endpoint_url='http://127.0.0.1:9')
    try:
        client.get_caller_identity()
    except Exception:
        pass
    return Response(body='{}', status_code=200)

event = SimpleNamespace(method='GET', path='/health', headers={}, context={'resourcePath': '/health'})
observability.http_middleware(event, handler)
print('after request:', 'aws_xray_sdk' in sys.modules)
"""


def _run(env: dict[str, str]) -> list[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPARK_XRAY", "POWERTOOLS_TRACE"))}
    base["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    proc = subprocess.run([sys.executable, "-c", REQUEST], cwd=ROOT, env={**base, **env},  # nosec B603
                          capture_output=True, text=True, timeout=120, check=True)
    # the request's own log line may share stdout (at INFO when a test before left the level unset): keep ours
    return [line for line in proc.stdout.splitlines() if line.startswith("after ")]


def test_import_app_does_not_load_the_xray_sdk_even_with_subsegments_enabled() -> None:
    code = "import sys, app; print(sorted(m for m in sys.modules if m.startswith('aws_xray_sdk')))"
    for setting in ("", "true"):
        env = {**os.environ, "SAMPARK_XRAY_SUBSEGMENTS": setting}
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,  # nosec B603
                              text=True, check=True)
        assert proc.stdout.strip() == "[]", (setting, proc.stdout)


def test_without_the_setting_no_request_loads_the_sdk() -> None:
    assert _run({"LAMBDA_TASK_ROOT": str(ROOT)}) == ["after import: False", "after request: False"]


def test_with_the_setting_the_first_request_sends_the_route_and_aws_call_subsegments() -> None:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(10)
    port = daemon.getsockname()[1]
    try:
        out = _run({"SAMPARK_XRAY_SUBSEGMENTS": "true", "LAMBDA_TASK_ROOT": str(ROOT),
                    "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
                    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"})
        assert out == ["after import: False", "after request: True"]
        documents = []
        daemon.settimeout(2)
        try:
            while True:
                packet = daemon.recv(65535).decode()
                documents.append(json.loads(packet.split("\n", 1)[1]))
        except TimeoutError:
            pass
    finally:
        daemon.close()
    route = [d for d in documents if d.get("name") == "## GET /health"]
    assert route, documents
    assert route[0]["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    calls = [d for d in documents if d.get("name") == "sts"]  # the AWS call, inside the route's subsegment
    assert calls and calls[0]["parent_id"] == route[0]["id"], documents
    assert calls[0]["aws"]["operation"] == "GetCallerIdentity"
