"""Issue 19 point 4: over random sequences of calls — retries and replays (the same body again, or a
reused call_id with another body), late calls (started on an earlier IST day than they are recorded),
days passing, erasures, and two first answers racing in one booth — every answer tally on every
counter item (all-time and per day, booth to district) equals a recomputation from the call logs.

The logs are read back from the calls table (Query by contact); an erased person's logs are read just
before the erasure, because erasure deletes them and the counters, which hold no personal data, stay.
In-process moto with DynamoDB's per-request atomicity (devtools/moto_local.py), a two-booth district,
a bounded number of examples."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib.calls import service as calls_service
from chalicelib.calls.store import CallLogModel
from chalicelib.core.auth import SUPERVISOR, Principal
from chalicelib.core.clock import iso
from chalicelib.core.errors import AppError
from chalicelib.reporting.counters import CounterModel, answers_view, campaign_unit, day_unit
from devtools.moto_local import patched
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist
from tests.api.conftest import Api
from tests.api.test_answer_tallies import QUESTIONS

pytestmark = pytest.mark.usefixtures("district")
UP = ("chw-a1-m1-k1", "chw-a1-m1", "chw-a1", "chw")  # above both booths
SUPERVISOR_USER = Principal(username="sup01", sub="sup01", roles=frozenset({SUPERVISOR}))
PER_BOOTH = 2  # fresh contacts per booth and example
_serial = itertools.count()


@pytest.fixture(autouse=True)
def atomic_moto() -> Iterator[None]:
    with patched():
        yield


answers_st = st.fixed_dictionaries({
    "beneficiaries": st.one_of(st.integers(0, 1000), st.sampled_from([0.5, 12.25, 999.75])),
}, optional={
    "held": st.booleans(),
    "received": st.booleans(),
    "scheme": st.sampled_from(["awas", "ladli", "other"]),
    "remark": st.sampled_from(["ठीक", "ok"]),
})
step_st = st.one_of(
    st.tuples(st.just("call"), st.integers(0, 2 * PER_BOOTH - 1), st.sampled_from(["connected", "connected",
                                                                                     "no_answer"]),
              answers_st, st.sampled_from([0, 0, 0, 1])),  # 1: a late call, started the day before
    st.tuples(st.just("replay"), st.integers(0, 50), st.booleans()),  # True: the same call_id, another body
    st.tuples(st.just("race"), st.sampled_from([B1, B2]), answers_st, answers_st),
    st.tuples(st.just("erase"), st.integers(0, 2 * PER_BOOTH - 1)),
    st.tuples(st.just("next_day")),
)


def record(body: dict[str, Any]) -> bool:
    try:
        calls_service.record_call(SUPERVISOR_USER, body)
    except AppError:
        return False
    return True


def logs_of(contact: str) -> list[CallLogModel]:
    return list(CallLogModel.by_contact.query(contact))


def expected(logs: list[CallLogModel], questions: list[dict[str, Any]], booth_of: dict[str, str],
             cid: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The tallies recomputed from the logs (in the order recorded), as answers_view shows them."""
    order = sorted(logs, key=lambda log: (log.recorded_at, log.call_id))
    views: dict[tuple[str, str], dict[str, Any]] = {}
    counted: set[tuple[str, str]] = set()  # (booth, question) whose per-unit answer counted

    def view(key: tuple[str, str]) -> dict[str, Any]:
        return views.setdefault(key, answers_view(None, questions))

    for log in order:
        if log.disposition != "connected" or not log.answers:
            continue
        booth = booth_of[log.contact_id]
        for q in questions:
            qid = q["id"]
            if qid not in log.answers:
                continue
            if q.get("per") == "unit":
                if (booth, qid) in counted:
                    continue
                counted.add((booth, qid))
            value = log.answers[qid]
            for unit in (booth, *UP):
                for key, all_time in ((campaign_unit(cid, unit), True), (day_unit(log.day, cid, unit), False)):
                    v = view(key)[qid]
                    v["answered"] += 1
                    if q["kind"] == "yes_no":
                        v["yes" if value else "no"] += 1
                    elif q["kind"] == "choice":
                        v["choices"][value] += 1
                    elif q["kind"] == "number":
                        v["sum"] = _num(Decimal(str(v["sum"])) + Decimal(str(value)))
                        if all_time:
                            v["min"] = value if v["min"] is None else min(v["min"], value)
                            v["max"] = value if v["max"] is None else max(v["max"], value)
    return views


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def stored(key: tuple[str, str]) -> CounterModel | None:
    try:
        return CounterModel.get(*key, consistent_read=True)
    except CounterModel.DoesNotExist:
        return None


def race(bodies: list[dict[str, Any]]) -> None:
    barrier = threading.Barrier(len(bodies))

    def run(body: dict[str, Any]) -> bool:
        barrier.wait()
        return record(body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        assert all(pool.map(run, bodies))  # both recorded: the loser of the first answer is retried


@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step_st, min_size=3, max_size=10))
@example(steps=[  # every kind of step at least once, whatever is drawn: a new min and max, a unit's first
    # answer after another answer, a replay and a reuse, a race, a late call, a day passing, an erasure
    ("call", 0, "connected", {"beneficiaries": 12, "received": True}, 0),
    ("call", 1, "connected", {"beneficiaries": 3, "held": False, "scheme": "awas"}, 1),
    ("replay", 1, False), ("replay", 0, True),
    ("race", B2, {"beneficiaries": 40, "held": True}, {"beneficiaries": 1, "held": False}),
    ("call", 0, "connected", {"beneficiaries": 0.5, "held": True}, 0),
    ("next_day",), ("erase", 1),
    ("call", 2, "connected", {"beneficiaries": 999.75, "held": True, "remark": "ok"}, 1),
    ("call", 3, "no_answer", {}, 0),
])
def test_every_tally_equals_the_recomputation_from_the_call_logs(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                                   steps: list[tuple[Any, ...]]) -> None:
    clock = Clock(monkeypatch, ist("2026-03-10", "10:00"))
    serial = next(_serial)
    contacts = add_contacts(api, B1, PER_BOOTH, start=1000 + serial * 10) + \
        add_contacts(api, B2, PER_BOOTH, start=5000 + serial * 10)
    booth_of = {c: (B1 if i < PER_BOOTH else B2) for i, c in enumerate(contacts)}
    campaign = active_campaign(api, questions=QUESTIONS, retry_delay_minutes=0)
    cid, questions = campaign["campaign_id"], campaign["questions"]
    sent: list[dict[str, Any]] = []
    erased_logs: list[CallLogModel] = []
    erased: set[str] = set()
    days = {"2026-03-09", "2026-03-10"}

    def body(contact: str, disposition: str, answers: dict[str, Any], late: int = 0) -> dict[str, Any]:
        b = call_body(cid, contact, disposition, answers=answers if disposition == "connected" else None)
        b["started_at"] = iso(clock.now - timedelta(days=late, minutes=2))
        return b

    for step in steps:
        clock.advance(minutes=3)  # calls are recorded in the order of the steps (recorded_at)
        if step[0] == "call":
            _, who, disposition, answers, late = step
            sent.append(body(contacts[who], disposition, answers, late))
            assert record(sent[-1]) or contacts[who] in erased  # recorded (a lost race is retried)
        elif step[0] == "replay" and sent:
            again = dict(sent[step[1] % len(sent)])
            if step[2]:
                again["duration_s"] = int(again["duration_s"]) + 1  # a reused call_id: 409, nothing changes
            record(again)
        elif step[0] == "race":
            _, booth, first, second = step
            pair = [c for c in contacts if booth_of[c] == booth and c not in erased]
            if len(pair) == 2:
                bodies = [body(pair[0], "connected", first), body(pair[1], "connected", second)]
                race(bodies)
                sent += bodies
        elif step[0] == "erase":
            contact = contacts[step[1]]
            if contact not in erased:
                erased_logs += logs_of(contact)  # erasure deletes them; the tallies stay
                assert api.delete(f"/contacts/{contact}", role="admin").status in (200, 204)
                erased.add(contact)
        elif step[0] == "next_day":
            clock.advance(days=1)
        days.add(clock.now.astimezone(ist("2026-03-10", "10:00").tzinfo).date().isoformat())

    logs = erased_logs + [log for c in contacts if c not in erased for log in logs_of(c)]
    assert len({log.call_id for log in logs}) == len(logs)
    want = expected(logs, questions, booth_of, cid)
    raced = any(s[0] == "race" for s in steps)
    for unit in (B1, B2, *UP):
        for key in [campaign_unit(cid, unit), *(day_unit(day, cid, unit) for day in sorted(days))]:
            got = answers_view(stored(key), questions)
            wanted = want.get(key, answers_view(None, questions))
            if raced:  # which of two racing first answers counted is the race's: the recorded order says
                # nothing when both carry the same recorded_at, so the per-unit question is checked below
                got, wanted = _without_per_unit(got, questions), _without_per_unit(wanted, questions)
            assert got == wanted, (key, steps)
    if raced:
        _check_per_unit(cid, questions, logs, booth_of, days)


def _without_per_unit(view: dict[str, Any], questions: list[dict[str, Any]]) -> dict[str, Any]:
    return {q["id"]: view[q["id"]] for q in questions if q.get("per") != "unit"}


def _check_per_unit(cid: str, questions: list[dict[str, Any]], logs: list[CallLogModel], booth_of: dict[str, str],
                    days: set[str]) -> None:
    """With races: each booth counted exactly one of its first answers (the earliest recorded, or one
    of those tied with it) for each per-unit question, and every level above adds its booths up."""
    for q in (q for q in questions if q.get("per") == "unit"):
        qid = q["id"]
        totals = answers_view(None, questions)[qid]
        for booth in (B1, B2):
            answered = sorted((log.recorded_at, log.answers[qid], log.day) for log in logs
                              if booth_of[log.contact_id] == booth and log.disposition == "connected"
                              and log.answers and qid in log.answers)
            got = answers_view(stored(campaign_unit(cid, booth)), questions)[qid]
            if not answered:
                assert got["answered"] == 0
                continue
            firsts = [(value, day) for at, value, day in answered if at == answered[0][0]]
            assert got["answered"] == 1 and (got["yes"] == 1) in [v for v, _ in firsts], (booth, got, firsts)
            counted_day = [d for d in sorted(days)
                           if answers_view(stored(day_unit(d, cid, booth)), questions)[qid]["answered"]]
            assert len(counted_day) == 1 and counted_day[0] in [d for _, d in firsts]
            for k in ("answered", "yes", "no"):
                totals[k] += got[k]
        for unit in UP:
            got = answers_view(stored(campaign_unit(cid, unit)), questions)[qid]
            assert got == totals, (unit, got, totals)
