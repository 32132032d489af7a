"""The local stack: a moto server on 127.0.0.1, tables and user pool made from the app's own
definitions, a seeded demo district, and `chalice local` in front. Used by `make run` and by the
end-to-end tests; whoever starts it stops it (a context manager, and Ctrl-C for `make run`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-south-1"
DEFAULT_DEMO_PASSWORD = "sampark-local-2026"  # local stack only: documented in the README
LOCAL_SES_SENDER = "sampark-local@example.org"  # verified in the local moto account at start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, seconds: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode} before it was ready")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


class LocalStack:
    def __init__(self, *, api_port: int = 8000, moto_port: int = 5001, seed: int = 7,
                 district_size: dict[str, int] | None = None, password: str | None = None,
                 quiet: bool = False) -> None:
        self.api_port, self.moto_port, self.seed = api_port, moto_port, seed
        self.district_size = district_size or {}
        self.password = password or os.environ.get("SAMPARK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        self.quiet = quiet
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pumps: list[Any] = []
        self.env: dict[str, str] = {}
        self.summary: dict[str, Any] = {}
        self.programme_topic_arn = ""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def _spawn(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        out = subprocess.DEVNULL if self.quiet else None
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> LocalStack:
        import boto3

        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAMPARK_"))}
        self.env = {
            **base, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            "SAMPARK_STAGE": "local", "SAMPARK_TABLE_PREFIX": "sampark-local",
            "SAMPARK_AWS_ENDPOINT": self.endpoint, "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        # moto's server, with DynamoDB's atomicity under concurrent requests (see devtools/moto_local.py)
        moto = self._spawn([sys.executable, "-m", "devtools.moto_local", "-H", "127.0.0.1", "-p", str(self.moto_port)],
                           self.env)
        _wait_http(f"{self.endpoint}/moto-api/", 30, moto)
        cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.endpoint,
                               aws_access_key_id="local", aws_secret_access_key="local")
        from .provision import create_pool, create_tables

        pool = create_pool(cognito, "sampark-local")
        self.env.update(SAMPARK_USER_POOL_ID=pool.pool_id, SAMPARK_USER_POOL_CLIENT_ID=pool.client_id)
        boto3.client("ses", region_name=REGION, endpoint_url=self.endpoint, aws_access_key_id="local",
                     aws_secret_access_key="local").verify_email_identity(EmailAddress=LOCAL_SES_SENDER)
        self.env.update(SAMPARK_SES_SENDER=LOCAL_SES_SENDER)
        sns = boto3.client("sns", region_name=REGION, endpoint_url=self.endpoint,
                           aws_access_key_id="local", aws_secret_access_key="local")
        for word in ("district", "state", "central", "ops"):  # digest audiences and operations alerts
            self.env[f"SAMPARK_{word.upper()}_TOPIC_ARN"] = sns.create_topic(Name=f"sampark-local-{word}")["TopicArn"]
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=self.endpoint,
                           aws_access_key_id="local", aws_secret_access_key="local")
        from chalicelib.campaigns.store import activation_queue_name

        activation = sqs.create_queue(QueueName=activation_queue_name("local"),
                                      Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
        self.env.update(SAMPARK_ACTIVATION_QUEUE_URL=activation)
        from .local_imports import create_bulk_resources

        self.env.update(create_bulk_resources(self.endpoint, REGION))
        os.environ.update({k: v for k, v in self.env.items() if k.startswith(("AWS_", "SAMPARK_"))})
        from chalicelib.core import db
        from chalicelib.core.clients import reset_clients
        from chalicelib.core.settings import get_settings, reset_settings

        reset_settings()
        reset_clients()
        db.bind()
        create_tables()
        from .demo_data import generate_district
        from .seed import seed_demo

        district = generate_district(self.seed, **self.district_size)
        self.summary = seed_demo(get_settings(), district, cognito, self.password)
        api_env = dict(self.env)
        call_log = os.environ.get("SAMPARK_DDB_CALL_LOG")
        if call_log:  # the test suite watches the server's DynamoDB calls (no Scan; calls per route)
            guard = str(ROOT / "devtools" / "scan_guard")
            api_env.update(SAMPARK_DDB_CALL_LOG=call_log,
                           PYTHONPATH=os.pathsep.join(filter(None, [guard, api_env.get("PYTHONPATH")])))
        # chalice local, with API Gateway's refusals in the app's error shape (as infra deploys them)
        api = self._spawn([sys.executable, "-m", "devtools.chalice_local", "local", "--host", "127.0.0.1",
                           "--port", str(self.api_port), "--stage", "local", "--no-autoreload"], api_env)
        _wait_http(f"{self.api_url}/health", 60, api)
        # `chalice local` runs no SQS triggers: a pump in this process invokes the same function
        from chalicelib.campaigns.routes import ACTIVATION_FUNCTION

        from .local_events import SqsPump

        self.pumps = [SqsPump(activation, ACTIVATION_FUNCTION, endpoint=self.endpoint, region=REGION).start()]
        from .local_imports import bulk_pumps

        self.pumps += bulk_pumps(self.env, endpoint=self.endpoint, region=REGION)
        # nor SNS subscriptions: programmes published on the local topic reach their function through a queue
        from chalicelib.relay.routes import PROGRAMME_FUNCTION

        from .local_programmes import ProgrammePump, create_programme_resources

        self.programme_topic_arn, programme_inbox = create_programme_resources(self.endpoint, REGION)
        self.pumps.append(ProgrammePump(programme_inbox, PROGRAMME_FUNCTION, endpoint=self.endpoint,
                                        region=REGION).start())
        return self

    def stop(self) -> None:
        for pump in self.pumps:
            pump.stop()
        self.pumps = []
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    def __enter__(self) -> LocalStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and SIGTERM both stop everything. SIGINT is set explicitly: a shell that starts this in
    # the background (as CI may) leaves SIGINT ignored, and Python would keep ignoring it.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    api_port = int(os.environ.get("SAMPARK_API_PORT", "8000"))
    moto_port = int(os.environ.get("SAMPARK_MOTO_PORT", "5001"))
    stack = LocalStack(api_port=api_port, moto_port=moto_port)
    try:
        print(f"Starting moto on {stack.endpoint}, seeding the demo district…", flush=True)
        stack.start()
        s = stack.summary
        print(f"""
Sampark is running at {stack.api_url}   (Ctrl-C stops everything)
  demo district: {s['units']} units, {s['contacts']} contacts, {s['logins']} logins (seeded in {s['seconds']} s)
  logins: admin, supervisor, agent01 … agent70, state, central
  programmes: publish JSON on {stack.programme_topic_arn} (README: Programmes from the central and state offices)
  password: {'$SAMPARK_DEMO_PASSWORD' if os.environ.get('SAMPARK_DEMO_PASSWORD') else stack.password}
  try:  curl -s -X POST {stack.api_url}/auth/login -H 'content-type: application/json' \\
          -d '{{"username":"admin","password":"…"}}'
""", flush=True)
        while all(p.poll() is None for p in stack.procs):
            time.sleep(0.5)
        print("a local server stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
