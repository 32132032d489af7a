"""Erasure reaches everything that holds the person (issue 14, B.6): one contact who was revealed,
called, escalated to, reported on and verified, exported three ways and named in an import's error
report is erased; then no DynamoDB item, no S3 object and no log line holds their id, phone or
names, every file that held them answers 410 `withdrawn`, and a file that did not hold them is kept.
The stores are searched in moto's memory (a Scan would fail the suite)."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib.core.observability import SERVICE, logger
from chalicelib.followup import rules as followup_rules
from chalicelib.followup.store import EscalationModel
from chalicelib.imports.holdings import FileHoldingModel
from chalicelib.org.store import AuditModel
from devtools.moto_local import patched
from tests.api.bulk import REGION, report_rows, run_import, run_jobs
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env, contact_body

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
K1 = "chw-a1-m1-k1"
PHONE, PHONE_E164 = "9123456789", "+919123456789"
NAME_HI, NAME_EN = "ज़ोरावर क़ादरी", "Zorawar Qadri"
QUESTIONS = [{"id": "meeting_held", "kind": "yes_no", "text_hi": "क्या बैठक हुई?", "text_en": "Was the meeting held?",
              "required": True, "verifiable": True}]


@pytest.fixture(autouse=True)
def transactions_at_real_cost() -> Iterator[None]:
    with patched():
        yield


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Every line the app logs during the test, formatted as in Lambda (JSON, phones masked)."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    source = logger.handlers[0]
    handler.setFormatter(source.formatter)
    for f in source.filters:
        handler.addFilter(f)
    std = logging.getLogger(SERVICE)  # the logging.Logger under Powertools' Logger
    level = std.level
    std.setLevel(logging.DEBUG)  # every line the app could write, as with a verbose stage
    std.addHandler(handler)
    yield sink
    std.removeHandler(handler)
    std.setLevel(level)


def traces(person: str) -> list[str]:
    return [person, person[3:], PHONE, PHONE_E164, NAME_HI, NAME_EN, "Zorawar", "ज़ोरावर"]


def dynamodb_items() -> Iterator[tuple[str, dict[str, Any]]]:
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
    for name, table in backend.tables.items():
        for item in table.all_items():
            yield name, item.to_json()["Attributes"]


def s3_objects() -> Iterator[tuple[str, bytes]]:
    s3, bucket = boto3.client("s3", region_name=REGION), os.environ["SAMPARK_BULK_BUCKET"]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            yield obj["Key"], s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()


def holding(text: str, person: str) -> list[str]:
    return [t for t in traces(person) if t in text]


def start_export(api: Api, body: dict[str, Any], key: str) -> str:
    r = api.post("/exports", body, headers={"idempotency-key": key})
    assert r.status == 202, r.body
    return str(r.json["export_id"])


def test_erasure_leaves_no_item_object_or_log_line_with_the_person(
        api: Api, aws: Env, clock: Clock, log_text: io.StringIO) -> None:
    on_duty("agent01", "agent02")
    agent, verifier = aws.user("agent01", "agent"), aws.user("agent02", "agent")
    booth = add_contacts(api, B1, 1)[0]
    bystander = add_contacts(api, B2, 1, role="panna_pramukh")[0]  # not a target of the campaign
    made = api.post("/contacts", contact_body(K1, phone=PHONE, role="shakti_kendra_incharge", name_hi=NAME_HI,
                                              name_en=NAME_EN))
    assert made.status == 201, made.body
    person = made.json["contact_id"]

    # called: booth 1 cannot be reached, so the unit is escalated to the person, who answers and reports
    cid = active_campaign(api, max_attempts=1, questions=QUESTIONS,
                          verification={"rate": 1, "seed": "s"})["campaign_id"]
    for _ in range(3):
        screen = next_call(api, cid, agent).json
        if screen["status"] != "leased":
            break
        contact = screen["contact"]["contact_id"]
        disposition = "switched_off" if contact == booth else "connected"
        extra = {"answers": {"meeting_held": True}} if disposition == "connected" else {}
        notes = f"{NAME_EN} से बात हुई" if contact == person else "फ़ोन बंद"  # free text about others: not findable
        body = call_body(cid, contact, disposition, notes=notes, **extra)
        assert api.post("/calls", body, token=agent).status == 201
        clock.advance(minutes=2)
    (escalation,) = list(EscalationModel.query(cid))
    assert escalation.incharge_contact_id == person
    # ... and another agent verifies the report: the reporter counter is keyed by the person
    vid = followup_rules.verification_campaign_id(cid)
    screen = next_call(api, vid, verifier).json
    assert screen["contact"]["contact_id"] == person, screen
    verified = api.post("/calls", call_body(vid, person, "connected", answers={"meeting_held": False}), token=verifier)
    assert verified.status == 201 and verified.json["verification"]["discrepant"] is True

    # seen: the full number revealed, the call history read (both audited)
    assert api.get(f"/contacts/{person}?reveal=true", role="supervisor").json["phone"] == PHONE_E164
    assert len(api.get(f"/contacts/{person}/calls", role="supervisor").json["items"]) == 2  # report, check
    # exported three ways, and an export that never held the person
    exports = [start_export(api, {"kind": "contacts", "unit_id": "chw", "full_phones": True}, "erase-x-1"),
               start_export(api, {"kind": "campaign_results", "unit_id": "chw", "campaign_id": cid}, "erase-x-2"),
               start_export(api, {"kind": "call_logs", "unit_id": "chw", "from": DAY, "to": DAY}, "erase-x-3")]
    kept = start_export(api, {"kind": "contacts", "unit_id": B2}, "erase-x-4")
    run_jobs()
    for export_id in exports:
        view = api.get(f"/exports/{export_id}").json
        body = requests.get(view["download_url"], timeout=10).content.decode("utf-8-sig")
        assert person in body and NAME_EN in body, export_id
    # named in an import's error report (the role does not fit the unit)
    csv = (f"name,phone,role,booth\r\n{NAME_EN},{PHONE},booth_president,{K1}\r\n"
           f"New Worker,9123400000,panna_pramukh,{B2}\r\n")
    imported = run_import(api, "contacts", csv.encode())
    assert imported["counts"]["rejected"] == 1 and imported["counts"]["created"] == 1
    assert report_rows(imported)[1][:2] == ["2", "role"]
    assert {h.file_ref.split("#")[0] for h in FileHoldingModel.query(person)} == {"export", "import"}
    before = [name for name, item in dynamodb_items() if holding(json.dumps(item, ensure_ascii=False), person)]
    assert {"contacts", "phones", "calls", "call_targets", "escalations", "counters", "audit",
            "file_holdings"} <= {n.rsplit("-", 1)[-1] for n in before}, before  # the test sees what it must

    erased = api.delete(f"/contacts/{person}")
    assert erased.status == 200 and erased.json["files_withdrawn"] == 4, erased.body

    for export_id in exports:
        gone = api.get(f"/exports/{export_id}")
        assert gone.status == 410 and gone.error["code"] == "withdrawn" and gone.error["field"] == "export_id"
    withdrawn = api.get(f"/imports/{imported['import_id']}")
    assert withdrawn.status == 410 and withdrawn.error["code"] == "withdrawn"
    still = api.get(f"/exports/{kept}").json
    assert still["status"] == "done" and bystander in requests.get(still["download_url"], timeout=10).text
    left = {f"dynamodb {name}: {holding(json.dumps(item, ensure_ascii=False), person)}"
            for name, item in dynamodb_items() if holding(json.dumps(item, ensure_ascii=False), person)}
    left |= {f"s3 {key}: {holding(body.decode('utf-8', 'replace'), person)}"
             for key, body in s3_objects() if holding(body.decode("utf-8", "replace"), person)}
    assert "export done" in log_text.getvalue()  # the app's log lines are seen
    left |= {f"log: {line[:200]}" for line in log_text.getvalue().splitlines() if holding(line, person)}
    assert not left, sorted(left)
    # the escalation stays (the unit was escalated) without its in-charge; who saw what stays readable
    (escalation,) = list(EscalationModel.query(cid))
    assert escalation.incharge_contact_id is None and escalation.status == "resolved"
    trail = [e for e in api.get("/audit?actor=user-supervisor").json["items"] if e["action"] != "duty_override"]
    assert {e["action"] for e in trail} == {"phone_revealed", "call_history_read"}
    assert len({e["subject"] for e in trail}) == 1 and trail[0]["subject"].startswith("erased#")
    assert "erased" in [a.action for a in AuditModel.query(trail[0]["subject"])]
    assert api.delete(f"/contacts/{person}").status == 404


def test_an_export_running_when_its_person_is_erased_keeps_no_part_of_them(api: Api) -> None:
    """The part being written when the erasure withdraws the export is deleted by its own worker, and
    no link is handed out: the erasure either found the part's holdings or the worker saw the contact gone."""
    person = api.post("/contacts", contact_body(K1, phone=PHONE, role="shakti_kendra_incharge",
                                                name_en=NAME_EN)).json["contact_id"]
    export_id = start_export(api, {"kind": "contacts", "unit_id": "chw", "full_phones": True}, "erase-race-1")
    # the erasure comes between the worker's read of the page and its write of the part
    from chalicelib.exports import worker as export_worker

    original = export_worker._without_erased

    def erased_meanwhile(item: Any, rows: list[list[Any]]) -> list[list[Any]]:
        kept = original(item, rows)  # holdings recorded, contacts read again: the person is still there
        assert api.delete(f"/contacts/{person}").status == 200
        return kept

    export_worker._without_erased = erased_meanwhile  # type: ignore[assignment]
    try:
        run_jobs()
    finally:
        export_worker._without_erased = original  # type: ignore[assignment]
    assert api.get(f"/exports/{export_id}").status == 410
    assert [key for key, _ in s3_objects() if key.startswith(f"exports/{export_id}")] == []
    assert list(FileHoldingModel.query(person)) == []


def test_a_person_erased_while_an_import_reports_on_them_keeps_no_holding(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The erasure comes after the chunk read the person's phone claim and before it recorded the report's
    row about them: the erasure finds nothing to withdraw, so the chunk, reading the person again, drops
    the holding and the row's value itself."""
    from chalicelib.imports import holdings

    person = api.post("/contacts", contact_body(K1, phone=PHONE, role="shakti_kendra_incharge",
                                                name_en=NAME_EN)).json["contact_id"]
    original = holdings.record

    def erased_first(ref: str, contact_ids: list[str]) -> None:
        if person in contact_ids:
            assert api.delete(f"/contacts/{person}").status == 200
        original(ref, contact_ids)

    monkeypatch.setattr(holdings, "record", erased_first)
    csv = f"name,phone,role,booth\r\n{NAME_EN},{PHONE},{NAME_EN},{K1}\r\n"  # the role cell holds the name
    view = run_import(api, "contacts", csv.encode())
    assert view["status"] == "done" and view["counts"]["rejected"] == 1
    assert report_rows(view)[1][:3] == ["2", "role", ""]
    assert list(FileHoldingModel.query(person)) == []
    left = [name for name, item in dynamodb_items() if holding(json.dumps(item, ensure_ascii=False), person)]
    assert left == []
