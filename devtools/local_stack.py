"""The local stack: a moto server on 127.0.0.1, tables and user pool made from the app's own
definitions, a seeded demo district, and `chalice local` in front. Used by `make run` and by the
end-to-end tests; whoever starts it stops it (a context manager, and Ctrl-C for `make run`).

The two servers run in sessions of their own (a Ctrl-C in the terminal reaches the runner only, which
stops the pumps before the servers), so a signal to the runner's process group never reaches them.
They die with the runner whatever happens to it:

* each server asks the kernel for SIGKILL when its parent dies (Linux `prctl(PR_SET_PDEATHSIG)`),
  and checks it was not orphaned before it asked (`die_with_parent`); a watchdog thread does the same
  on systems without prctl. A SIGKILL to the runner therefore takes both servers with it;
* `stop()` cannot be interrupted: SIGINT, SIGTERM and SIGHUP are ignored while it runs, and `make
  run` turns only the first signal into a shutdown (a second Ctrl-C or SIGTERM, the way a process
  group is often stopped, used to break off the clean-up before the servers were terminated).

The kernel's parent is the *thread* that started the server: start a stack from a thread that lives
as long as the stack (the main thread, everywhere in this repository).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-south-1"
DEFAULT_DEMO_PASSWORD = "sampark-local-2026"  # local stack only: documented in the README
LOCAL_SES_SENDER = "sampark-local@example.org"  # verified in the local moto account at start
LOG_DIR = ROOT / ".local" / "logs"  # `make run`'s server and job logs (git-ignored); SAMPARK_LOG_DIR moves them
PARENT_PID = "SAMPARK_PARENT_PID"  # set for the servers: the runner they die with
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Called first thing in a server started by the stack: die when the runner dies, however it
    dies. The kernel sends SIGKILL when the parent exits (Linux); if the parent was already gone
    before that was asked, exit now; and a watchdog thread checks the parent every half second
    (other systems, and belt and braces)."""
    expected = os.environ.pop(PARENT_PID, None)
    if not expected:
        return  # started by hand, not by the stack
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != int(expected):
        os._exit(1)

    def watch() -> None:
        while os.getppid() == int(expected):
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP are ignored inside (main thread only: elsewhere Python cannot set
    handlers, and signals are not delivered to Python code there anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in HELD_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


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
                 quiet: bool = False, log_dir: Path | None = None, roster: bool = False,
                 progress: Callable[[str], None] | None = None, ddb_delay_ms: float | None = None) -> None:
        """`quiet`: the servers' output is dropped; `log_dir`: it goes to moto-<port>.log and
        api-<port>.log there; neither: to this process's terminal. `roster`: the seeder rosters the
        current and the next period (`make run`), so the shift in progress is on duty. `progress`
        is told each step of start(). `ddb_delay_ms`: milliseconds added to every DynamoDB request,
        as DynamoDB answers in its region (devtools/ddb_latency.py); None reads SAMPARK_DDB_DELAY_MS
        (unset: 0, off), and a bad value is refused here."""
        from .ddb_latency import DELAY_ENV, delay_ms

        self.ddb_delay_ms = delay_ms() if ddb_delay_ms is None else delay_ms({DELAY_ENV: str(ddb_delay_ms)})
        self.api_port, self.moto_port, self.seed = api_port, moto_port, seed
        self.district_size = district_size or {}
        self.password = password or os.environ.get("SAMPARK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        self.quiet, self.log_dir, self.roster = quiet, log_dir, roster
        self.district: Any = None
        self.progress = progress
        self.logs: dict[str, Path] = {}
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

    def _say(self, step: str) -> None:
        if self.progress is not None:
            self.progress(step)

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        out: Any = subprocess.DEVNULL if self.quiet else None
        if self.log_dir is not None and not self.quiet:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            port = self.moto_port if name == "moto" else self.api_port
            self.logs[name] = self.log_dir / f"{name}-{port}.log"
            out = open(self.logs[name], "wb")  # noqa: SIM115 - the child holds it; ours is closed below
        try:
            # `die_with_parent` in the child: it goes when this process goes
            proc = subprocess.Popen(args, cwd=ROOT, env={**env, PARENT_PID: str(os.getpid())}, stdout=out,
                                    stderr=out, start_new_session=True)
        finally:
            if hasattr(out, "close"):
                out.close()
        self.procs.append(proc)
        return proc

    def start(self) -> LocalStack:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAMPARK_"))}
        self.env = {
            **base, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            "SAMPARK_STAGE": "local", "SAMPARK_TABLE_PREFIX": "sampark-local",
            "SAMPARK_AWS_ENDPOINT": self.endpoint, "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            PARENT_PID: str(os.getpid()),  # the servers' environment: they die with this process
        }
        # moto's server, with DynamoDB's atomicity under concurrent requests (see devtools/moto_local.py);
        # with a delay, as slow as DynamoDB in its region (devtools/ddb_latency.py, the same server after it)
        server, moto_env = "devtools.moto_local", self.env
        if self.ddb_delay_ms:
            from .ddb_latency import DELAY_ENV

            server, moto_env = "devtools.ddb_latency", {**self.env, DELAY_ENV: f"{self.ddb_delay_ms:g}"}
        moto = self._spawn("moto", [sys.executable, "-m", server, "-H", "127.0.0.1",
                                    "-p", str(self.moto_port)], moto_env)
        _wait_http(f"{self.endpoint}/moto-api/", 30, moto)
        self._say(f"moto is up on {self.endpoint}"
                  + (f" (DynamoDB answers after {self.ddb_delay_ms:g} ms)" if self.ddb_delay_ms else "")
                  + "; creating the tables, the user pool and the queues…")
        from .account import bind, create_account, create_tables, server_client

        # the queues hand a message back after 5 s (not 30): the local pumps retry sooner
        made = create_account(server_client(self.endpoint, REGION), stage="local", table_prefix="sampark-local",
                              ses_sender=LOCAL_SES_SENDER, queue_attributes={"VisibilityTimeout": "5"})
        cognito = made.cognito
        activation = made.env["SAMPARK_ACTIVATION_QUEUE_URL"]
        self.env.update(made.env)
        ours = {k: v for k, v in self.env.items() if k.startswith(("AWS_", "SAMPARK_", "POWERTOOLS_"))}
        bind({k: v for k, v in ours.items() if k != PARENT_PID}, os.environ.__setitem__)
        create_tables()
        from chalicelib.core.settings import get_settings

        from .demo_data import generate_district
        from .seed import seed_demo

        self._say("seeding the demo district…")
        self.district = generate_district(self.seed, **self.district_size)
        self.summary = seed_demo(get_settings(), self.district, cognito, self.password)
        if self.roster:
            from chalicelib.core.clock import now_utc

            from .seed import roster_demo

            self._say("rostering the current and the next period…")
            started = time.perf_counter()
            self.summary.update(rosters=roster_demo(now_utc()), roster_seconds=round(time.perf_counter() - started, 1))
        api_env = dict(self.env)
        call_log, site = os.environ.get("SAMPARK_DDB_CALL_LOG"), os.environ.get("SAMPARK_SERVER_SITE")
        if call_log and site:  # the test suite watches the server's AWS calls (no Scan; calls per route)
            # (tests/e2e/conftest.py: its sitecustomize, first on the server's path, logs them to call_log)
            api_env.update(SAMPARK_DDB_CALL_LOG=call_log,
                           PYTHONPATH=os.pathsep.join(filter(None, [site, api_env.get("PYTHONPATH")])))
        # chalice local, with API Gateway's refusals in the app's error shape (as infra deploys them)
        self._say(f"starting chalice local on {self.api_url}…")
        api = self._spawn("api", [sys.executable, "-m", "devtools.chalice_local", "local", "--host", "127.0.0.1",
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
        if self.roster:  # `make run`'s rostered demo: the roster notices go out as the schedule sends them
            from chalicelib.shifts.routes import NOTICES_FUNCTION

            from .local_events import SchedulePump

            self.pumps.append(SchedulePump(NOTICES_FUNCTION, 60, region=REGION).start())
        return self

    def stop(self) -> None:
        """Stop the pumps and both servers; signals are held off until it is done."""
        with signals_held():
            for pump in self.pumps:  # first, so that no pump reports the servers going away
                pump.halt()
            for proc in reversed(self.procs):
                if proc.poll() is None:
                    proc.terminate()
            for pump in self.pumps:
                pump.stop()
            self.pumps = []
            for proc in self.procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
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


_stopping = False


def _interrupt(signum: int, frame: Any) -> None:
    """The first SIGINT/SIGTERM/SIGHUP stops `make run`; the ones after it are ignored, so that they
    cannot break off the clean-up (a second Ctrl-C, or a group's signal followed by its own)."""
    global _stopping
    if _stopping:
        return
    _stopping = True
    raise KeyboardInterrupt


def _wrap(words: list[str], width: int = 96, indent: str = "    ") -> str:
    lines, line = [], indent
    for word in words:
        if len(line) + len(word) + 2 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += word + ", "
    lines.append(line.rstrip(", "))
    return "\n".join(lines)


def _send_logs_to(stream: Any) -> None:
    """This process's log lines (the seeder, and the pumps invoking the app's functions: powertools'
    logger and the one Chalice adds when the app is imported) go to `stream`, not the terminal."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    for each in loggers:
        for handler in each.handlers:
            if type(handler) is logging.StreamHandler and handler.stream in (sys.stdout, sys.stderr):
                handler.setStream(stream)
    if not logging.getLogger().handlers:
        logging.getLogger().addHandler(logging.StreamHandler(stream))


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def banner(stack: LocalStack, at: Any, password_from_env: bool) -> str:
    """What `make run` prints once it serves: the URL, the logins, who is on duty now and how a
    supervisor puts someone on duty, and where the logs are."""
    from .seed import on_duty

    s, url = stack.summary, stack.api_url
    duty = on_duty(stack.district, at)
    password = '"$SAMPARK_DEMO_PASSWORD"' if password_from_env else stack.password
    login_body = ("-d '{\"username\":\"supervisor\",\"password\":\"'" + password + "'\"}'") if password_from_env \
        else f"-d '{{\"username\":\"supervisor\",\"password\":\"{password}\"}}'"
    off = next((a.username for a in stack.district.agents if a.role == "agent" and a.username not in duty.agents),
               "agent01")
    if duty.shift:
        now = (f"  on duty now, {duty.shift} shift ({duty.window}): supervisors "
               f"{', '.join(duty.supervisors) or '(none)'} and {len(duty.agents)} agents:\n{_wrap(list(duty.agents))}")
    else:
        now = f"  on duty now: nobody, no shift is in progress (shifts: {duty.window})"
    logs = "\n".join(f"    {name:5} {_shown(path)}" for name, path in stack.logs.items())
    return f"""
Sampark is running at {url}   (Ctrl-C stops everything)
  demo district: {s['units']} units, {s['contacts']} contacts, {s['logins']} logins (seeded in {s['seconds']} s, \
rostered in {s.get('roster_seconds', '–')} s)
  logins: admin, supervisor … supervisor4, agent01 … agent70, state, central
  password: {'$SAMPARK_DEMO_PASSWORD' if password_from_env else stack.password}
{now}
  put an agent on duty outside their shift (a supervisor's override, at most 7 days; README "Running a campaign"):
    SUP=$(curl -s -X POST {url}/auth/login -H 'content-type: application/json' \\
      {login_body} | python3 -c 'import sys,json;print(json.load(sys.stdin)["id_token"])')
    curl -s -X POST {url}/agents/{off}/duty-override -H "Authorization: Bearer $SUP" \\
      -H 'content-type: application/json' -d '{{"until":"'$(date -u -d +8hours +%FT%TZ)'","reason":"demo"}}'
  programmes: publish JSON on {stack.programme_topic_arn} (README: Programmes from the central and state offices)
  logs (the servers' requests, the seeder and the background jobs):
{logs}
"""


def main() -> int:
    # Ctrl-C, SIGTERM and SIGHUP stop everything. SIGINT is set explicitly: a shell that starts this in
    # the background (as CI may) leaves SIGINT ignored, and Python would keep ignoring it.
    for sig in HELD_SIGNALS:
        signal.signal(sig, _interrupt)
    from chalicelib.core.clock import now_utc

    api_port = int(os.environ.get("SAMPARK_API_PORT", "8000"))
    moto_port = int(os.environ.get("SAMPARK_MOTO_PORT", "5001"))
    log_dir = Path(os.environ.get("SAMPARK_LOG_DIR") or LOG_DIR).resolve()
    log_dir.mkdir(parents=True, exist_ok=True)
    jobs_log = log_dir / f"jobs-{api_port}.log"
    jobs = open(jobs_log, "w", encoding="utf-8")  # noqa: SIM115 - for the life of the process
    from chalicelib.core import observability  # noqa: F401 - its logger's handler, sent to the file next

    _send_logs_to(jobs)
    stack = LocalStack(api_port=api_port, moto_port=moto_port, log_dir=log_dir, roster=True,
                       progress=lambda step: print(f"  {step}", flush=True))
    try:
        print(f"Starting the local stack (logs in {_shown(log_dir)}/)…", flush=True)
        stack.start()
        _send_logs_to(jobs)  # and the handler Chalice added when the pumps imported the app
        stack.logs["jobs"] = jobs_log
        print(banner(stack, now_utc(), bool(os.environ.get("SAMPARK_DEMO_PASSWORD"))), flush=True)
        while all(p.poll() is None for p in stack.procs):
            time.sleep(0.5)
        print("a local server stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        stack.stop()
        print("stopped: both servers are gone", flush=True)


if __name__ == "__main__":
    sys.exit(main())
