"""The next-call queue under 35 concurrent agents: `python -m bench.lease_queue [SECONDS]`.

The local stack (`chalice local` + the moto server + the SQS pump, 127.0.0.1 only, started and stopped
here), a campaign over a whole small demo district (1,287 contacts), and 35 agents in threads doing
what an agent does for SECONDS (default 45): ask for the next call, record it, again. Calls end
mostly unanswered with no retry delay, so targets come straight back and the queue never runs dry:
the agents keep racing for the head of it.

Measured: leases per second; lost races per lease (conditional lease writes to the call targets that
failed inside POST /next, counted in the API process by bench/probe); double leases (an
agent handed a target another agent holds, from the lease's answer until that agent's record is
sent: must be 0); /next latency; and the API process's peak RSS (VmHWM of `chalice local`).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AGENTS = 35
SECONDS = 45.0
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 2}
PROBE = Path(__file__).resolve().parent / "probe"
NEXT_ROUTE = "POST /campaigns/{campaign_id}/next"


def iso_now(offset_s: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat(timespec="milliseconds")


def choose(contact_id: str, attempts: int) -> str:
    """Mostly unanswered, so that the target is due again at once; the same for every run."""
    roll = zlib.crc32(f"{contact_id}#{attempts}".encode()) % 100
    return "connected" if roll < 15 else "busy" if roll < 25 else "no_answer"


class LeaseLedger:
    """Who holds which contact, checked at every lease: a second agent handed a contact that another
    still holds is a double lease, whichever campaigns the two leases are in (the ledger is keyed on the
    person, not the target: issue 20's one person, one call at a time). It also counts the calls made to
    each person per IST day that the daily cap counts (`called`: not a callback the person asked for).
    The bench and tests/e2e/test_calling_concurrency.py both keep one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holding: dict[str, str] = {}  # contact -> agent, from the lease's answer until its record is sent
        self.double_leases: list[tuple[str, str, str]] = []
        self.errors: list[str] = []
        self.leases = 0
        self.calls_a_day: dict[tuple[str, str], int] = {}  # (contact, IST day) -> calls the daily cap counts

    def called(self, contact: str, day: str, counted: bool) -> None:
        """A call recorded (201, once per call_id) to `contact` on the IST `day`; `counted`: not a callback."""
        if counted:
            with self.lock:
                self.calls_a_day[(contact, day)] = self.calls_a_day.get((contact, day), 0) + 1

    def over_cap(self, cap: int) -> list[tuple[str, str, int]]:
        """(contact, day, calls) for every person called more than `cap` times in a day: must be none."""
        return [(contact, day, n) for (contact, day), n in sorted(self.calls_a_day.items()) if n > cap]

    def took(self, agent: str, contact: str) -> None:
        with self.lock:
            self.leases += 1
            holder = self.holding.get(contact)
            if holder is not None and holder != agent:
                self.double_leases.append((contact, holder, agent))
            self.holding[contact] = agent

    def releasing(self, agent: str, contact: str) -> None:
        with self.lock:
            if self.holding.get(contact) == agent:
                del self.holding[contact]


class Floor(LeaseLedger):
    """What the bench's agents saw: the ledger, and the figures it reports."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded = self.nothing_due = self.busy = 0
        self.next_ms: list[float] = []


# These agents lease with no dialling time, on purpose (the queue's worst case): the pacing of /next
# (chalicelib/campaigns/pacing.py), which slows an agent who asks faster than a person can dial, is
# lifted for the API of their stack.
UNPACED = {"SAMPARK_PACING_MAX_LEASES": "1000000"}


# The app gives up on a DynamoDB request after 5 s (SAMPARK_DDB_READ_TIMEOUT_S), in AWS a wait no healthy request
# comes near. The local moto serves every request under one lock: with 35 agents on a loaded 2-core machine a
# request can queue longer than that, and the floor would measure 503s of the machine, not the queue's behaviour.
PATIENT = {"SAMPARK_DDB_READ_TIMEOUT_S": "60"}


def floor_stack(**kwargs: Any) -> Any:
    """A LocalStack whose API runs with UNPACED and PATIENT: the bench's and the 35-agent test's floor."""
    from devtools.local_stack import LocalStack

    class FloorStack(LocalStack):
        def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Any:
            return super()._spawn(name, args, {**env, **UNPACED, **PATIENT} if name == "api" else env)

    return FloorStack(**kwargs)


def login(url: str, username: str, password: str) -> Any:
    import requests

    s = requests.Session()
    r = s.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=30)
    r.raise_for_status()
    s.headers["authorization"] = f"Bearer {r.json()['id_token']}"
    return s


def work(url: str, session: Any, agent: str, campaign_id: str, floor: Floor, stop_at: float) -> None:
    resume = None
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        r = session.post(f"{url}/campaigns/{campaign_id}/next", params={"resume": resume} if resume else None,
                         timeout=60)
        took = (time.perf_counter() - started) * 1000
        resume = None
        if r.status_code == 429 and r.json()["error"].get("code") == "queue_busy":
            # /next spent its 5 DynamoDB calls on lost races (issue 18): asked again after Retry-After, from
            # `resume` when given, as the agent's client does (the request is timed like any other)
            with floor.lock:
                floor.busy += 1
                floor.next_ms.append(took)
            resume = r.json()["error"].get("resume")
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        if r.status_code != 200:
            floor.errors.append(f"{agent} next {r.status_code} {r.text[:200]}")
            return
        screen = r.json()
        with floor.lock:
            floor.next_ms.append(took)
        if screen["status"] == "nothing_due":
            with floor.lock:
                floor.nothing_due += 1
            time.sleep(0.5)
            continue
        contact = screen["contact"]["contact_id"]
        floor.took(agent, contact)
        disposition = choose(contact, screen["attempts"])
        body: dict[str, Any] = {"call_id": str(uuid.uuid4()), "campaign_id": campaign_id, "contact_id": contact,
                                "disposition": disposition, "started_at": iso_now(-30), "duration_s": 30}
        if disposition == "connected":
            body["answers"] = {"received": True}
        floor.releasing(agent, contact)
        rec = session.post(f"{url}/calls", json=body, timeout=60)
        if rec.status_code != 201:
            floor.errors.append(f"{agent} record {rec.status_code} {rec.text[:200]}")
            return
        with floor.lock:
            floor.recorded += 1


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def run(seconds: float = SECONDS) -> dict[str, Any]:
    from chalicelib.core.clock import IST
    from chalicelib.org.rules import ROLES
    from devtools.local_stack import free_port

    probe_log = Path(tempfile.mkstemp(prefix="bench-probe-", suffix=".jsonl")[1])
    saved = dict(os.environ)  # the stack points this process at itself (AWS_*, SAMPARK_*): put it all back after
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROBE), saved.get("PYTHONPATH")]))
    os.environ["BENCH_PROBE_LOG"] = str(probe_log)
    try:
        with floor_stack(api_port=free_port(), moto_port=free_port(), district_size=SIZE, quiet=True) as stack:
            os.environ.pop("BENCH_PROBE_LOG")  # this process's own calls are not probed (it was loaded already)
            url = stack.api_url
            api_pid = stack.procs[-1].pid
            admin = login(url, "admin", stack.password)
            today = datetime.now(IST).date()
            r = admin.post(f"{url}/campaigns", json={
                "title_hi": "कार्यक्रम सूचना", "title_en": "Programme relay", "script_hi": "नमस्ते",
                "script_en": "Hello", "kind": "programme_relay",
                "questions": [{"id": "received", "kind": "yes_no", "text_hi": "मिला?", "text_en": "Received?",
                               "required": True}],
                "target": {"unit_id": "chw", "roles": [r for r in ROLES if r != "district_office_bearer"]},
                "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=1)),
                "calling_hours": {"start": "00:00", "end": "24:00"}, "max_attempts": 10, "retry_delay_minutes": 0,
            }, timeout=30)
            r.raise_for_status()
            cid = r.json()["campaign_id"]
            admin.post(f"{url}/campaigns/{cid}/activate", timeout=30).raise_for_status()
            state: dict[str, Any] = {}
            for _ in range(600):  # the SQS pump runs the chunks
                state = admin.get(f"{url}/campaigns/{cid}", timeout=30).json()
                if state["status"] == "active":
                    break
                time.sleep(0.5)
            if state.get("status") != "active":
                raise RuntimeError(f"the campaign did not activate: {state}")
            agents = [f"agent{i:02d}" for i in range(1, AGENTS + 1)]
            sessions = {a: login(url, a, stack.password) for a in agents}
            until = (datetime.now(IST) + timedelta(hours=2)).isoformat()
            for a in agents:
                admin.post(f"{url}/agents/{a}/duty-override", json={"until": until, "reason": "benchmark"},
                           timeout=30).raise_for_status()
            probe_log.write_text("", encoding="utf-8")  # count the load only, not the setup
            floor = Floor()
            started = time.monotonic()
            with ThreadPoolExecutor(AGENTS) as pool:
                for future in [pool.submit(work, url, sessions[a], a, cid, floor, started + seconds)
                               for a in agents]:
                    future.result()
            elapsed = time.monotonic() - started
            hwm = vm_hwm_mb(api_pid)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from chalicelib.core.clients import reset_clients
        from chalicelib.core.settings import reset_settings

        reset_settings()
        reset_clients()
    lines = [json.loads(line) for line in probe_log.read_text(encoding="utf-8").splitlines() if line]
    probe_log.unlink()
    lost = sum(1 for e in lines if e["route"] == NEXT_ROUTE and e["outcome"] == "ConditionalCheckFailedException")
    lease_writes = sum(1 for e in lines if e["route"] == NEXT_ROUTE)
    return {"agents": AGENTS, "seconds": round(elapsed, 1), "targets": int(state["activation"]["targets_created"]),
            "leases": floor.leases, "recorded": floor.recorded, "nothing_due": floor.nothing_due,
            "queue_busy": floor.busy,
            "leases_per_s": round(floor.leases / elapsed, 2), "lease_writes": lease_writes, "lost_races": lost,
            "lost_races_per_lease": round(lost / floor.leases, 3) if floor.leases else None,
            "double_leases": len(floor.double_leases), "errors": floor.errors[:5],
            "next_ms_p50": _pct(floor.next_ms, 0.5), "next_ms_p95": _pct(floor.next_ms, 0.95),
            "next_ms_mean": round(statistics.fmean(floor.next_ms), 1) if floor.next_ms else None,
            "api_peak_rss_mb": hwm}


def main(argv: list[str]) -> int:
    print(json.dumps(run(float(argv[0]) if argv else SECONDS), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
