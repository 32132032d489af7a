"""Answer tallies (issue 19): every connected call's answers counted on the counters of every unit of its
path, all-time and per day, in the call's own transaction; per-unit questions once per unit; bad
answers refused with nothing written; questions frozen once a campaign is active."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.calls.store import CallLogModel
from chalicelib.campaigns.rules import MAX_QUESTIONS
from chalicelib.reporting.counters import CounterModel, answers_view, campaign_unit, day_unit
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, campaign_body, ist
from tests.api.conftest import Api
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
PATH_B1 = ("chw", "chw-a1", "chw-a1-m1", "chw-a1-m1-k1", B1)

QUESTIONS: list[dict[str, Any]] = [
    {"id": "held", "kind": "yes_no", "text_hi": "बैठक हुई?", "text_en": "Meeting held?", "per": "unit"},
    {"id": "received", "kind": "yes_no", "text_hi": "सूचना मिली?", "text_en": "Received?"},
    {"id": "scheme", "kind": "choice", "text_hi": "योजना?", "text_en": "Scheme?",
     "choices": [{"value": "awas", "label_hi": "आवास", "label_en": "Housing"},
                 {"value": "ladli", "label_hi": "लाडली", "label_en": "Ladli"},
                 {"value": "other", "label_hi": "अन्य", "label_en": "Other"}]},
    {"id": "beneficiaries", "kind": "number", "text_hi": "कितने लाभार्थी?", "text_en": "How many?",
     "min": 0, "max": 1000},
    {"id": "remark", "kind": "text", "text_hi": "टिप्पणी", "text_en": "Remark"},
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


def item(key: tuple[str, str]) -> CounterModel | None:
    try:
        return CounterModel.get(*key, consistent_read=True)
    except CounterModel.DoesNotExist:
        return None


def call(api: Api, cid: str, contact: str, answers: dict[str, Any] | None, disposition: str = "connected",
         **extra: Any) -> Any:
    return api.post("/calls", call_body(cid, contact, disposition, answers=answers, **extra), role="supervisor")


def test_tallies_per_level_all_time_and_day(api: Api, clock: Clock) -> None:
    b1 = add_contacts(api, B1, 3)
    b2 = add_contacts(api, B2, 2, start=10)
    campaign = active_campaign(api, questions=QUESTIONS)
    cid, questions = campaign["campaign_id"], campaign["questions"]
    assert questions[0]["per"] == "unit" and "per" not in questions[1]
    plan = [
        (b1[0], {"held": True, "received": True, "scheme": "awas", "beneficiaries": 12, "remark": "ठीक"}),
        (b1[1], {"held": False, "received": False, "scheme": "awas", "beneficiaries": 3}),
        (b2[0], {"held": False, "scheme": "ladli", "beneficiaries": 40.5}),
        (b1[2], {"received": True}),
    ]
    for contact, answers in plan:
        r = call(api, cid, contact, answers)
        assert r.status == 201, r.body
    assert call(api, cid, b2[1], None, "no_answer").status == 201
    district = answers_view(item(campaign_unit(cid, "chw")), questions)
    assert district == {
        "held": {"kind": "yes_no", "per": "unit", "answered": 2, "yes": 1, "no": 1},  # B1's first answer, B2's
        "received": {"kind": "yes_no", "per": "person", "answered": 3, "yes": 2, "no": 1},
        "scheme": {"kind": "choice", "per": "person", "answered": 3, "choices": {"awas": 2, "ladli": 1, "other": 0}},
        "beneficiaries": {"kind": "number", "per": "person", "answered": 3, "sum": 55.5, "min": 3, "max": 40.5},
        "remark": {"kind": "text", "per": "person", "answered": 1},
    }
    booth1 = answers_view(item(campaign_unit(cid, B1)), questions)
    assert booth1["held"] == {"kind": "yes_no", "per": "unit", "answered": 1, "yes": 1, "no": 0}
    assert booth1["beneficiaries"] == {"kind": "number", "per": "person", "answered": 2, "sum": 15, "min": 3,
                                       "max": 12}
    for unit in PATH_B1[:-1]:  # every level above the booths holds both booths' answers
        assert answers_view(item(campaign_unit(cid, unit)), questions) == district, unit
    day = answers_view(item(day_unit(DAY, cid, "chw")), questions)
    assert day["beneficiaries"] == {"kind": "number", "per": "person", "answered": 3, "sum": 55.5, "min": None,
                                    "max": None}
    assert {k: v for k, v in day.items() if k != "beneficiaries"} == \
        {k: v for k, v in district.items() if k != "beneficiaries"}
    assert answers_view(item(day_unit("2026-03-11", cid, "chw")), questions)["received"]["answered"] == 0
    assert answers_view(None, questions)["scheme"]["choices"] == {"awas": 0, "ladli": 0, "other": 0}


def test_a_replayed_call_counts_once(api: Api, clock: Clock) -> None:
    contact = add_contacts(api, B1, 1)[0]
    campaign = active_campaign(api, questions=QUESTIONS)
    cid = campaign["campaign_id"]
    body = call_body(cid, contact, "connected", answers={"held": True, "received": True, "beneficiaries": 7})
    for _ in range(3):
        assert api.post("/calls", body, role="supervisor").status == 201
    view = answers_view(item(campaign_unit(cid, "chw")), campaign["questions"])
    assert (view["held"]["yes"], view["received"]["yes"], view["beneficiaries"]["sum"]) == (1, 1, 7)


def test_a_per_unit_question_counts_the_units_first_answer_only(api: Api, clock: Clock) -> None:
    b1 = add_contacts(api, B1, 3)
    campaign = active_campaign(api, questions=QUESTIONS)
    cid, questions = campaign["campaign_id"], campaign["questions"]
    assert call(api, cid, b1[0], {"received": True}).status == 201  # no answer to "held": it does not count
    for contact, held in ((b1[1], False), (b1[2], True)):
        assert call(api, cid, contact, {"held": held}).status == 201
    for unit in PATH_B1:
        view = answers_view(item(campaign_unit(cid, unit)), questions)["held"]
        assert (view["answered"], view["yes"], view["no"]) == (1, 0, 1), unit
    assert item(campaign_unit(cid, B1)).tallies["a0_unit"] == 1  # type: ignore[union-attr]
    assert "a0_unit" not in item(campaign_unit(cid, "chw")).tallies  # type: ignore[union-attr]


@pytest.mark.parametrize(("answers", "field"), [
    ({"nope": True}, "answers.nope"),
    ({"held": "yes"}, "answers.held"),
    ({"scheme": "nothing"}, "answers.scheme"),
    ({"beneficiaries": 1001}, "answers.beneficiaries"),
    ({"beneficiaries": -1}, "answers.beneficiaries"),
    ({"beneficiaries": 1.23456}, "answers.beneficiaries"),
    ({"beneficiaries": "12"}, "answers.beneficiaries"),
    ({"remark": 5}, "answers.remark"),
])
def test_a_bad_answer_is_400_on_its_field_and_nothing_is_written(api: Api, clock: Clock, answers: dict[str, Any],
                                                                  field: str) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api, questions=QUESTIONS)["campaign_id"]
    body = call_body(cid, contact, "connected", answers=answers)
    r = api.post("/calls", body, role="supervisor")
    assert r.status == 400 and r.json["error"]["field"] == field, r.body
    for unit in ("chw", B1):  # activation's figures only: no attempt, no tally
        stored = item(campaign_unit(cid, unit))
        assert stored is not None and not stored.attempts and stored.tallies == {}
    assert item(day_unit(DAY, cid, "chw")) is None
    assert list(CallLogModel.by_contact.query(contact)) == []


def test_a_not_a_number_answer_is_refused(api: Api, clock: Clock) -> None:
    contact = add_contacts(api, B1, 1)[0]
    cid = active_campaign(api, questions=QUESTIONS)["campaign_id"]
    body = call_body(cid, contact, "connected", answers={"beneficiaries": 1})
    raw = json.dumps(body).replace('"beneficiaries": 1', '"beneficiaries": NaN').encode()
    r = api.post("/calls", raw=raw, role="supervisor")
    assert r.status == 400 and r.json["error"]["field"] == "answers.beneficiaries", r.body
    assert item(day_unit(DAY, cid, "chw")) is None


def test_questions_of_an_active_campaign_cannot_change(api: Api, clock: Clock) -> None:
    add_contacts(api, B1, 1)
    campaign = active_campaign(api, questions=QUESTIONS)
    r = api.patch(f"/campaigns/{campaign['campaign_id']}", {"version": campaign["version"], "questions": []},
                  role="admin")
    assert r.status == 409 and r.json["error"]["code"] == "not_draft", r.body
    got = api.get(f"/campaigns/{campaign['campaign_id']}", role="supervisor").json
    assert got["questions"] == campaign["questions"]


def test_progress_shows_the_answers_of_the_unit_and_of_each_child(api: Api, clock: Clock) -> None:
    b1 = add_contacts(api, B1, 2)
    b2 = add_contacts(api, B2, 1, start=10)
    campaign = active_campaign(api, questions=QUESTIONS)
    cid, questions = campaign["campaign_id"], campaign["questions"]
    for contact, answers in ((b1[0], {"held": True, "beneficiaries": 5}), (b1[1], {"held": False}),
                             (b2[0], {"held": False, "beneficiaries": 9})):
        assert call(api, cid, contact, answers).status == 201
    top = api.get(f"/campaigns/{cid}/progress", role="state_leader")
    assert top.status == 200, top.body
    assert top.json["answers"] == answers_view(item(campaign_unit(cid, "chw")), questions)
    assert top.json["answers"]["held"] == {"kind": "yes_no", "per": "unit", "answered": 2, "yes": 1, "no": 1}
    assert [c["unit_id"] for c in top.json["children"]["items"]] == ["chw-a1"]
    kendra = api.get(f"/campaigns/{cid}/progress?unit=chw-a1-m1-k1", role="central_leader").json
    rows = {c["unit_id"]: c for c in kendra["children"]["items"]}
    assert rows[B1]["answers"]["held"]["yes"] == 1 and rows[B2]["answers"]["held"]["no"] == 1
    assert rows[B1]["answers"]["beneficiaries"] == {"kind": "number", "per": "person", "answered": 1, "sum": 5,
                                                    "min": 5, "max": 5}
    assert (rows[B1]["attempts"], rows[B1]["connects"], rows[B1]["targets"]) == (2, 2, 2)
    day = api.get(f"/campaigns/{cid}/progress?unit=chw-a1-m1-k1&date={DAY}", role="admin").json
    assert day["answers"]["beneficiaries"]["sum"] == 14 and day["answers"]["beneficiaries"]["min"] is None
    assert {c["unit_id"]: c["answers"]["held"]["answered"] for c in day["children"]["items"]} == {B1: 1, B2: 1}
    booth = api.get(f"/campaigns/{cid}/progress?unit={B2}", role="admin").json
    assert booth["children"] == {"items": [], "next_cursor": None}
    other_day = api.get(f"/campaigns/{cid}/progress?unit=chw-a1-m1-k1&date=2026-03-11", role="admin").json
    assert all(c["answers"]["held"]["answered"] == 0 for c in other_day["children"]["items"])


def calls_made(send: Any) -> tuple[Any, int]:
    before = set(RECORDER.per_request)
    response = send()
    return response, sum(sum(ops.values()) for key, ops in RECORDER.per_request.items() if key not in before)


def test_tallies_cost_no_extra_dynamodb_call(api: Api, clock: Clock) -> None:
    """The common path stays one BatchGetItem and one TransactWriteItems with answers of every kind; a
    unit's first answer to a per-unit question, or a new min or max, is refused once, read and
    written again (4), like a unit's first connect."""
    b1 = add_contacts(api, B1, 4)
    campaign = active_campaign(api, questions=QUESTIONS)
    cid, questions = campaign["campaign_id"], campaign["questions"]

    def send(contact: str, answers: dict[str, Any]) -> int:
        r, n = calls_made(lambda: call(api, cid, contact, answers))
        assert r.status == 201, r.body
        return n

    every = {"received": True, "scheme": "ladli", "remark": "ठीक"}
    assert send(b1[0], {**every, "held": True, "beneficiaries": 10}) == 4  # first connect, first answer
    assert send(b1[1], {**every, "held": False, "beneficiaries": 10}) == 2  # counted already; not a new extreme
    assert send(b1[2], {**every, "beneficiaries": 4}) == 4  # a new min: read and written again
    assert send(b1[3], {**every, "held": True, "beneficiaries": 7}) == 2
    view = answers_view(item(campaign_unit(cid, "chw")), questions)
    assert view["beneficiaries"] == {"kind": "number", "per": "person", "answered": 4, "sum": 31, "min": 4, "max": 10}
    assert view["held"] == {"kind": "yes_no", "per": "unit", "answered": 1, "yes": 1, "no": 0}


@pytest.mark.parametrize(("change", "field"), [
    ({"per": "booth"}, "questions[0].per"),
    ({"kind": "choice", "choices": [{"value": f"c{j}", "label_hi": "क", "label_en": "c"} for j in range(13)]},
     "questions[0].choices"),
    ({"kind": "number", "min": -2_000_000_000}, "questions[0].min"),
    ({"kind": "number", "max": 0.00001}, "questions[0].max"),
])
def test_a_question_beyond_the_limits_is_refused_at_create(api: Api, change: dict[str, Any], field: str) -> None:
    question = {**QUESTIONS[0], **change}
    r = api.post("/campaigns", campaign_body(questions=[question]), role="supervisor")
    assert r.status == 400 and r.json["error"]["field"] == field, r.body
    too_many = [{**QUESTIONS[1], "id": f"q{i}"} for i in range(MAX_QUESTIONS + 1)]
    r = api.post("/campaigns", campaign_body(questions=too_many), role="supervisor")
    assert r.status == 400 and r.json["error"]["field"] == "questions", r.body
