"""Helpers shared by the campaign and call tests: a clock the tests move, contacts, campaigns, and
running an activation through the SQS-triggered function as Lambda would."""

from __future__ import annotations

import uuid
import zlib
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.campaigns.routes import ACTIVATION_FUNCTION
from chalicelib.core import clock
from chalicelib.core.clock import IST, iso
from chalicelib.core.settings import get_settings
from chalicelib.reporting.counters import CounterModel, campaign_unit, figures
from chalicelib.shifts import agent_store, overrides
from chalicelib.shifts.agents import agent_record
from devtools.local_events import drain
from tests.api.conftest import Api, Env, contact_body

B1, B2 = "chw-a1-m1-k1-b1", "chw-a1-m1-k1-b2"


class Clock:
    """Moves `chalicelib.core.clock.now_utc`, which every service reads at call time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.now = start
        monkeypatch.setattr(clock, "now_utc", lambda: self.now)

    def set_ist(self, day: str, hhmm: str) -> None:
        self.now = datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST)

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


def ist(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST)


def add_contacts(api: Api, unit_id: str, count: int, *, start: int = 0, role: str = "booth_committee_member",
                 language: str = "hi") -> list[str]:
    ids = []
    for i in range(start, start + count):
        body = contact_body(unit_id, phone=f"98{zlib.crc32(unit_id.encode()) % 100:02d}{i:06d}", role=role,
                            language=language)
        r = api.post("/contacts", body)
        assert r.status == 201, r.body
        ids.append(r.json["contact_id"])
    return ids


def campaign_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "title_hi": "किसान सम्मान निधि", "title_en": "Farmer support scheme",
        "script_hi": "नमस्ते, हम पार्टी कार्यालय से बोल रहे हैं।", "script_en": "Hello, this is the party office.",
        "kind": "scheme",
        "questions": [
            {"id": "received", "kind": "yes_no", "text_hi": "क्या सूचना मिली?", "text_en": "Was it received?",
             "required": True},
            {"id": "households", "kind": "number", "text_hi": "कितने परिवार?", "text_en": "How many households?",
             "min": 0, "max": 500},
            {"id": "mood", "kind": "choice", "text_hi": "माहौल?", "text_en": "Mood?",
             "choices": [{"value": "good", "label_hi": "अच्छा", "label_en": "Good"},
                         {"value": "poor", "label_hi": "खराब", "label_en": "Poor"}]},
        ],
        "target": {"unit_id": "chw", "roles": ["booth_committee_member", "booth_president"]},
        "starts_on": "2026-03-01", "ends_on": "2026-03-31",
    }
    body.update(overrides)
    return body


def create_campaign(api: Api, **overrides: Any) -> dict[str, Any]:
    r = api.post("/campaigns", campaign_body(**overrides), role="supervisor")
    assert r.status == 201, r.body
    return dict(r.json)


def run_activation(api: Api) -> int:
    """Deliver every queued activation message to the function, as the SQS trigger would."""
    sqs = boto3.client("sqs", region_name="ap-south-1")
    settings = get_settings()
    return drain(sqs, settings.activation_queue_url, settings.region,
                 lambda event: api.client.lambda_.invoke(ACTIVATION_FUNCTION, event))


def active_campaign(api: Api, **overrides: Any) -> dict[str, Any]:
    campaign = create_campaign(api, **overrides)
    r = api.post(f"/campaigns/{campaign['campaign_id']}/activate", role="admin")
    assert r.status == 202, r.body
    run_activation(api)
    got = api.get(f"/campaigns/{campaign['campaign_id']}", role="supervisor")
    assert got.json["status"] == "active", got.body
    return dict(got.json)


def agent_token(aws: Env, name: str) -> str:
    return aws.user(name, "agent")


def next_call(api: Api, campaign_id: str, token: str) -> Any:
    return api.post(f"/campaigns/{campaign_id}/next", token=token)


def call_body(campaign_id: str, contact_id: str, disposition: str = "connected", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"call_id": str(uuid.uuid4()), "campaign_id": campaign_id, "contact_id": contact_id,
                            "disposition": disposition, "started_at": iso(clock.now_utc() - timedelta(minutes=2)),
                            "duration_s": 95, "notes": "बात हुई"}
    if disposition == "connected":
        body["answers"] = {"received": True, "households": 12}
    body.update(extra)
    return body


def on_duty(*usernames: str) -> None:
    """Put agents on duty as a supervisor does when they have no roster: an agent profile (unless
    there is one) and a duty override for the next 7 days of the clock (POST /next refuses agents
    who are not on duty). Call it after the test's clock is set."""
    now = clock.now_utc()
    for username in usernames:
        if agent_store.get_agent(username) is None:
            agent_record({"username": username, "role": "agent", "name_hi": username, "name_en": username,
                          "email": f"{username}@example.org", "phone": None, "languages": ["hi"], "active": True},
                         "test", iso(now)).save()
        overrides.set_override("user-supervisor", username,
                          {"until": iso(now + timedelta(days=7, minutes=-1)), "reason": "no roster in this test"})


def agents_on_duty(aws: Env, *usernames: str) -> dict[str, str]:
    """Agents signed in and put on duty (`on_duty`): their tokens by username. After the clock is set."""
    on_duty(*usernames)
    return {name: aws.user(name, "agent") for name in usernames}


def all_time(campaign_id: str, unit_id: str = "chw") -> dict[str, int]:
    """A campaign's all-time counters for one unit (zeros before its first call there)."""
    try:
        return figures(CounterModel.get(*campaign_unit(campaign_id, unit_id)))
    except CounterModel.DoesNotExist:
        return figures(None)
