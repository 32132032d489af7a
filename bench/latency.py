"""Latency of the hot path as AWS would give it: `POST /campaigns/{id}/next` and `POST /calls`, p50 and p95,
under 35 and 350 concurrent agents, with every DynamoDB request answered after a fixed delay (6 ms, about
DynamoDB's in-region median); and the capacity units a call costs end to end. Two checkouts side by side:

    python -m bench.latency --before /tmp/sampark-before --after . [--reps 3] [--delay-ms 6]
    python -m bench.latency --after .          # this tree alone

Each tree gets a local stack of its own (its own `chalice local` and moto server, the moto server started
through this tree's devtools/ddb_latency.py whatever the checkout, so both answer with the same delay),
made by a worker process that runs that checkout's code (`python <this file> worker`, cwd and PYTHONPATH
the checkout). Both stacks are set up first; then the rounds alternate between them (before, after; then
after, before), so a busy moment of the machine falls on both. A round: N agents start together, each
does CYCLES of next then record; every request's wall time is kept; the round's p50 and p95 are of all
its requests, and the table shows the median over the repetitions. Then a metered round per tree counts
the capacity units per call made (bench/capacity.py, in the moto server).

The agents dial nothing and think not at all (the queue's worst case, as in bench/lease_queue.py): with
350 agents the local stack is saturated and a request's time is mostly its wait behind the others; moto
serialises DynamoDB requests on one lock, so the figures measure how many round trips a request makes far
more than how fast DynamoDB would be. For the same reason the API of both stacks waits for DynamoDB as long
as it takes (PATIENT: the app's 5 s read timeout would turn the wait into timeouts and retries), lifts the
pacing of /next (UNPACED, as bench/lease_queue.py), and listens with a backlog of 1024 (devtools/
backlog: socketserver's 5 would drop 350 simultaneous connections into TCP's one-second retry). The
agents beyond the demo's 70 are created through POST /agents, and every agent is put on duty by a
supervisor's override. A /next answered 429 queue_busy (issue 18's bound of 5 DynamoDB calls spent on lost
races) is asked again after its Retry-After, from `resume` when given, as the agent's client does; each
request is timed. The results go to bench/latency.json, which bench/__main__.py shows in
bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess  # nosec B404 - our own worker, fixed arguments
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
OUT = ROOT / "bench" / "latency.json"
DELAY_MS = 6.0
SIZES = ((35, 4), (350, 1))  # (agents, cycles each): 140 and 350 of each request per round
CAPACITY = (35, 4)
REPS = 3
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 2}  # 1,287 contacts, as bench/lease_queue.py
NEXT, CALLS = "POST /campaigns/{campaign_id}/next", "POST /calls"
UNPACED = {"SAMPARK_PACING_MAX_LEASES": "1000000"}  # bench/lease_queue.py: no dialling time
# The app gives up on a DynamoDB request after 5 s (SAMPARK_DDB_READ_TIMEOUT_S). With 350 agents, moto's one
# lock keeps requests waiting far longer than DynamoDB would: the bench would measure timeouts and retries.
PATIENT = {"SAMPARK_DDB_READ_TIMEOUT_S": "600", "SAMPARK_DDB_CONNECT_TIMEOUT_S": "30"}
SEEDED_AGENTS = 70  # agent01 … agent70 in the demo district
TIMEOUT = 900
BUSY_TRIES = 10  # a /next answered 429 queue_busy is asked again after Retry-After (each request is timed)


def pct(values: list[float], q: float) -> float | None:
    """Nearest rank percentile (the same rule as bench/lease_queue.py)."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None


def agent_names(n: int) -> list[str]:
    """The first n agents: the demo district's agent01 … agent70, then bench071 … created by the worker."""
    return [f"agent{i:02d}" if i <= SEEDED_AGENTS else f"bench{i:03d}" for i in range(1, n + 1)]


def choose(contact_id: str, attempts: int) -> str:
    roll = zlib.crc32(f"{contact_id}#{attempts}".encode()) % 100
    return "connected" if roll < 15 else "busy" if roll < 25 else "no_answer"


# ---- the worker: one checkout's stack, driven over stdin/stdout -------------------------------------


class Round:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = {NEXT: [], CALLS: []}
        self.errors: list[str] = []
        self.recorded = self.nothing_due = self.busy = 0
        self.holding: dict[str, str] = {}
        self.double_leases = 0

    def took(self, route: str, ms: float) -> None:
        with self.lock:
            self.ms[route].append(ms)


def _cycle(url: str, session: Any, agent: str, campaign_id: str, r: Round) -> None:
    resume = ""
    for _ in range(BUSY_TRIES):  # as the agent's client (call.js): a 429 queue_busy is asked again
        started = time.perf_counter()
        at = f"?resume={resume}" if resume else ""
        resp = session.post(f"{url}/campaigns/{campaign_id}/next{at}", timeout=TIMEOUT)
        r.took(NEXT, (time.perf_counter() - started) * 1000)
        if resp.status_code != 429 or resp.json()["error"].get("code") != "queue_busy":
            break
        with r.lock:
            r.busy += 1
        resume = resp.json()["error"].get("resume") or ""  # the error's details sit beside its code
        time.sleep(float(resp.headers.get("Retry-After", "1")))
    if resp.status_code != 200:
        r.errors.append(f"{agent} next {resp.status_code} {resp.text[:160]}")
        return
    screen = resp.json()
    if screen["status"] == "nothing_due":
        with r.lock:
            r.nothing_due += 1
        return
    contact = screen["contact"]["contact_id"]
    with r.lock:
        holder = r.holding.get(contact)
        r.double_leases += holder is not None and holder != agent
        r.holding[contact] = agent
    disposition = choose(contact, screen["attempts"])
    started_at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat(timespec="milliseconds")
    body: dict[str, Any] = {"call_id": str(uuid.uuid4()), "campaign_id": campaign_id, "contact_id": contact,
                            "disposition": disposition, "duration_s": 30, "started_at": started_at}
    if disposition == "connected":
        body["answers"] = {"received": True}
    with r.lock:
        if r.holding.get(contact) == agent:
            del r.holding[contact]
    started = time.perf_counter()
    rec = session.post(f"{url}/calls", json=body, timeout=TIMEOUT)
    r.took(CALLS, (time.perf_counter() - started) * 1000)
    if rec.status_code != 201:
        r.errors.append(f"{agent} record {rec.status_code} {rec.text[:160]}")
        return
    with r.lock:
        r.recorded += 1


def run_round(url: str, sessions: dict[str, Any], campaign_id: str, agents: int, cycles: int) -> dict[str, Any]:
    r = Round()
    names = agent_names(agents)
    gate = threading.Barrier(agents)

    def agent(name: str) -> None:
        gate.wait()
        for _ in range(cycles):
            _cycle(url, sessions[name], name, campaign_id, r)

    load = os.getloadavg()
    started = time.monotonic()
    with ThreadPoolExecutor(agents) as pool:
        for future in [pool.submit(agent, n) for n in names]:
            future.result()
    elapsed = time.monotonic() - started
    return {"agents": agents, "cycles": cycles, "seconds": round(elapsed, 1), "recorded": r.recorded,
            "nothing_due": r.nothing_due, "queue_busy": r.busy, "double_leases": r.double_leases,
            "errors": r.errors[:5],
            "error_count": len(r.errors), "loadavg_before": [round(x, 2) for x in load],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "routes": {route: {"requests": len(v), "p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95),
                               "mean_ms": round(statistics.fmean(v), 1) if v else None}
                       for route, v in r.ms.items()}}


def _login(url: str, username: str, password: str) -> Any:
    import requests

    s = requests.Session()
    for attempt in range(5):
        resp = s.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=TIMEOUT)
        if resp.status_code == 200:
            s.headers["authorization"] = f"Bearer {resp.json()['id_token']}"
            return s
        time.sleep(1 + attempt)
    resp.raise_for_status()
    raise RuntimeError(f"{username} cannot sign in: {resp.status_code}")


def _signed_in(cognito: Any, client_id: str, username: str, password: str) -> Any:
    """A session with the agent's tokens from Cognito, as POST /auth/login gets them: the app's sign-in
    throttle allows 300 attempts per address, and `chalice local` gives every caller 127.0.0.1."""
    import requests

    auth = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": username, "PASSWORD": password})
    s = requests.Session()
    s.headers["authorization"] = f"Bearer {auth['AuthenticationResult']['IdToken']}"
    return s


def _stack_class(delay_ms: float, capacity_log: str) -> Any:
    from devtools.local_stack import LocalStack  # the checkout's own

    class BenchStack(LocalStack):  # type: ignore[misc, valid-type]
        def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Any:
            if name == "api":
                path = os.pathsep.join(filter(None, [str(HERE.with_name("backlog")), env.get("PYTHONPATH")]))
                env = {**env, **UNPACED, **PATIENT, "PYTHONPATH": path}
            elif name == "moto":  # this checkout's devtools/ddb_latency.py for both: the same delay
                at = args.index("-H")
                args = [sys.executable, str(ROOT / "devtools" / "ddb_latency.py"), *args[at:]]
                env = {**env, "SAMPARK_DDB_DELAY_MS": f"{delay_ms:g}", "BENCH_CAPACITY_LOG": capacity_log}
            return super()._spawn(name, args, env)

    return BenchStack


def _setup(stack: Any, agents: int) -> tuple[Any, str, dict[str, Any]]:
    import boto3

    from chalicelib.core.clock import IST
    from chalicelib.org.rules import ROLES

    url = stack.api_url
    admin = _login(url, "admin", stack.password)
    today = datetime.now(IST).date()
    resp = admin.post(f"{url}/campaigns", json={
        "title_hi": "कार्यक्रम सूचना", "title_en": "Programme relay", "script_hi": "नमस्ते", "script_en": "Hello",
        "kind": "programme_relay",
        "questions": [{"id": "received", "kind": "yes_no", "text_hi": "मिला?", "text_en": "Received?",
                       "required": True}],
        "target": {"unit_id": "chw", "roles": [r for r in ROLES if r != "district_office_bearer"]},
        "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=1)),
        "calling_hours": {"start": "00:00", "end": "24:00"}, "max_attempts": 10, "retry_delay_minutes": 0,
    }, timeout=TIMEOUT)
    resp.raise_for_status()
    cid = resp.json()["campaign_id"]
    admin.post(f"{url}/campaigns/{cid}/activate", timeout=TIMEOUT).raise_for_status()
    deadline = time.monotonic() + 1800  # activation runs in the SQS pump: slow on a busy machine
    while time.monotonic() < deadline:
        if admin.get(f"{url}/campaigns/{cid}", timeout=TIMEOUT).json()["status"] == "active":
            break
        time.sleep(0.5)
    else:
        raise RuntimeError("the campaign did not activate")
    cognito = boto3.client("cognito-idp", region_name="ap-south-1", endpoint_url=stack.endpoint,
                           aws_access_key_id="local", aws_secret_access_key="local")
    names = agent_names(agents)

    def create(name: str) -> None:  # through the app, as an admin would; then a known password
        if not name.startswith("bench"):
            return
        r = admin.post(f"{url}/agents", json={"username": name, "role": "agent", "email": f"{name}@example.org",
                                              "name_hi": f"एजेंट {name[5:]}", "name_en": f"Agent {name[5:]}",
                                              "languages": ["hi"]}, timeout=TIMEOUT)
        if r.status_code != 201:
            raise RuntimeError(f"POST /agents {name}: {r.status_code} {r.text[:200]}")
        cognito.admin_set_user_password(UserPoolId=stack.env["SAMPARK_USER_POOL_ID"], Username=name,
                                        Password=stack.password, Permanent=True)

    until = (datetime.now(IST) + timedelta(hours=3)).isoformat()

    def ready(name: str) -> tuple[str, Any]:
        create(name)
        admin.post(f"{url}/agents/{name}/duty-override", json={"until": until, "reason": "benchmark"},
                   timeout=TIMEOUT).raise_for_status()
        return name, _signed_in(cognito, stack.env["SAMPARK_USER_POOL_CLIENT_ID"], name, stack.password)

    print(f"campaign active; readying {len(names)} agents", file=sys.stderr, flush=True)
    with ThreadPoolExecutor(16) as pool:
        sessions = dict(pool.map(ready, names))
    return admin, cid, sessions


def _metered(log: Path, capacity: Any, work: Any) -> tuple[dict[str, Any], Any]:
    log.write_text("", encoding="utf-8")  # the meter counts while the file exists
    try:
        out = work()
    finally:
        lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x]
        log.unlink()
    return capacity.summarise(lines), out


def _capacity_round(stack: Any, log: Path, sessions: dict[str, Any], cid: str) -> dict[str, Any]:
    """Units per call made: CAPACITY's agents each doing next then record (what a call is on the hot path),
    then as many refreshes of the agent's two lists (GET /me/calls and /me/callbacks: infra/load.py counts
    them in a call's five requests, with the number's reveal that /next carries)."""
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("sampark_bench_capacity", HERE.with_name("capacity.py"))
    assert spec is not None and spec.loader is not None
    capacity = module_from_spec(spec)
    spec.loader.exec_module(capacity)
    agents, cycles = CAPACITY
    hot, r = _metered(log, capacity, lambda: run_round(stack.api_url, sessions, cid, agents, cycles))
    calls = r["recorded"]
    names = agent_names(agents)

    def refresh(name: str) -> int:
        bad = 0
        for _ in range(cycles):
            for path in ("/me/calls", "/me/callbacks"):
                bad += sessions[name].get(f"{stack.api_url}{path}", timeout=TIMEOUT).status_code != 200
        return bad

    def lists() -> int:
        with ThreadPoolExecutor(agents) as pool:
            return sum(pool.map(refresh, names))

    listed, bad_lists = _metered(log, capacity, lists)

    def per_call(total: dict[str, Any], key: str) -> float | None:
        return round(total[key] / calls, 2) if calls else None

    return {"calls": calls, "nexts": r["routes"][NEXT]["requests"], "errors": r["errors"], "list_errors": bad_lists,
            "hot": {**hot, **{f"{k}_per_call": per_call(hot, k) for k in ("rru", "wru", "requests")}},
            "lists": {**listed, **{f"{k}_per_call": per_call(listed, k) for k in ("rru", "wru", "requests")}},
            "rru_per_call": per_call({"x": hot["rru"] + listed["rru"]}, "x"),
            "wru_per_call": per_call({"x": hot["wru"] + listed["wru"]}, "x")}


def worker(delay_ms: float, agents: int) -> int:
    """Runs in the checkout under test: stack up, then rounds on request (one JSON line in, one out)."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever the app and the pumps print goes to stderr, not into the protocol
    from devtools.local_stack import free_port

    log = Path(f"/tmp/bench-capacity-{os.getpid()}.jsonl")
    stack = _stack_class(delay_ms, str(log))(api_port=free_port(), moto_port=free_port(), district_size=SIZE,
                                              quiet=True)
    with stack:
        started = time.monotonic()
        _admin, cid, sessions = _setup(stack, agents)
        proto.write(json.dumps({"ready": True, "setup_s": round(time.monotonic() - started, 1)}) + "\n")
        for line in sys.stdin:
            ask = json.loads(line)
            if "round" in ask:
                out: dict[str, Any] = run_round(stack.api_url, sessions, cid, *ask["round"])
            elif "capacity" in ask:
                out = _capacity_round(stack, log, sessions, cid)
            else:
                break
            proto.write(json.dumps(out) + "\n")
    return 0


# ---- the driver -------------------------------------------------------------------------------------


class Worker:
    def __init__(self, label: str, tree: Path, delay_ms: float, agents: int) -> None:
        self.label, self.tree = label, tree
        env = {**os.environ, "PYTHONPATH": str(tree)}
        env.pop("SAMPARK_DDB_DELAY_MS", None)
        self.proc = subprocess.Popen(  # nosec B603
            [sys.executable, str(HERE), "worker", "--delay-ms", str(delay_ms), "--agents", str(agents)],
            cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(f"/tmp/bench-latency-{label}.log", "wb"), text=True)  # noqa: SIM115

    def ask(self, what: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if what:
            self.proc.stdin.write(json.dumps(what) + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.label} worker stopped (see /tmp/bench-latency-{self.label}.log)")
        return dict(json.loads(line))

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait()


def describe_tree(tree: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tree, capture_output=True, text=True,  # nosec B603 B607
                              check=False).stdout.strip()

    return {"path": str(tree), "commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_files": len([x for x in git("status", "--short", "--untracked-files=no").splitlines() if x])}


def medians(rounds: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per agents and route: the median over the repetitions of each round's p50 and p95."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for agents in sorted({r["agents"] for r in rounds}):
        mine = [r for r in rounds if r["agents"] == agents]
        out[str(agents)] = {route: {q: round(statistics.median(v), 1) if (v := [
            r["routes"][route][q] for r in mine if r["routes"][route][q] is not None]) else None
            for q in ("p50_ms", "p95_ms")} for route in (NEXT, CALLS)}
    return out


def drive(trees: dict[str, Path], reps: int, delay_ms: float, sizes: Sequence[tuple[int, int]] = SIZES,
          until: datetime | None = None) -> dict[str, Any]:
    """Set up a stack per tree, count a call's capacity units on each, then run `reps` repetitions of the
    rounds (no repetition after the first starts past `until`, so a busy machine shortens the run rather
    than overrunning it: the report says how many were made)."""
    most = max([a for a, _ in sizes] + [CAPACITY[0]])
    workers = {label: Worker(label, tree, delay_ms, most) for label, tree in trees.items()}
    try:
        setup = {label: w.ask({}) for label, w in workers.items()}
        capacity = {label: w.ask({"capacity": True}) for label, w in workers.items()}
        rounds: dict[str, list[dict[str, Any]]] = {label: [] for label in workers}
        order = list(workers)
        done = 0
        for rep in range(reps):
            if rep and until is not None and datetime.now(UTC) >= until:
                break
            done += 1
            for agents, cycles in sizes:
                for label in order if rep % 2 == 0 else order[::-1]:
                    result = workers[label].ask({"round": [agents, cycles]})
                    result["rep"] = rep
                    rounds[label].append(result)
                    print(f"{label} rep {rep} {agents} agents: " + ", ".join(
                        f"{route.split()[-1]} p50 {v['p50_ms']} p95 {v['p95_ms']} ms"
                        for route, v in result["routes"].items()) + f" (load {result['loadavg_before'][0]})",
                        file=sys.stderr, flush=True)
    finally:
        for w in workers.values():
            w.close()
    return {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "delay_ms": delay_ms, "reps": done,
            "sizes": [list(s) for s in sizes], "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "trees": {label: {**describe_tree(tree), "setup_s": setup[label]["setup_s"]}
                      for label, tree in trees.items()},
            "median": {label: medians(rs) for label, rs in rounds.items()}, "rounds": rounds,
            "capacity": capacity}


def markdown(r: dict[str, Any]) -> list[str]:
    """The latency table and its method, for bench/results.md."""
    labels = list(r["median"])
    loads = [x["loadavg_before"][0] for rs in r["rounds"].values() for x in rs]
    head = "| route | agents | " + " | ".join(f"{lb} p50 (ms) | {lb} p95 (ms)" for lb in labels) + " |"
    lines = [f"Every DynamoDB request answered after {r['delay_ms']:g} ms (SAMPARK_DDB_DELAY_MS, in the local "
             f"moto server), measured {r['measured_at']} by `python -m bench.latency`: "
             + "; ".join(f"{lb} = {t['commit']}" + (f" with {t['uncommitted_files']} files uncommitted"
                                                    if t["uncommitted_files"] else "")
                         for lb, t in r["trees"].items())
             + f". Each tree on a local stack of its own, rounds alternating between them; a round is N agents "
             f"starting together, each doing next then record, with no dialling time; "
             f"{' and '.join(f'{a} agents x {c} cycles' for a, c in r['sizes'])}; the median over "
             f"{r['reps']} repetitions of each round's p50 and p95. Load average (1 min) at the rounds' start: "
             f"{min(loads):.1f}-{max(loads):.1f} on {r['machine']}, shared with other work: noisy figures. "
             "Every agent asks at once and without pause, so the stack is saturated (moto serialises DynamoDB "
             "requests on one lock, chalice local is one process): the times are mostly queueing."
             + ("" if any(a >= 350 for a, _ in r["sizes"]) else " 350 agents were not measured in this run "
                "(`--sizes 35x4,350x1`; on a 2-core machine it takes about 25 minutes per tree)."), "", head,
             "|---|---:|" + "---:|---:|" * len(labels)]
    for route in (NEXT, CALLS):
        for agents in sorted({a for m in r["median"].values() for a in m}, key=int):
            cells = " | ".join(f"{m['p50_ms']} | {m['p95_ms']}"
                               for m in (r["median"][lb][agents][route] for lb in labels))
            lines.append(f"| `{route}` | {agents} | {cells} |")
    errors = sum(x["error_count"] for rs in r["rounds"].values() for x in rs)
    doubles = sum(x["double_leases"] for rs in r["rounds"].values() for x in rs)
    busy = {lb: sum(x.get("queue_busy", 0) for x in rs) for lb, rs in r["rounds"].items()}
    lines += ["", f"Errors: {errors}. Double leases: {doubles}. 429 queue_busy answers (each asked again after "
              f"Retry-After, as the agent's client does; every request is timed): "
              + ", ".join(f"{lb} {n}" for lb, n in busy.items()) + "."]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="drive", choices=("drive", "worker"))
    parser.add_argument("--before", type=Path, help="the checkout before the change (a git worktree)")
    parser.add_argument("--after", type=Path, default=ROOT, help="the checkout after it (default: this one)")
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--delay-ms", type=float, default=DELAY_MS)
    parser.add_argument("--agents", type=int, default=max(a for a, _ in SIZES))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--sizes", help="rounds as AGENTSxCYCLES,... (default 35x4,350x1)")
    parser.add_argument("--until", help="start no repetition after this UTC time (HH:MM), the first aside")
    args = parser.parse_args(argv)
    if args.mode == "worker":
        return worker(args.delay_ms, args.agents)
    sizes = [(int(a), int(c)) for a, c in (s.split("x") for s in args.sizes.split(","))] if args.sizes else SIZES
    trees = {"before": args.before.resolve()} if args.before else {}
    trees["after"] = args.after.resolve()
    until = None
    if args.until:
        hour, minute = (int(x) for x in args.until.split(":"))
        until = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    result = drive(trees, args.reps, args.delay_ms, sizes, until)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("\n".join(markdown(result)))
    return 0


if __name__ == "__main__":
    if __package__ in (None, ""):  # run by path as the worker: the checkout's devtools is on PYTHONPATH
        sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE.parent]
    raise SystemExit(main(sys.argv[1:]))
