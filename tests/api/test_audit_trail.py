"""The audit trail can be read (issue 14, C.17): a contact's trail and a person's trail between two
dates, admin only, paged with the opaque cursor; reads of call history and notes (a contact's calls,
call-log and campaign-result exports) are audited as reveals are."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.org.store import AuditModel
from tests.api.calling import B1, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist("2026-03-10", "10:00"))


def pages(api: Api, path: str, limit: int) -> list[list[dict[str, Any]]]:
    out, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        r = api.get(f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        out.append(r.json["items"])
        cursor = r.json["next_cursor"]
        if not cursor:
            return out


def test_a_contacts_trail_lists_reveals_and_history_reads_newest_first(api: Api, clock: Clock) -> None:
    contact = add_contacts(api, B1, 1)[0]
    assert api.get(f"/contacts/{contact}?reveal=true", role="supervisor").status == 200
    clock.advance(minutes=5)
    assert api.get(f"/contacts/{contact}/calls", role="supervisor").status == 200
    clock.advance(minutes=5)
    assert api.get(f"/contacts/{contact}?reveal=true").status == 200
    trail = pages(api, f"/contacts/{contact}/audit", 2)
    assert [len(p) for p in trail] == [2, 1]
    flat = [e for p in trail for e in p]
    assert [(e["actor"], e["action"]) for e in flat] == [
        ("user-admin", "phone_revealed"), ("user-supervisor", "call_history_read"),
        ("user-supervisor", "phone_revealed")]
    assert flat[0]["at"] == "2026-03-10T04:40:00.000Z" and flat[0]["subject"] == f"contact#{contact}"
    for role in ("supervisor", "agent", "state_leader"):
        assert api.get(f"/contacts/{contact}/audit", role=role).status == 403
    assert api.get("/contacts/ct_00000000000000000000000000/audit").status == 404
    assert api.get(f"/contacts/{contact}/audit?cursor=bogus").error["field"] == "cursor"
    assert api.get(f"/contacts/{contact}/audit?limit=101").status == 400
    # an id that names no contact: nothing to read, nothing audited
    assert api.get("/contacts/ct_00000000000000000000000000/calls", role="supervisor").json["items"] == []
    assert list(AuditModel.query("contact#ct_00000000000000000000000000")) == []


def test_a_persons_trail_between_two_days(api: Api, clock: Clock) -> None:
    contact = add_contacts(api, B1, 1)[0]
    for day in ("2026-03-08", "2026-03-09", "2026-03-10"):
        clock.set_ist(day, "23:30")  # late in the IST evening: 18:00 UTC of the same day
        assert api.get(f"/contacts/{contact}?reveal=true", role="supervisor").status == 200
    r = api.get("/audit?actor=user-supervisor&from=2026-03-09&to=2026-03-10")
    assert r.status == 200, r.body
    assert [e["at"] for e in r.json["items"]] == ["2026-03-10T18:00:00.000Z", "2026-03-09T18:00:00.000Z"]
    one_day = api.get("/audit?actor=user-supervisor&from=2026-03-09&to=2026-03-09").json["items"]
    assert [e["at"] for e in one_day] == ["2026-03-09T18:00:00.000Z"]  # 23:30 IST on the 9th: that IST day
    instants = api.get("/audit?actor=user-supervisor&from=2026-03-09T00:00:00%2B05:30&to=2026-03-10T18:00:00Z")
    assert [e["at"] for e in instants.json["items"]] == ["2026-03-09T18:00:00.000Z"]  # `to` is exclusive
    assert [len(p) for p in pages(api, "/audit?actor=user-supervisor", 2)] == [2, 1]
    assert api.get("/audit?actor=user-admin").json["items"] == []
    for query, field in (("actor=user-supervisor&from=2026-02-30", "from"),
                         ("actor=user-supervisor&to=9999-12-31", "to"),
                         ("actor=user-supervisor&from=0001-01-01", "from"),
                         ("actor=user-supervisor&from=2026-03-10T10:00:00", "from"),  # no offset
                         ("actor=user-supervisor&from=2026-03-10&to=2026-03-09", "to"),
                         ("from=2026-03-10", "actor"),
                         ("actor=a%20b", "actor")):
        bad = api.get(f"/audit?{query}")
        assert bad.status == 400 and bad.error["field"] == field, (query, bad.body)
    assert api.get("/audit?actor=user-supervisor", role="supervisor").status == 403


def test_exports_of_call_history_are_audited_before_they_run(api: Api, aws: Env, clock: Clock) -> None:
    on_duty("agent01")
    token = aws.user("agent01", "agent")
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api)["campaign_id"]
    assert next_call(api, cid, token).json["contact"]["contact_id"] == contact
    assert api.post("/calls", call_body(cid, contact, "connected"), token=token).status == 201
    logs = api.post("/exports", {"kind": "call_logs", "unit_id": "chw", "from": "2026-03-10", "to": "2026-03-10"},
                    headers={"idempotency-key": "audit-export-1"})
    results = api.post("/exports", {"kind": "campaign_results", "unit_id": "chw", "campaign_id": cid},
                       headers={"idempotency-key": "audit-export-2"})
    masked = api.post("/exports", {"kind": "contacts", "unit_id": "chw"}, headers={"idempotency-key": "audit-export-3"})
    assert logs.status == results.status == masked.status == 202
    mine = {e["subject"]: e for e in api.get("/audit?actor=user-admin").json["items"]}
    assert mine[f"export#{logs.json['export_id']}"]["action"] == "call_logs_exported"
    assert "2026-03-10" in mine[f"export#{logs.json['export_id']}"]["detail"]
    assert mine[f"export#{results.json['export_id']}"]["action"] == "call_notes_exported"
    assert f"export#{masked.json['export_id']}" not in mine  # masked contacts: no notes, no numbers
    again = api.post("/exports", {"kind": "call_logs", "unit_id": "chw", "from": "2026-03-10", "to": "2026-03-10"},
                     headers={"idempotency-key": "audit-export-1"})
    assert again.status == 200 and len(list(AuditModel.query(f"export#{logs.json['export_id']}"))) == 1
