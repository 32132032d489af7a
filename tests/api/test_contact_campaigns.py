"""The campaigns a person is in (`GET /contacts/{contact_id}/campaigns`, issue 16 point 2) under moto:
each campaign that targets the contact with where its call target stands (status, attempts, the last
disposition and when, the callback time, who holds a live lease), paged behind a cursor that is this
contact's, in three DynamoDB calls whatever the page; supervisors and admins only, no phone."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.api.calling import B1, Clock, active_campaign, add_contacts, agents_on_duty, call_body, ist, next_call
from tests.api.conftest import Api, Env
from tests.conftest import count_dynamodb_calls
from tests.privacy import phone_numbers

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


def test_each_campaign_with_the_targets_state_and_who_holds_it(
        api: Api, aws: Env, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = agents_on_duty(aws, "agent01", "agent02")
    contact = add_contacts(api, B1, 1)[0]
    other = add_contacts(api, B1, 1, start=1, role="panna_pramukh")[0]  # targeted by no campaign
    leased = active_campaign(api, title_hi="बैठक सूचना", title_en="Meeting notice")["campaign_id"]
    called = active_campaign(api, title_hi="आवास योजना", title_en="Housing scheme")["campaign_id"]
    # one person, one call at a time (issue 20): agent02's call in one campaign ends before agent01's lease
    assert next_call(api, called, tokens["agent02"]).json["contact"]["contact_id"] == contact
    body = call_body(called, contact, "callback_requested", callback_at="2026-03-10T16:00:00+05:30", answers=None)
    assert api.post("/calls", body, token=tokens["agent02"]).status == 201
    r = next_call(api, leased, tokens["agent01"])
    assert r.status == 200 and r.json["contact"]["contact_id"] == contact, r.body

    calls = count_dynamodb_calls(monkeypatch)
    r = api.get(f"/contacts/{contact}/campaigns", role="supervisor")
    assert r.status == 200, r.body
    assert sum(calls.values()) <= 3 and calls["Scan"] == 0, calls
    assert calls["Query"] == 1 and calls["BatchGetItem"] == 1
    items = {i["campaign_id"]: i for i in r.json["items"]}
    assert set(items) == {leased, called} and r.json["next_cursor"] is None
    held = items[leased]
    assert (held["title_hi"], held["title_en"], held["kind"], held["campaign_status"]) == (
        "बैठक सूचना", "Meeting notice", "scheme", "active")
    assert (held["status"], held["attempts"], held["last_disposition"], held["held_by"]) == (
        "queued", 0, None, "agent01")
    assert held["lease_until"] > "2026-03-10T04:30:00.000Z" and held["callback_at"] is None
    back = items[called]
    assert (back["title_en"], back["status"], back["attempts"], back["last_disposition"]) == (
        "Housing scheme", "callback", 1, "callback_requested")
    assert back["callback_at"] == "2026-03-10T10:30:00.000Z" and back["held_by"] is None
    assert back["last_call_at"].startswith("2026-03-10T04:2")
    assert phone_numbers(r.body.decode()) == [], "no phone number in the list"  # ids may hold digit runs

    clock.advance(hours=1)  # the lease has lapsed: nobody holds the target any more
    again = {i["campaign_id"]: i for i in api.get(f"/contacts/{contact}/campaigns").json["items"]}
    assert again[leased]["held_by"] is None and again[leased]["lease_until"] is None
    assert api.get(f"/contacts/{other}/campaigns").json == {"items": [], "next_cursor": None}


def test_pages_follow_a_cursor_that_belongs_to_the_contact(api: Api, clock: Clock) -> None:
    contact, other = add_contacts(api, B1, 2)
    ids = {active_campaign(api, title_en=f"Round {n}")["campaign_id"] for n in range(3)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        r = api.get(f"/contacts/{contact}/campaigns?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r.body
        assert len(r.json["items"]) <= 2
        seen += [i["campaign_id"] for i in r.json["items"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 3 and pages == 2
    first = api.get(f"/contacts/{contact}/campaigns?limit=1").json["next_cursor"]
    stolen = api.get(f"/contacts/{other}/campaigns?cursor={first}")
    assert stolen.status == 400 and stolen.error["field"] == "cursor"


@pytest.mark.parametrize("query, field", [("limit=51", "limit"), ("limit=0", "limit"), ("limit=x", "limit"),
                                          ("cursor=bm90LWEta2V5", "cursor"), ("cursor=%25%25", "cursor")])
def test_bad_paging_is_a_400_beside_its_field(api: Api, query: str, field: str) -> None:
    contact = add_contacts(api, B1, 1)[0]
    r = api.get(f"/contacts/{contact}/campaigns?{query}")
    assert r.status == 400 and r.error["field"] == field, r.body


def test_unknown_contacts_and_roles_that_may_not_see_it(api: Api) -> None:
    contact = add_contacts(api, B1, 1)[0]
    for path in ("/contacts/ct_00000000000000000000000000/campaigns", "/contacts/not-an-id/campaigns"):
        r = api.get(path)
        assert r.status == 404 and r.error["field"] == "contact_id", r.body
    statuses = Counter()
    for role in ("agent", "state_leader", "central_leader"):
        r = api.get(f"/contacts/{contact}/campaigns", role=role)
        statuses[r.status] += 1
        assert "items" not in (r.json or {})
    assert statuses == Counter({403: 3})
    assert api.get(f"/contacts/{contact}/campaigns", role="admin").status == 200
    assert api.get(f"/contacts/{contact}/campaigns", role=None).status == 401
