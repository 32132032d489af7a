"""The day digest's answers (issue 19): what the district, state and central digests and the SNS summary
carry equals a recount from the call logs the test made (tests/api/answer_recount.py), today and all time;
the per-unit yes/no question names its top and bottom units; Hindi and English, HTML and text."""

from __future__ import annotations

import json

import pytest

from chalicelib.digests import rules
from chalicelib.notify import service as notify
from tests.api.answer_recount import recount
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, campaign_body, ist, on_duty
from tests.api.conftest import Api, Env
from tests.api.test_digests import CENTRAL, DISTRICT, STATE, configure, fire_day, parts, published, sent_emails

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
QUESTIONS = [*campaign_body()["questions"],
             {"id": "meeting", "kind": "yes_no", "per": "unit", "text_hi": "बैठक हुई?", "text_en": "Meeting held?"}]
# booth 1: the meeting held (its first answer; a second "no" does not count for the unit), booth 2: not held
ANSWERS = {
    B1: [{"received": True, "households": 40, "mood": "good", "meeting": True},
         {"received": True, "households": 12.5, "mood": "poor", "meeting": False}],
    B2: [{"received": False, "households": 3, "mood": "good", "meeting": False}],
}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    return Clock(monkeypatch, ist("2026-03-09", "10:00"))


def test_the_digests_answers_equal_a_recount_from_the_call_logs(api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    people = {B1: add_contacts(api, B1, 3), B2: add_contacts(api, B2, 2, start=50)}
    unit_of = {c: unit for unit, ids in people.items() for c in ids}
    cid = str(active_campaign(api, questions=QUESTIONS)["campaign_id"])
    token = aws.user("agent01", "agent")
    on_duty("agent01")
    queued = {unit: list(answers) for unit, answers in ANSWERS.items()}
    made = 0
    # one call the day before (all time differs from today), then everyone else: the queue's order is not the
    # test's to choose, so every contact is called once and each unit's first answered call carries its first answers
    for day in ("2026-03-09", DAY):
        clock.set_ist(day, "10:00")
        on_duty("agent01")
        for _ in range(len(unit_of) - 1 if day == DAY else 1):
            screen = api.post(f"/campaigns/{cid}/next", token=token).json
            contact = screen["contact"]["contact_id"]
            left = queued[unit_of[contact]]
            body = call_body(cid, contact, answers=left.pop(0)) if left else call_body(cid, contact, "no_answer")
            r = api.post("/calls", body, token=token)
            assert r.status == 201, r.body
            made += 1
            clock.advance(minutes=3)
    fire_day(api, clock)

    everyone = [c for ids in people.values() for c in ids]
    all_time, today = recount(cid, QUESTIONS, everyone)["chw"], recount(cid, QUESTIONS, everyone, DAY).get("chw")
    assert all_time["received"]["answered"] >= 2  # the calls really carried answers
    for audience in rules.AUDIENCES:
        (note,) = published(audience)
        summary = json.loads(json.loads(note[1])["sqs"])["answers"][cid]
        for qid, view in all_time.items():
            assert summary[qid]["all_time"] == {k: v for k, v in view.items() if k not in ("kind", "per")}, qid
            assert summary[qid]["per"] == view["per"]
            if today:
                assert summary[qid]["today"] == {k: v for k, v in today[qid].items() if k not in ("kind", "per")}
    mails = {m["To"]: parts(m) for m in sent_emails()}
    assert set(mails) == set(STATE + CENTRAL + DISTRICT)
    for body in mails.values():
        text, html = body["text/plain"], body["text/html"]
        assert "जवाब / Answers" in text and "बैठक हुई? / Meeting held?" in text
        y = all_time["received"]
        assert f"क्या सूचना मिली? / Was it received?: हाँ / yes {y['yes']} / {y['answered']}" in text
        assert f"कुल / total {all_time['households']['sum']:g}" in text
        m = all_time["meeting"]
        assert f"हाँ / yes {m['yes']} / {m['answered']} इकाइयाँ / units" in text and (m["yes"], m["answered"]) == (1, 2)
        # the top and bottom units of the per-unit question: booth 1 held it, booth 2 did not
        assert "Most yes (बूथ / Booth): बूथ 1 / Booth 1 1/1" in text
        assert "Fewest yes: बूथ 2 / Booth 2 0/1" in text
        assert f'data-answers="{cid}"' in html and 'data-question="meeting"' in html
        assert 'data-meter="a-mood-good"' in html and "Booth 1" in html
        assert not rules.has_phone(text) and not rules.has_phone(html)


def test_a_campaign_without_questions_adds_no_answers(api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    add_contacts(api, B1, 1)
    active_campaign(api, questions=[])
    fire_day(api, clock, "2026-03-09")
    (note,) = published("state")
    assert json.loads(json.loads(note[1])["sqs"])["answers"] == {}
    assert all("जवाब / Answers" not in parts(m)["text/plain"] for m in sent_emails())
