"""Privacy and limits over one end-to-end run of the local stack (`chalice local`, the moto server, the
in-process pumps), as `make run` starts it.

Every path that touches phone numbers is exercised over HTTP (create, list, reveal, lease via /next,
record calls with a number typed into the notes, import with an error report, export with full
phones, roster notices by email and SMS, the day's digests by email and topic). Then every log line
the servers wrote (chalice local's and moto's stdout/stderr, this runner's own log handlers) and every
email, SMS and topic message moto received (its request recorder) is searched for a phone number
(tests/privacy.py). The one place a number may appear is an API response to someone allowed to see it
(the reveal, the agent's call screen, the export file): that is not a log and is not searched.

The same stack proves the limits end to end: a body over 64 KiB is 413 in the error shape and writes
nothing; a page over 100 items is 400; the sixth wrong password in a window is 429 with Retry-After.
"""

from __future__ import annotations

import base64
import csv
import email
import email.policy
import io
import json
import logging
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

import app  # noqa: F401 - first: Chalice adds its own log handler unless the app's logger writes to stdout
from chalicelib.accounts import rules as login_rules
from chalicelib.core.observability import logger as app_logger
from chalicelib.digests.routes import DAY_FUNCTION
from chalicelib.shifts.routes import NOTICES_FUNCTION
from devtools.local_events import handler_invoker
from devtools.local_stack import LocalStack, free_port
from tests.e2e import web_helpers as w
from tests.privacy import phone_numbers, phone_numbers_in_line

OUT = w.OUT / "privacy"
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}
BOOTH = "chw-a1-m01-k1-b1"
# Numbers of this run, written the ways people write them: none may reach a log or a message.
PHONES = ["+91 98111 22334", "098111-22335", "9811122336", "९८१११२२३३७"]
NOTE_PHONE = "98111 22399"  # an agent types a number into the call notes
BIG = 64 * 1024


class CapturingStack(LocalStack):
    """The local stack with each server's stdout and stderr written to a file of its own."""

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        OUT.mkdir(parents=True, exist_ok=True)
        log = open(OUT / f"{'chalice' if name == 'api' else name}.log", "wb")  # noqa: SIM115 - closed when the process is reaped
        proc = subprocess.Popen(args, cwd=w.ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc


class Tee(io.TextIOBase):
    """A log stream that keeps what it is given and passes it on."""

    def __init__(self, onward: Any) -> None:
        self.onward, self.kept = onward, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return int(self.onward.write(text))

    def flush(self) -> None:
        self.onward.flush()


@dataclass
class Run:
    stack: LocalStack
    admin: w.Client
    responses: dict[str, Any] = field(default_factory=dict)
    runner_log: str = ""
    recorded: list[dict[str, Any]] = field(default_factory=list)


def login(url: str, username: str, password: str) -> requests.Response:
    return requests.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=30)


def poll(client: w.Client, path: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        view: dict[str, Any] = client.call("GET", path)
        if view["status"] in ("done", "failed"):
            return view
        time.sleep(0.3)
    raise AssertionError(f"{path} not done within {seconds} s")


def exercise(run: Run) -> None:
    stack, admin, url = run.stack, run.admin, run.stack.api_url
    # contacts: created (one refused as a duplicate, one as a bad number), listed, revealed
    ids = []
    for i, phone in enumerate(PHONES):
        body = {"unit_id": BOOTH, "role": "panna_pramukh", "name_hi": f"परीक्षण {i}", "name_en": f"Test {i}",
                "phone": phone, "consent": {"source": "party_register", "purpose": "party outreach"}}
        ids.append(admin.call("POST", "/contacts", body, expect=201)["contact_id"])
    duplicate = {**body, "phone": "+919811122336"}
    assert admin.call("POST", "/contacts", duplicate, expect=409)["error"]["code"] == "duplicate_phone"
    admin.call("POST", "/contacts", {**body, "phone": "98111 2233"}, expect=400)
    listed = admin.call("GET", f"/units/{BOOTH}/contacts?limit=100")
    assert len(listed["items"]) >= len(PHONES)
    assert not phone_numbers(json.dumps(listed, ensure_ascii=False)), "a list shows a full number"
    revealed = admin.call("GET", f"/contacts/{ids[0]}?reveal=true")
    assert revealed["phone"] == "+919811122334"  # the one place a full number is allowed: not a log
    # a campaign on the booth, an agent on duty leasing through /next and recording the calls
    campaign_id = w.create_active(admin, w.campaign_body("Privacy run", BOOTH, roles=("panna_pramukh",)))
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    admin.call("POST", "/agents/agent01/duty-override", {"until": until, "reason": "privacy capture"})
    agent = w.Client(url, "agent01", stack.password)
    leased = 0
    for n in range(len(PHONES) + 3):
        screen = agent.call("POST", f"/campaigns/{campaign_id}/next")
        if screen["status"] != "leased":
            break
        leased += 1
        assert screen["contact"]["phone"].startswith("+91")  # revealed to the agent who calls
        disposition = "callback_requested" if n == 1 else "connected"
        call = {"call_id": str(uuid.uuid4()), "campaign_id": campaign_id,
                "contact_id": screen["contact"]["contact_id"], "disposition": disposition,
                "started_at": (datetime.now(UTC) - timedelta(seconds=40)).isoformat(), "duration_s": 35,
                "notes": f"दूसरा नंबर {NOTE_PHONE} / other number {NOTE_PHONE}"}
        if disposition == "connected":
            call["answers"] = {"received": True}
        else:
            call["callback_at"] = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        agent.call("POST", "/calls", call, expect=201)
    assert leased >= len(PHONES)
    # an import with rejected rows (its error report names them), an export with full phones
    rows = [["नाम", "मोबाइल", "भूमिका", "बूथ"], ["Imported", "+91 98111 22340", "panna_pramukh", BOOTH],
            ["Bad", "98111 2234", "panna_pramukh", BOOTH], ["Again", "9811122334", "panna_pramukh", BOOTH],
            ["Nowhere", "9811122341", "panna_pramukh", "chw-z9"]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8-sig")
    job = admin.session.post(f"{url}/imports", json={"kind": "contacts", "filename": "more.csv", "size": len(data)},
                             headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30)
    assert job.status_code in (200, 201, 202), job.text
    assert requests.put(job.json()["upload"]["url"], data=data, timeout=30).status_code < 300
    view = poll(admin, f"/imports/{job.json()['import_id']}")
    assert view["status"] == "done" and view["counts"]["rejected"] >= 2, view
    report = requests.get(view["report_url"], timeout=30)
    assert report.status_code == 200 and "not a valid" in report.content.decode("utf-8-sig")
    export = admin.session.post(f"{url}/exports", json={"kind": "contacts", "unit_id": BOOTH, "full_phones": True},
                                headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30)
    assert export.status_code in (200, 201, 202), export.text
    done = poll(admin, f"/exports/{export.json()['export_id']}")
    assert done["status"] == "done", done
    # roster notices (email and SMS to agents) and the day's digests (email and topics)
    admin.call("POST", "/rosters/current/generate", {}, expect=(200, 201))
    settings = admin.call("GET", "/settings/digests")
    admin.call("PUT", "/settings/digests", {"version": settings["version"], "audiences": {
        "district": {"recipients": ["district@example.org"]}, "state": {"recipients": ["state@example.org"]},
        "central": {"recipients": ["central@example.org"]}}})
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "000000000000", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "region": "ap-south-1", "resources": [], "detail": {}}
    notices = handler_invoker(NOTICES_FUNCTION)(event)  # roster notices go out from their schedule, not the request
    assert notices["finished"] == 1 and sum(notices["messages"].values()) > 0, notices
    sent = handler_invoker(DAY_FUNCTION)(event)  # the schedule's function, middleware included, in this runner
    assert sent, sent
    run.responses["digest"] = sent


def limits(run: Run) -> None:
    admin, url = run.admin, run.stack.api_url
    before = admin.call("GET", f"/units/{BOOTH}/contacts?limit=100")["items"]
    body = {"unit_id": BOOTH, "role": "panna_pramukh", "name_hi": "बड़ा", "name_en": "Big",
            "phone": "9811122350", "consent": {"source": "party_register", "purpose": "x" * BIG}}
    raw = json.dumps(body).encode()
    assert len(raw) > BIG
    key = uuid.uuid4().hex
    r = admin.session.post(f"{url}/contacts", data=raw, timeout=30,
                           headers={"content-type": "application/json", "Idempotency-Key": key})
    assert r.status_code == 413, r.text
    error = r.json()["error"]
    assert error["code"] == "payload_too_large" and set(error) >= {"code", "message", "field"}
    after = admin.call("GET", f"/units/{BOOTH}/contacts?limit=100")["items"]
    assert after == before  # nothing was written
    small = {**body, "consent": {"source": "party_register", "purpose": "party outreach"}}
    created = admin.session.post(f"{url}/contacts", json=small, timeout=30, headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text  # the key was not spent by the refused request
    too_long = admin.session.get(f"{url}/units/{BOOTH}/contacts?limit=101", timeout=30)
    assert too_long.status_code == 400 and too_long.json()["error"]["field"] == "limit"
    # the sign-in throttle, per (username, address): chalice local gives every request 127.0.0.1
    for _ in range(login_rules.PAIR_FAILURE_LIMIT):
        assert login(url, "agent70", "not-the-password").status_code == 401
    refused = login(url, "agent70", run.stack.password)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"
    assert 1 <= int(refused.headers["Retry-After"]) <= login_rules.WINDOW_S
    assert login(url, "agent69", run.stack.password).status_code == 200


def recorded_messages(entries: list[dict[str, Any]]) -> tuple[list[str], dict[str, int]]:
    """The text of every email (SES) and SMS or topic message (SNS) moto received, and their counts."""
    texts: list[str] = []
    kinds: dict[str, int] = {}
    for entry in entries:
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        if "Action=" not in body:
            continue
        params = {k: v[0] for k, v in parse_qs(body).items()}
        action = params.get("Action", "")
        if action == "SendRawEmail":
            message = email.message_from_bytes(base64.b64decode(params["RawMessage.Data"]), policy=email.policy.default)
            texts.append(str(message["Subject"]))
            texts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
        elif action == "SendEmail":
            texts += [v for k, v in params.items() if k.startswith("Message.")]
        elif action == "Publish":
            # PhoneNumber is the SMS's destination, not its text
            texts += [params.get("Message", ""), params.get("Subject", "")]
            action = "Sms" if "PhoneNumber" in params else "Topic"
        else:
            continue
        kinds[action] = kinds.get(action, 0) + 1
    return texts, kinds


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    OUT.mkdir(parents=True, exist_ok=True)
    recording = OUT / "moto-recording.jsonl"
    recording.unlink(missing_ok=True)
    level = app_logger.log_level
    app_logger.setLevel("INFO")  # as the functions log (.chalice/config.json); the suite runs at WARNING
    tees = []
    for handler in app_logger.handlers:  # this runner's own log lines (the pumps run in this process)
        if isinstance(handler, logging.StreamHandler):
            tee = Tee(handler.stream)
            handler.setStream(tee)
            tees.append((handler, tee))
    try:
        with w.environment_restored():
            os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
            stack = CapturingStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE)
            with stack:
                requests.post(f"{stack.endpoint}/moto-api/recorder/start-recording", timeout=10).raise_for_status()
                result = Run(stack, w.Client(stack.api_url, "admin", stack.password))
                exercise(result)
                limits(result)
                requests.post(f"{stack.endpoint}/moto-api/recorder/stop-recording", timeout=10).raise_for_status()
            result.recorded = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    finally:
        app_logger.setLevel(level)
        for handler, tee in tees:
            handler.setStream(tee.onward)
        recording.unlink(missing_ok=True)  # it holds the requests' bodies, phones included: not kept
    result.runner_log = "".join(tee.kept.getvalue() for _, tee in tees)
    (OUT / "runner.log").write_text(result.runner_log, encoding="utf-8")
    yield result


def test_no_phone_number_in_any_log_line(run: Run) -> None:
    logs = {name: (OUT / f"{name}.log").read_text(encoding="utf-8", errors="replace") for name in ("chalice", "moto")}
    logs["runner"] = run.runner_log
    assert all(logs.values()), {k: len(v) for k, v in logs.items()}
    assert '"POST /calls' in logs["chalice"] and "/contacts" in logs["chalice"]  # the servers did log the run
    assert "job finished" in logs["runner"]  # and so did the functions the pumps ran in this process
    leaks = [(name, line[:300], phone_numbers_in_line(line)) for name, text in logs.items()
             for line in text.splitlines() if phone_numbers_in_line(line)]
    assert not leaks, json.dumps(leaks[:20], ensure_ascii=False, indent=1)
    lines = sum(len(text.splitlines()) for text in logs.values())
    print(f"\nprivacy capture: {lines} log lines searched, no phone number")


def test_no_phone_number_in_any_email_sms_or_topic_message(run: Run) -> None:
    texts, kinds = recorded_messages(run.recorded)
    # The recorder saw at least every message the digests say they sent (moto's /moto-api/data.json
    # cannot be read here: in moto 5.2.5 it fails once S3 holds objects, on an S3 key's `status`).
    outcomes = {k: v for result in run.responses["digest"] for k, v in result["outcomes"].items()}
    emails = sum(1 for k, v in outcomes.items() if k.endswith("#email") and v == "sent")
    topics = sum(1 for k, v in outcomes.items() if k.endswith("#sns") and v == "sent")
    assert emails >= 3 and topics >= 3, outcomes
    assert kinds.get("SendRawEmail", 0) >= emails and kinds.get("Topic", 0) >= topics, kinds
    leaks = [(text[:300], phone_numbers(text)) for text in texts if phone_numbers(text)]
    assert not leaks, json.dumps(leaks[:20], ensure_ascii=False, indent=1)
    print(f"\nprivacy capture: messages searched {kinds}, no phone number")


def test_the_capture_sees_numbers_where_they_belong(run: Run) -> None:
    """A control: the same capture and detector find this run's numbers in the DynamoDB writes moto
    received (where they are stored), so an empty finding above is not a blind search."""
    stored: set[str] = set()
    for entry in run.recorded:
        target = entry.get("headers", {}).get("X-Amz-Target", "")
        if target.startswith("DynamoDB_") and ("PutItem" in target or "TransactWriteItems" in target):
            body = base64.b64decode(entry["body"]).decode() if entry.get("body_encoded") else entry["body"]
            stored.update(re.sub(r"\D", "", hit)[-10:] for hit in phone_numbers(body))
    assert {"9811122334", "9811122335", "9811122336", "9811122337"} <= stored, sorted(stored)[:20]


def test_the_throttle_logs_a_hash_never_the_username(run: Run) -> None:
    throttled = [line for line in (OUT / "chalice.log").read_text(encoding="utf-8").splitlines()
                 if "sign-in throttled" in line]
    assert throttled and not any("agent70" in line for line in throttled)
    assert json.loads(throttled[0])["subject"] == login_rules.subject("agent70")
