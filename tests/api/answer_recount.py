"""Answer tallies recomputed from the call logs themselves (what moto holds), in the shape of
counters.answers_view: what the overview, the digests and their tests compare the counters against.

Per person: every connected call's answer counts at every unit on the contact's path (booth up to the
district). Per unit: only the first recorded answer at the contact's own unit counts, for that unit
and every unit above it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from chalicelib.calls.store import CallLogModel
from chalicelib.org import rules as org_rules
from chalicelib.org.store import ContactModel, UnitModel


def _path_units(unit_id: str) -> list[str]:
    unit = UnitModel.get(unit_id)
    return [u for u in org_rules.ancestor_ids(unit.path) if UnitModel.get(u).level != "state"]


def recount(campaign_id: str, questions: list[dict[str, Any]], contact_ids: list[str],
            day: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """unit id -> question id -> the tallies, from every call log of these contacts in the campaign
    (of one IST day when `day` is given: then min/max are None, as on a day's counter item)."""
    logs = []
    for contact_id in contact_ids:
        unit_id = ContactModel.get(contact_id).unit_id
        for log in CallLogModel.by_contact.query(contact_id):
            if log.campaign_id == campaign_id and log.disposition == "connected" and log.answers:
                logs.append((log.recorded_at, log.call_id, unit_id, log))
    logs.sort(key=lambda x: (x[0], x[1]))
    first_at_unit: set[tuple[str, str]] = set()
    values: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for _, _, unit_id, log in logs:
        for q in questions:
            if q["id"] not in log.answers:
                continue
            if q.get("per") == "unit":
                if (unit_id, q["id"]) in first_at_unit:
                    continue
                first_at_unit.add((unit_id, q["id"]))
            if day is not None and log.day != day:
                continue
            for unit in _path_units(unit_id):
                values[unit][q["id"]].append(log.answers[q["id"]])
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for unit, by_q in values.items():
        out[unit] = {q["id"]: _view(q, by_q.get(q["id"], []), day is None) for q in questions}
    return out


def _view(q: dict[str, Any], answers: list[Any], extremes: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"kind": q["kind"], "per": "unit" if q.get("per") == "unit" else "person",
                            "answered": len(answers)}
    if q["kind"] == "yes_no":
        view.update(yes=sum(1 for a in answers if a is True), no=sum(1 for a in answers if a is False))
    elif q["kind"] == "choice":
        view["choices"] = {c["value"]: sum(1 for a in answers if a == c["value"]) for c in q["choices"]}
    elif q["kind"] == "number":
        view.update(sum=sum(answers), min=min(answers) if answers and extremes else None,
                    max=max(answers) if answers and extremes else None)
    return view


def empty(questions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {q["id"]: _view(q, [], False) for q in questions}
