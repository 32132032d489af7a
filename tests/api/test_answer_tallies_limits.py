"""The largest campaign the question limits allow still records a call in one transaction: every
expression stays under DynamoDB's 4 KB per expression, and every tally is written."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.campaigns.rules import MAX_CHOICES, MAX_QUESTIONS
from chalicelib.core import db
from chalicelib.reporting.counters import CounterModel, answers_view, campaign_unit
from tests.api.calling import B1, Clock, active_campaign, add_contacts, call_body, ist
from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("district")


def widest(kind: str) -> list[dict[str, Any]]:
    def question(i: int) -> dict[str, Any]:
        q: dict[str, Any] = {"id": f"q{i:02d}_{'x' * 28}", "kind": kind, "text_hi": "प्रश्न", "text_en": "Question",
                             "per": "unit" if i % 2 else "person"}
        if kind == "choice":
            q["choices"] = [{"value": f"c{j:02d}_{'y' * 36}", "label_hi": "क", "label_en": "c"}
                            for j in range(MAX_CHOICES)]
        if kind == "number":
            q.update(min=-1_000_000_000, max=1_000_000_000)
        return q
    return [question(i) for i in range(MAX_QUESTIONS)]


@pytest.mark.parametrize("kind", ["number", "choice"])
def test_the_largest_campaign_records_a_call_with_every_answer(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                               kind: str) -> None:
    Clock(monkeypatch, ist("2026-03-10", "10:00"))
    contacts = add_contacts(api, B1, 2)
    campaign = active_campaign(api, questions=widest(kind))
    cid, questions = campaign["campaign_id"], campaign["questions"]
    longest: list[int] = []
    dispatch = db.connection().dispatch

    def measured(operation: str, params: dict[str, Any]) -> Any:
        for item in params.get("TransactItems", []):
            for part in item.values():
                longest.extend(len(part.get(k, "")) for k in ("UpdateExpression", "ConditionExpression"))
        return dispatch(operation, params)

    monkeypatch.setattr(db.connection(), "dispatch", measured)
    for n, contact in enumerate(contacts):  # the booth's first answers, then a lower and higher number
        value = -999_999_999.5 if n else 999_999_999.25
        answers = {q["id"]: (value if kind == "number" else q["choices"][-1 - n]["value"]) for q in questions}
        r = api.post("/calls", call_body(cid, contact, "connected", answers=answers), role="supervisor")
        assert r.status == 201, r.body
    assert longest and max(longest) < 4096, max(longest)
    view = answers_view(CounterModel.get(*campaign_unit(cid, "chw")), questions)
    for i, q in enumerate(questions):
        per_unit = i % 2 == 1
        assert view[q["id"]]["answered"] == (1 if per_unit else 2)
        if kind == "number":
            assert view[q["id"]]["max"] == 999_999_999.25
            assert view[q["id"]]["min"] == (999_999_999.25 if per_unit else -999_999_999.5)
        else:
            assert sum(view[q["id"]]["choices"].values()) == view[q["id"]]["answered"]
