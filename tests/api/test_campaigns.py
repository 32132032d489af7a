"""Campaigns through the API under moto: create (idempotent), list, edit while draft, activate in
chunks through the SQS-triggered function (exact counts, redelivery-safe, twice = once), close."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.campaigns import activation as campaign_activation
from chalicelib.campaigns.routes import ACTIVATION_FUNCTION
from chalicelib.campaigns.store import CampaignModel, TargetModel
from chalicelib.core.settings import get_settings
from chalicelib.reporting.counters import CounterModel, campaign_unit, figures
from tests.api.calling import B1, B2, Clock, add_contacts, campaign_body, create_campaign, ist, run_activation
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist("2026-03-10", "10:00"))


def queued_messages() -> list[dict[str, Any]]:
    """Take every message off the activation queue (the test then plays the trigger)."""
    sqs = boto3.client("sqs", region_name="ap-south-1")
    url = get_settings().activation_queue_url
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def deliver(api: Api, message: dict[str, Any]) -> None:
    event = api.client.events.generate_sqs_event([json.dumps(message)], queue_name="sampark-dev-campaign-activation")
    api.client.lambda_.invoke(ACTIVATION_FUNCTION, event)


def test_create_read_and_list(api: Api, clock: Clock) -> None:
    created = create_campaign(api)
    assert created["status"] == "draft" and created["max_attempts"] == 3
    assert created["retry_delay_minutes"] == 120 and created["calling_hours"] == {"start": "09:00", "end": "21:00"}
    assert created["target"] == {"unit_id": "chw", "level": "district",
                                 "roles": ["booth_committee_member", "booth_president"]}
    got = api.get(f"/campaigns/{created['campaign_id']}", role="agent")
    assert got.status == 200 and got.json == created
    drafts = api.get("/campaigns?status=draft", role="state_leader")
    assert [c["campaign_id"] for c in drafts.json["items"]] == [created["campaign_id"]]
    assert api.get("/campaigns", role="agent").json["items"] == []  # the default list is active campaigns
    assert api.get("/campaigns?status=draft&district=other", role="admin").json["items"] == []
    assert api.get("/campaigns?status=paused").status == 400
    assert api.get("/campaigns/cp_nope").status == 404


def test_list_pages_with_a_cursor(api: Api, clock: Clock) -> None:
    ids = {create_campaign(api, title_en=f"c{i}")["campaign_id"] for i in range(3)}
    first = api.get("/campaigns?status=draft&district=chw&limit=2", role="supervisor").json
    second = api.get(f"/campaigns?status=draft&district=chw&limit=2&cursor={first['next_cursor']}").json
    assert len(first["items"]) == 2 and {c["campaign_id"] for c in first["items"] + second["items"]} == ids
    assert api.get("/campaigns?status=draft&cursor=garbage").status == 400


BAD_CAMPAIGNS = [
    ({"kind": "rally"}, "kind"),
    ({"title_hi": ""}, "title_hi"),
    ({"target": {"unit_id": "chw", "roles": []}}, "target.roles"),
    ({"target": {"unit_id": "chw-a1-m1", "roles": ["assembly_incharge"]}}, "target.roles"),
    ({"target": {"unit_id": "nowhere", "roles": ["booth_president"]}}, "target.unit_id"),
    ({"ends_on": "2026-02-01"}, "ends_on"),
    ({"calling_hours": {"start": "21:00", "end": "09:00"}}, "calling_hours.end"),
    ({"calling_hours": {"start": "9am", "end": "21:00"}}, "calling_hours.start"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"extra": 1}, "extra"),
]


def test_create_refuses_bad_input_and_names_the_field(api: Api, clock: Clock) -> None:
    for change, field in BAD_CAMPAIGNS:
        r = api.post("/campaigns", campaign_body(**change), role="admin")
        assert r.status in (400, 404) and r.error["field"] == field, (change, r.body)
    assert api.get("/campaigns?status=draft").json["items"] == []


def test_create_is_idempotent_on_its_key(api: Api, clock: Clock) -> None:
    headers = {"idempotency-key": "create-campaign-1"}
    first = api.post("/campaigns", campaign_body(), role="admin", headers=headers)
    again = api.post("/campaigns", campaign_body(), role="admin", headers=headers)
    assert (first.status, again.status) == (201, 200) and first.json == again.json
    other = api.post("/campaigns", campaign_body(title_en="Another"), role="admin", headers=headers)
    assert other.status == 409 and other.error["code"] == "idempotency_key_reused"
    assert len(api.get("/campaigns?status=draft").json["items"]) == 1


def test_edit_only_while_draft_and_with_the_current_version(api: Api, clock: Clock) -> None:
    c = create_campaign(api)
    path = f"/campaigns/{c['campaign_id']}"
    edited = api.patch(path, {"version": 1, "max_attempts": 5, "calling_hours": {"start": "10:00", "end": "18:00"},
                              "target": {"unit_id": "chw-a1-m1", "roles": ["booth_president"]}}, role="supervisor")
    assert edited.status == 200, edited.body
    assert edited.json["max_attempts"] == 5 and edited.json["version"] == 2
    assert edited.json["target"]["unit_id"] == "chw-a1-m1" and edited.json["calling_hours"]["end"] == "18:00"
    stale = api.patch(path, {"version": 1, "max_attempts": 4})
    assert stale.status == 409 and stale.error["code"] == "stale_version"
    assert api.patch(path, {"version": 2, "ends_on": "2026-01-01"}).error["field"] == "ends_on"
    assert api.post(f"{path}/activate").status == 202
    late = api.patch(path, {"version": 3, "max_attempts": 4})
    assert late.status == 409 and late.error["code"] == "not_draft"


def test_activation_targets_every_matching_contact_who_has_not_opted_out(api: Api, clock: Clock) -> None:
    members = add_contacts(api, B1, 3) + add_contacts(api, B2, 2, start=10)
    president = add_contacts(api, B2, 1, start=20, role="booth_president")[0]
    kendra = add_contacts(api, "chw-a1-m1-k1", 1, start=30, role="shakti_kendra_incharge")[0]
    assert api.post(f"/contacts/{members[0]}/opt-out", role="admin").status == 200
    c = create_campaign(api)
    r = api.post(f"/campaigns/{c['campaign_id']}/activate", role="admin")
    assert r.status == 202 and r.json["status"] == "activating"
    assert api.post(f"/campaigns/{c['campaign_id']}/next", role="agent").error["code"] == "campaign_activating"
    assert run_activation(api) == 1
    got = api.get(f"/campaigns/{c['campaign_id']}").json
    assert got["status"] == "active" and got["activation"]["state"] == "finished"
    targets = {t.contact_id for t in TargetModel.query(c["campaign_id"])}
    assert targets == set(members[1:]) | {president}  # no opted-out member, no kendra in-charge
    assert kendra not in targets
    district = figures(CounterModel.get(*campaign_unit(c["campaign_id"], "chw")))
    assert (district["targets"], district["targeted_booth"], district["targeted_shakti_kendra"]) == (5, 2, 1)
    assert district["targeted_mandal"] == district["targeted_assembly"] == district["targeted_district"] == 1
    assert figures(CounterModel.get(*campaign_unit(c["campaign_id"], B2)))["targets"] == 3


def test_activation_in_many_chunks_counts_exactly_once_even_when_redelivered(
        api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    add_contacts(api, B1, 4)
    add_contacts(api, B2, 3, start=10)
    monkeypatch.setattr(campaign_activation, "CHUNK_READ", 2)
    c = create_campaign(api)
    cid = c["campaign_id"]
    assert api.post(f"/campaigns/{cid}/activate", role="admin").status == 202
    first = queued_messages()
    assert first == [{"campaign_id": cid, "seq": 0}]
    deliver(api, first[0])
    mid = api.get(f"/campaigns/{cid}").json
    assert mid["status"] == "activating" and mid["activation"]["chunks_done"] == 1
    assert mid["activation"]["targets_created"] == 2 and mid["activation"]["state"] == "running"
    second = queued_messages()
    assert second == [{"campaign_id": cid, "seq": 1}]
    deliver(api, first[0])  # a redelivered, already committed chunk: dropped
    deliver(api, second[0])
    deliver(api, second[0])  # delivered twice (at least once): the second finds the checkpoint moved
    assert queued_messages() == [{"campaign_id": cid, "seq": 2}]
    deliver(api, {"campaign_id": cid, "seq": 2})
    run_activation(api)
    done = api.get(f"/campaigns/{cid}").json
    assert done["status"] == "active" and done["activation"]["targets_created"] == 7
    assert len(list(TargetModel.query(cid))) == 7
    district = figures(CounterModel.get(*campaign_unit(cid, "chw")))
    assert (district["targets"], district["targeted_booth"], district["targeted_shakti_kendra"]) == (7, 2, 1)
    assert figures(CounterModel.get(*campaign_unit(cid, B1)))["targeted_booth"] == 1
    assert figures(CounterModel.get(*campaign_unit(cid, "chw-a1-m1")))["targeted_booth"] == 2


def test_activating_twice_creates_nothing_twice_and_resumes_a_stalled_activation(api: Api, clock: Clock) -> None:
    add_contacts(api, B1, 2)
    cid = create_campaign(api)["campaign_id"]
    assert api.post(f"/campaigns/{cid}/activate").status == 202
    assert api.post(f"/campaigns/{cid}/activate").status == 202  # still activating, not stalled: no new message
    assert queued_messages() == [{"campaign_id": cid, "seq": 0}]  # ...and this one is now lost
    clock.advance(seconds=31)
    assert api.post(f"/campaigns/{cid}/activate").status == 202  # stalled: resumed
    assert run_activation(api) == 1
    assert api.post(f"/campaigns/{cid}/activate").status == 200  # active: nothing to do
    assert queued_messages() == []
    assert len(list(TargetModel.query(cid))) == 2
    assert figures(CounterModel.get(*campaign_unit(cid, "chw")))["targets"] == 2


def test_a_garbled_or_unknown_message_is_dropped(api: Api, clock: Clock) -> None:
    event = api.client.events.generate_sqs_event(["not json", json.dumps({"campaign_id": "cp_x", "seq": 0}),
                                                  json.dumps([1])])
    api.client.lambda_.invoke(ACTIVATION_FUNCTION, event)


def test_close_is_final_and_idempotent(api: Api, clock: Clock) -> None:
    add_contacts(api, B1, 1)
    cid = create_campaign(api)["campaign_id"]
    assert api.post(f"/campaigns/{cid}/activate").status == 202
    run_activation(api)
    closed = api.post(f"/campaigns/{cid}/close", role="supervisor")
    assert closed.status == 200 and closed.json["status"] == "closed" and closed.json["closed_at"]
    assert api.post(f"/campaigns/{cid}/close").json["closed_at"] == closed.json["closed_at"]
    assert api.post(f"/campaigns/{cid}/activate").error["code"] == "campaign_closed"
    assert api.post(f"/campaigns/{cid}/next", role="agent").error["code"] == "campaign_closed"


def test_a_campaign_whose_window_ended_cannot_be_activated(api: Api, clock: Clock) -> None:
    cid = create_campaign(api, starts_on="2026-02-01", ends_on="2026-02-28")["campaign_id"]
    r = api.post(f"/campaigns/{cid}/activate")
    assert r.status == 409 and r.error["code"] == "campaign_ended"
    assert CampaignModel.get(cid).status == "draft"


def test_a_closed_campaign_stops_its_activation(api: Api, clock: Clock, aws: Env,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    add_contacts(api, B1, 3)
    monkeypatch.setattr(campaign_activation, "CHUNK_READ", 1)
    cid = create_campaign(api)["campaign_id"]
    api.post(f"/campaigns/{cid}/activate")
    deliver(api, queued_messages()[0])
    api.post(f"/campaigns/{cid}/close")
    run_activation(api)
    assert len(list(TargetModel.query(cid))) == 1
    assert CampaignModel.get(cid).status == "closed"
