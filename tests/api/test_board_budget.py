"""GET /board in at most 8 DynamoDB calls whatever the number of agents and campaigns (issue 18, point 3),
as the suite's recorder counts them (tests/conftest.py), and a board of 1,000 agents paged 100 at a
time with the states and figures of everyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.board import service as board_service
from chalicelib.board import store as board_store
from chalicelib.followup.store import EscalationModel, escalate
from chalicelib.reporting import counters
from chalicelib.reporting.counters import CounterModel
from tests.api.calling import B1, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env
from tests.api.shifts_support import put_agents
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-09"  # a Monday: the first day of a roster period
BUDGET = 8


@pytest.fixture(autouse=True)
def _fresh_lines() -> Iterator[None]:
    board_store.forget_lines()
    yield
    board_store.forget_lines()


def board_calls(api: Api, params: str = "") -> tuple[dict[str, Any], int]:
    """One GET /board and the DynamoDB calls it made."""
    before = set(RECORDER.per_request)
    r = api.get(f"/board{params}", role="supervisor")
    assert r.status == 200, r.body
    (ops,) = [ops for key, ops in RECORDER.per_request.items() if key not in before and key[0] == "GET /board"]
    return dict(r.json), sum(ops.values())


def agents_called_today(usernames: list[str], calls: int = 3) -> None:
    """What the calls feature's transactions leave on each agent's day counter (its figures)."""
    with CounterModel.batch_write() as batch:
        for i, username in enumerate(usernames):
            pk, sk = counters.day_agent(DAY, username)
            batch.save(CounterModel(pk, sk, agent=username, attempts=calls, connects=i % 2, talk_s=60 * (i % 2)))


def open_escalation(campaign_id: str, unit_id: str) -> None:
    escalate(EscalationModel(campaign_id, unit_id, level="booth", district_id="chw", parent_unit_id=None,
                             incharge_contact_id=None, trigger="silent", reason={"hi": "चुप", "en": "silent"},
                             status="no_incharge", created_at=f"{DAY}T03:00:00.000Z"), None)


def test_one_board_costs_at_most_8_calls_with_120_agents_and_12_campaigns(api: Api, aws: Env,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist(DAY, "09:00"))
    agents = put_agents(120, supervisors=2)
    assert api.post("/rosters/current/generate", {}, role="admin").status in (200, 201)
    contacts = add_contacts(api, B1, 2)
    campaigns = [active_campaign(api, title_en=f"Drive {i}", title_hi=f"अभियान {i}")["campaign_id"] for i in range(12)]
    agents_called_today(agents[:120])
    for cid in campaigns[:3]:
        open_escalation(cid, B1)
    token = aws.user("agent01", "agent")
    on_duty("agent01")
    leased = next_call(api, campaigns[0], token).json  # one agent on a call

    data, cold = board_calls(api)
    assert cold <= BUDGET, cold
    data, warm = board_calls(api)
    assert warm <= cold
    assert len(data["campaigns"]) == 12 and data["campaigns_cursor"] is None
    assert {e["campaign_id"] for e in data["escalations"]["items"]} == set(campaigns[:3])
    supervisors = [r for r in data["agents"] if r["role"] == "supervisor"]  # on the shift, at no seat
    assert data["totals"]["agents"] == 120 + len(supervisors) == sum(data["states"].values())
    assert data["totals"]["calls"] == 360
    seated = [s["agent"] for room in data["rooms"] for s in room["seats"] if s["agent"]]
    assert len(seated) == 35  # the morning shift fills every seat
    rows = {r["username"]: r for r in data["agents"]}
    assert rows["agent01"]["state"] == "on_call" and rows["agent01"]["lease"]["until"] == leased["lease"]["until"]
    assert data["states"]["on_call"] == 1

    # twice the agents and a recorded call: the same reads
    agents_called_today([f"extra{i:03d}" for i in range(120)])
    assert api.post("/calls", call_body(campaigns[0], leased["contact"]["contact_id"]), token=token).status == 201
    data, again = board_calls(api)
    assert again == warm and data["totals"]["agents"] == 240 + len(supervisors)
    assert {r["username"]: r for r in data["agents"]}["agent01"]["state"] == "idle"  # just recorded a call
    assert contacts


def test_a_thousand_agents_page_by_100_with_everyones_states(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist(DAY, "09:00"))
    usernames = [f"agent{i:04d}" for i in range(1000)]
    agents_called_today(usernames)
    seen: list[str] = []
    cursor = ""
    for _ in range(11):
        data, calls = board_calls(api, f"?limit=100{'&cursor=' + cursor if cursor else ''}")
        assert calls <= BUDGET, calls
        assert data["totals"]["agents"] == 1000 and data["totals"]["calls"] == 3000
        assert sum(data["states"].values()) == 1000
        assert len(data["agents"]) <= 100
        seen += [r["username"] for r in data["agents"]]
        cursor = data["agents_cursor"]
        if not cursor:
            break
    assert seen == sorted(usernames), "every agent once, in order"
    assert api.get("/board?cursor=bad", role="supervisor").status == 400
    assert api.get("/board?limit=1000", role="supervisor").status == 400


def test_campaigns_page_behind_a_cursor(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past one BatchGetItem of campaigns the board pages them (tested with a page of 2)."""
    Clock(monkeypatch, ist(DAY, "09:00"))
    add_contacts(api, B1, 1)
    ids = {active_campaign(api, title_en=f"Drive {i}")["campaign_id"] for i in range(3)}
    monkeypatch.setattr(board_service, "CAMPAIGNS_PAGE", 2)
    first = api.get("/board", role="supervisor").json
    assert len(first["campaigns"]) == 2 and first["campaigns_cursor"]
    rest = api.get(f"/board?campaigns_cursor={first['campaigns_cursor']}", role="supervisor").json
    assert {c["campaign_id"] for c in first["campaigns"] + rest["campaigns"]} == ids
    assert rest["campaigns_cursor"] is None
    bad = api.get("/board?campaigns_cursor=xyz", role="supervisor")
    assert bad.status == 400 and bad.json["error"]["field"] == "campaigns_cursor"
