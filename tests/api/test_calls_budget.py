"""DynamoDB calls per request on the campaign and call routes, as recorded by the suite's recorder
(tests/conftest.py): a route that starts reading call logs, or a page of items one by one, fails here.
Every route's role list is checked too: the roles it names are served (no 5xx), the others get 403."""

from __future__ import annotations

import pytest

from chalicelib.core.http import ROUTE_ROLES
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, create_campaign, ist, on_duty
from tests.api.conftest import Api, Env
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
BUDGET = {
    "POST /campaigns": 3,
    "GET /campaigns": 1,
    "GET /campaigns/{campaign_id}": 1,
    "PATCH /campaigns/{campaign_id}": 3,
    "POST /campaigns/{campaign_id}/activate": 2,
    "POST /campaigns/{campaign_id}/close": 2,
    # the queue's head, one BatchGetItem, the lease's transaction (tests/api/test_hot_path_budget.py: every path)
    "POST /campaigns/{campaign_id}/next": 5,
    # one BatchGetItem, one TransactWriteItems; a unit's first connect: the transaction is refused, the
    # markers are read with the retry's BatchGetItem, and it is written again
    "POST /calls": 4,
    "GET /me/calls": 1,
    "GET /me/callbacks": 1,
    "GET /contacts/{contact_id}/calls": 2,  # the audit entry of the read (notes and answers), then the Query
    # the unit (one BatchGetItem; +1 GetItem of the campaign when no unit is named), one Query of its
    # children, one BatchGetItem of their counters (answer tallies included: no further read)
    "GET /campaigns/{campaign_id}/progress": 4,
}
MINE = set(BUDGET)


def calls_per_request(before: set[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for (route, request), ops in RECORDER.per_request.items():
        if (route, request) not in before:
            out[route] = max(out.get(route, 0), sum(ops.values()))
    return out


def test_each_route_stays_within_its_dynamodb_budget(api: Api, aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    add_contacts(api, B1, 3)
    add_contacts(api, B2, 2, start=10)
    before = set(RECORDER.per_request)
    draft = create_campaign(api)
    api.patch(f"/campaigns/{draft['campaign_id']}", {"version": 1, "max_attempts": 4}, role="admin")
    api.post(f"/campaigns/{draft['campaign_id']}/close", role="admin")
    cid = active_campaign(api)["campaign_id"]
    api.get("/campaigns?status=active", role="agent")
    token = aws.user("agent01", "agent")
    on_duty("agent01")
    for disposition in ("connected", "no_answer", "callback_requested"):
        screen = api.post(f"/campaigns/{cid}/next", token=token).json
        extra = {"callback_at": "2026-03-10T12:00:00+05:30", "answers": None} if disposition == "callback_requested" \
            else {}
        r = api.post("/calls", call_body(cid, screen["contact"]["contact_id"], disposition, **extra), token=token)
        assert r.status == 201, r.body
        api.get(f"/contacts/{screen['contact']['contact_id']}/calls", role="supervisor")
    api.get("/me/calls", token=token)
    api.get("/me/callbacks", token=token)
    api.get(f"/campaigns/{cid}/progress", role="state_leader")
    api.get(f"/campaigns/{cid}/progress?unit={B1}&date=2026-03-10", role="admin")
    measured = calls_per_request(before)
    missing = MINE - set(measured)
    assert not missing, sorted(missing)
    over = {route: (measured[route], limit) for route, limit in BUDGET.items() if measured.get(route, 0) > limit}
    assert not over, over


def test_every_campaign_and_call_route_serves_its_roles_and_refuses_the_others(api: Api) -> None:
    mine = {(m, p): roles for (m, p), roles in ROUTE_ROLES.items() if f"{m} {p}" in MINE}
    assert len(mine) == len(MINE)
    for (method, path), allowed in mine.items():
        assert allowed is not None
        concrete = path.replace("{campaign_id}", "cp_0000000000000000000000000a").replace("{contact_id}", "ct_x")
        for role, token in api.tokens.items():
            r = api.call(method, concrete, {}, token=token)
            if role in allowed:
                assert r.status < 500 and r.status not in (401, 403), (method, path, role, r.body)
            else:
                assert r.status == 403, (method, path, role, r.body)
        assert api.call(method, concrete, {}, role=None).status == 401
