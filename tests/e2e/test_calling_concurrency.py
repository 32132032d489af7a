"""35 agents in parallel threads work one campaign to the end, over HTTP against the local stack
(`chalice local` + the moto server + the local SQS pump), as the call centre would on a busy morning.

Proven here: a target is held by at most one agent at a time (no agent is ever handed a target
another agent holds, and no agent ever loses its lease); no call is lost (every 201 is a log the API
lists); retried calls count once; and the counters behind the progress page equal the call logs.
"""

from __future__ import annotations

import time
import uuid
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.lease_queue import LeaseLedger, floor_stack, iso_now, login
from chalicelib.campaigns.store import TargetModel
from chalicelib.core.clock import IST
from chalicelib.org.rules import ROLES
from chalicelib.reporting.counters import CounterModel, day_agent, figures
from devtools.demo_data import generate_district
from devtools.local_stack import free_port

AGENTS = 35
TARGET_UNIT = "chw-a6"
# A hang detector, not a speed bound (speed is `make bench`'s): the campaign was worked to the end in 118 s
# alone on the 2-core machine and in 134 s with its load average at 4-9; the CI run that saw 150 s pass
# had the other test worker busy beside it. Twice the slowest seen leaves room for a busy CI machine.
DEADLINE_S = 300
LOGS = Path(__file__).resolve().parents[2] / "test-output" / "calling-concurrency"  # the servers' output


def choose(contact_id: str, attempts: int) -> str:
    """A fixed mix of outcomes per contact and attempt, so each run does the same work."""
    roll = zlib.crc32(f"{contact_id}#{attempts}".encode()) % 100
    if roll < 45:
        return "connected"
    if roll < 65:
        return "no_answer"
    if roll < 70:
        return "busy"
    if roll < 76 and attempts == 0:
        return "callback_requested"
    if roll < 86:
        return "declined"
    if roll < 92:
        return "wrong_number"
    if roll < 96:
        return "do_not_call"
    return "switched_off"


class Floor(LeaseLedger):
    """What the agents saw, checked as they go: the lease ledger, and every call recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: dict[str, dict[str, Any]] = {}  # call_id -> body, for every 201
        self.busy = 0  # 429 queue_busy answers (a /next that ran out of its calls under contention)


def work(url: str, session: requests.Session, agent: str, campaign_id: str, floor: Floor, stop_at: float) -> None:
    idle = 0
    n = 0
    callbacks: set[str] = set()  # contacts who asked this agent to call back
    while time.monotonic() < stop_at:
        # 120 s: a hang detector, not a speed bound — the local moto serves every DynamoDB request under one
        # lock, unfairly, so a request can wait behind many others on a busy machine
        r = session.post(f"{url}/campaigns/{campaign_id}/next", timeout=120)
        if r.status_code == 429 and r.json()["error"]["code"] == "queue_busy":  # contention: ask again, shortly
            with floor.lock:
                floor.busy += 1
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        if r.status_code != 200:
            floor.errors.append(f"{agent} next {r.status_code} {r.text[:200]}")
            return
        screen = r.json()
        if screen["status"] == "nothing_due":
            if callbacks:
                time.sleep(0.5)  # a callback of mine is coming due: wait for it
                continue
            idle += 1
            if idle >= 2:
                return
            time.sleep(0.5)
            continue
        idle = 0
        contact = screen["contact"]["contact_id"]
        floor.took(agent, contact)
        callbacks.discard(contact)
        disposition = choose(contact, screen["attempts"])
        body: dict[str, Any] = {"call_id": str(uuid.uuid4()), "campaign_id": campaign_id, "contact_id": contact,
                                "disposition": disposition, "started_at": iso_now(-30), "duration_s": 30,
                                "notes": f"{agent} call {n}"}
        if disposition == "connected":
            body["answers"] = {"received": True}
        if disposition == "callback_requested":
            body["callback_at"] = iso_now(2)
            callbacks.add(contact)
        floor.releasing(agent, contact)
        sends = 2 if n % 7 == 0 else 1  # a flaky network: some calls are sent twice
        for _ in range(sends):
            rec = session.post(f"{url}/calls", json=body, timeout=120)
            if rec.status_code != 201:
                floor.errors.append(f"{agent} record {rec.status_code} {rec.text[:200]}")
                return
        with floor.lock:
            floor.recorded[body["call_id"]] = body
        n += 1


@pytest.mark.e2e
def test_35_agents_work_a_campaign_to_the_end() -> None:
    started = time.monotonic()
    size = {"booths_per_kendra": 1, "contacts_per_booth": 2}  # 1,287 contacts, 206 of them in assembly a6
    expected = [c for c in generate_district(7, **size).contacts if c.unit_id.startswith(f"{TARGET_UNIT}-")
                or c.unit_id == TARGET_UNIT]
    booths = {c.unit_id for c in expected if c.role in ("booth_president", "panna_pramukh")}
    # the agents lease with no dialling time: the stack lifts the pacing of /next (bench/lease_queue.py)
    with floor_stack(api_port=free_port(), moto_port=free_port(), district_size=size, log_dir=LOGS) as stack:
        url = stack.api_url
        admin = login(url, "admin", stack.password)
        today = datetime.now(IST).date()
        campaign = admin.post(f"{url}/campaigns", json={
            "title_hi": "कार्यक्रम सूचना", "title_en": "Programme relay", "script_hi": "नमस्ते",
            "script_en": "Hello", "kind": "programme_relay",
            "questions": [{"id": "received", "kind": "yes_no", "text_hi": "मिला?", "text_en": "Received?",
                           "required": True}],
            "target": {"unit_id": TARGET_UNIT, "roles": [r for r in ROLES if r != "district_office_bearer"]},
            "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=1)),
            "calling_hours": {"start": "00:00", "end": "24:00"}, "max_attempts": 2, "retry_delay_minutes": 0,
        }, timeout=30)
        assert campaign.status_code == 201, campaign.text
        cid = campaign.json()["campaign_id"]
        assert admin.post(f"{url}/campaigns/{cid}/activate", timeout=30).status_code == 202
        for _ in range(120):  # the SQS pump runs the chunks
            state = admin.get(f"{url}/campaigns/{cid}", timeout=30).json()
            if state["status"] == "active":
                break
            time.sleep(0.25)
        assert state["status"] == "active" and state["activation"]["targets_created"] == len(expected), state
        assert state["activation"]["chunks_done"] > 1

        agents = [f"agent{i:02d}" for i in range(1, AGENTS + 1)]
        sessions = {a: login(url, a, stack.password) for a in agents}
        until = (datetime.now(IST) + timedelta(hours=2)).isoformat()
        for a in agents:  # no roster here: a supervisor puts them on duty
            r = admin.post(f"{url}/agents/{a}/duty-override", json={"until": until, "reason": "load test"}, timeout=30)
            assert r.status_code == 200, r.text
        floor = Floor()
        stop_at = time.monotonic() + DEADLINE_S
        with ThreadPoolExecutor(AGENTS) as pool:
            for future in [pool.submit(work, url, sessions[a], a, cid, floor, stop_at) for a in agents]:
                future.result()
        worked_s = time.monotonic() - (stop_at - DEADLINE_S)
        print(f"\n35 agents: {floor.leases} leases, {floor.busy} queue_busy answers, worked in {worked_s:.1f} s")
        assert time.monotonic() < stop_at, "the campaign was not worked to the end in time"
        assert floor.errors == [] and floor.double_leases == []

        # every target is finished: nothing left in the queue, nobody holding anything
        targets = list(TargetModel.query(cid))
        assert len(targets) == len(expected) > 200
        assert {t.status for t in targets} <= {"done", "closed"}
        assert all(t.lease_agent is None and t.queue_key is None for t in targets)
        last = sessions[agents[0]].post(f"{url}/campaigns/{cid}/next", timeout=30)
        assert last.status_code == 200 and last.json()["status"] == "nothing_due"
        # no call is lost: the API lists exactly the calls that were answered 201, once each
        listed: dict[str, dict[str, Any]] = {}
        days = sorted({datetime.fromisoformat(b["started_at"]).astimezone(IST).date().isoformat()
                       for b in floor.recorded.values()})
        for agent in agents:
            for day in days:
                cursor = None
                while True:
                    page = sessions[agent].get(f"{url}/me/calls", params={"date": day, "limit": 100,
                                                                          **({"cursor": cursor} if cursor else {})},
                                               timeout=30).json()
                    listed.update({c["call_id"]: c for c in page["items"]})
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
        assert set(listed) == set(floor.recorded)
        assert sum(t.attempts for t in targets) == len(listed)
        # the counters equal the call logs
        progress = admin.get(f"{url}/campaigns/{cid}/progress", timeout=30).json()
        dispositions = Counter(c["disposition"] for c in listed.values())
        assert progress["attempts"] == len(listed) and progress["connects"] == dispositions["connected"]
        assert progress["by_disposition"] == {d: dispositions.get(d, 0) for d in progress["by_disposition"]}
        assert (progress["targets"], progress["completed"], progress["remaining"]) == (len(expected), len(expected), 0)
        connected_booths = {t.unit_id for t in targets if t.outcome == "connected" and t.unit_id in booths}
        coverage = next(c for c in progress["coverage"] if c["level"] == "booth")
        assert (coverage["targeted_units"], coverage["reached_units"]) == (len(booths), len(connected_booths))
        per_agent = Counter(c["agent"] for c in listed.values())
        for agent in agents:
            counted = sum(figures(CounterModel.get(*day_agent(day, agent)))["attempts"]
                          for day in days if CounterModel.count(day_agent(day, agent)[0],
                                                                CounterModel.sk == day_agent(day, agent)[1]))
            assert counted == per_agent.get(agent, 0), agent
        assert floor.leases >= len(expected) and len(per_agent) > AGENTS // 2  # the work was really shared
    assert time.monotonic() - started < 240
