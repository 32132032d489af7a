"""Helpers for the agents, rosters and notification tests: a clock the tests move, agents written
as POST /agents stores them, and what moto's SES and SNS received."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from chalicelib.core import clock
from chalicelib.core.clock import IST, iso
from chalicelib.shifts import agent_store
from chalicelib.shifts.agents import agent_record
from tests.api.conftest import SES_SENDER

REGION = "ap-south-1"


class Clock:
    """Moves `chalicelib.core.clock.now_utc`, which every service reads at call time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.now = start
        monkeypatch.setattr(clock, "now_utc", lambda: self.now)

    def set_ist(self, day: str, hhmm: str) -> None:
        self.now = ist(day, hhmm)

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


def ist(day: str, hhmm: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST)


def phone_of(i: int) -> str:
    return f"+9198{i:08d}"


def put_agents(n: int, supervisors: int = 0, *, phones: bool = True, prefix: str = "agent") -> list[str]:
    """Agents and supervisors as POST /agents stores them (profiles only: the roster needs no login)."""
    now = iso(clock.now_utc())
    people = [(f"{prefix}{i:02d}", "agent") for i in range(1, n + 1)]
    people += [(f"sup{i}", "supervisor") for i in range(1, supervisors + 1)]
    with agent_store.AgentModel.batch_write() as batch:
        for i, (username, role) in enumerate(people, start=1):
            batch.save(agent_record({
                "username": username, "role": role, "name_hi": f"नाम {username}", "name_en": f"Name {username}",
                "email": f"{username}@example.org", "phone": phone_of(i) if phones else None,
                "languages": ["hi", "en"] if i % 2 else ["en", "hi"], "active": True,
            }, "test", now))
    return [u for u, _ in people]


def emails(to: str | None = None) -> list[Any]:
    """Messages SES accepted, optionally only those to one address."""
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert all(m.source == SES_SENDER for m in sent)
    return [m for m in sent if to is None or to in m.destinations.get("ToAddresses", [])]


def sms(to: str | None = None) -> list[tuple[str, str]]:
    """(phone, text) of every SMS SNS published, optionally only those to one number."""
    published = list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())
    return [(phone, text) for phone, text in published if to is None or phone == to]


def roster_lines(api: Any, period: str, role: str = "admin") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        r = api.get(f"/rosters/{period}?limit=100" + (f"&cursor={cursor}" if cursor else ""), role=role)
        assert r.status == 200, r.body
        out.update({line["username"]: line for line in r.json["items"]})
        cursor = r.json["next_cursor"]
        if not cursor:
            return out
