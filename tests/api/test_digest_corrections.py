"""Late calls and the day digest. A day's digest is frozen when it is first built (from 21:00 IST), while a
call may be recorded up to two days after it started and is counted on its own IST day. A later day
digest re-reads the earlier days' counters, reports what changed as "corrections for earlier days"
(email text and HTML, SMS and JSON summary) and brings the stored earlier digest up to date in the same
write, once: every figure a stored day digest states equals a recomputation from the call logs (which
this test reads; the digest never does)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.calls.store import CallLogModel
from chalicelib.core.clock import iso
from chalicelib.digests import build as builder
from chalicelib.digests import rules, service, store
from chalicelib.digests.routes import DAY_FUNCTION
from chalicelib.digests.store import DigestModel, digest_key
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env
from tests.api.test_digests import CENTRAL, DISTRICT, STATE, configure, fire, parts, published, sent_emails, subject

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
AGENTS = ("agent01", "agent02", "agent03")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from chalicelib.notify import service as notify

    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    return Clock(monkeypatch, ist(DAY, "10:00"))


class Floor:
    """A campaign over two booths and three agents; calls made now, or started now and recorded later."""

    def __init__(self, api: Api, aws: Env, clock: Clock, **campaign: Any) -> None:
        add_contacts(api, B1, 8)
        add_contacts(api, B2, 8, start=50)
        self.api, self.clock = api, clock
        self.cid = str(active_campaign(api, max_attempts=9, **campaign)["campaign_id"])
        self.tokens = {a: aws.user(a, "agent") for a in AGENTS}
        on_duty(*AGENTS)

    def call(self, agent: str, disposition: str, duration_s: int = 95) -> None:
        body = self.lease(agent, disposition, duration_s)
        self.record(agent, body)

    def lease(self, agent: str, disposition: str, duration_s: int = 95) -> dict[str, Any]:
        screen = next_call(self.api, self.cid, self.tokens[agent]).json
        assert screen["status"] == "leased", screen
        extra: dict[str, Any] = {"duration_s": duration_s}
        if disposition == "callback_requested":
            extra |= {"callback_at": "2026-03-20T12:00:00+05:30", "answers": None}
        return call_body(self.cid, screen["contact"]["contact_id"], disposition, **extra)

    def record(self, agent: str, body: dict[str, Any]) -> None:
        r = self.api.post("/calls", body, token=self.tokens[agent])
        assert r.status == 201, r.body

    def late(self, agent: str, disposition: str, *, leased: str = "20:48", started: str = "20:50",
             duration_s: int = 95) -> dict[str, Any]:
        """A call of DAY leased at `leased` and started at `started` (IST), whose recording the agent's
        offline phone holds back: the body to record later."""
        self.clock.set_ist(DAY, leased)
        body = self.lease(agent, disposition, duration_s)
        body["started_at"] = iso(ist(DAY, started))
        return body

    def record_next_morning(self, agent: str, body: dict[str, Any]) -> None:
        """DAY's digest goes out (22:00), the late call is recorded at 09:00 the next day, and the clock
        stops at 22:00 that day, when the next digest is built."""
        fire_day(self.api, self.clock, DAY)
        self.clock.set_ist("2026-03-11", "09:00")
        self.record(agent, body)
        self.clock.set_ist("2026-03-11", "22:00")


def recomputed(day: str, cid: str) -> dict[str, Any]:
    """The day figures of a digest, from the call logs of that IST day (the test's ground truth)."""
    logs = [log for agent in AGENTS for log in CallLogModel.by_agent_day.query(f"{agent}#{day}")]
    by = Counter(log.disposition for log in logs)
    agents = {}
    for agent in AGENTS:
        mine = [log for log in logs if log.agent_day.startswith(f"{agent}#")]
        if mine:
            agents[agent] = (len(mine), sum(log.disposition == "connected" for log in mine),
                             round(sum(int(log.duration_s) for log in mine) / 60))
    return {"attempts": len(logs), "connects": by["connected"], "opt_outs": by["do_not_call"],
            "talk_min": round(sum(int(log.duration_s) for log in logs) / 60),
            "by_disposition": {d: by[d] for d in rules.DISPOSITION_LABELS},
            "campaigns": {cid: (len(logs), by["connected"])}, "agents": agents}


def stated(content: dict[str, Any]) -> dict[str, Any]:
    """The same figures as a stored digest states them."""
    h = content["headline"]
    out: dict[str, Any] = {k: h[k] for k in ("attempts", "connects", "opt_outs", "talk_min")}
    out["by_disposition"] = {d["disposition"]: d["count"] for d in content["by_disposition"]}
    out["campaigns"] = {c["campaign_id"]: (c["attempts"], c["connects"]) for c in content["campaigns"]}
    out["agents"] = {a["agent"]: (a["attempts"], a["connects"], a["talk_min"]) for a in content["agents"]}
    return out


def stored(audience: str, period: str) -> DigestModel:
    return DigestModel.get(digest_key(audience, period), consistent_read=True)


def fire_day(api: Api, clock: Clock, day: str) -> None:
    clock.set_ist(day, "22:00")
    fire(api, DAY_FUNCTION, clock.now)


def mails_of(period: str, to: str) -> list[dict[str, str]]:
    return [parts(m) for m in sent_emails() if subject(m).endswith(period) and m["To"] == to]


@pytest.mark.parametrize(("recorded_on", "recorded_at", "corrected_in"), [
    ("2026-03-11", "09:00", "2026-03-11"),  # the next morning: the next day's digest carries it
    ("2026-03-12", "10:00", "2026-03-12"),  # the second morning (within 48 h): two days on
])
def test_a_call_started_at_2050_and_recorded_the_next_morning_is_corrected_in_the_next_digest(
        api: Api, aws: Env, clock: Clock, recorded_on: str, recorded_at: str, corrected_in: str) -> None:
    configure(api)
    floor = Floor(api, aws, clock)
    for agent, disposition in (("agent01", "connected"), ("agent02", "no_answer"), ("agent01", "busy"),
                               ("agent02", "connected")):
        floor.call(agent, disposition)
        clock.advance(minutes=5)
    late = floor.late("agent03", "connected", duration_s=240)  # agent03's phone goes offline at 20:48
    fire_day(api, clock, DAY)
    sent = stored("district", DAY).content
    assert stated(sent)["attempts"] == 4 and "agent03" not in stated(sent)["agents"]
    assert sent["corrections"] == []

    day = "2026-03-11"
    while day <= recorded_on:  # the days between: a call of each day at 11:00, the late call on its morning
        if day == recorded_on:
            clock.set_ist(day, recorded_at)
            floor.record("agent03", late)
        clock.set_ist(day, "11:00")
        floor.call("agent01", "connected")
        if day < corrected_in:
            fire_day(api, clock, day)
            assert stored("district", day).content["corrections"] == []
        day = (clock.now + timedelta(days=1)).date().isoformat()
    fire_day(api, clock, corrected_in)
    fire_day(api, clock, corrected_in)  # the schedule firing twice changes and sends nothing more

    truth = recomputed(DAY, floor.cid)
    assert truth["attempts"] == 5 and truth["connects"] == 3 and truth["agents"]["agent03"] == (1, 1, 4)
    for audience in rules.AUDIENCES:
        earlier = stored(audience, DAY)
        assert earlier.version == 1  # corrected once, whatever ran twice
        assert earlier.content["corrected_in"] == corrected_in
        figures = stated(earlier.content) if audience == "district" else None
        if figures is not None:
            assert figures == truth
        h = earlier.content["headline"]
        assert (h["attempts"], h["connects"], h["talk_min"]) == (5, 3, truth["talk_min"])
        assert earlier.snapshot["day"]["attempts"] == 5 and earlier.snapshot["day"]["talk_s"] == 4 * 95 + 240
        (fix,) = stored(audience, corrected_in).content["corrections"]
        assert fix["date"] == DAY
        lines = {line["figure"]: (line["old"], line["new"]) for line in fix["lines"]}
        assert lines["attempts"] == (4, 5) and lines["connects"] == (2, 3) and lines["d:connected"] == (2, 3)
        assert "opt_outs" not in lines and "d:busy" not in lines  # only what changed
        if audience == "district":
            assert lines["a:agent03:attempts"] == (0, 1) and lines["a:agent03:talk_min"] == (0, 4)
            assert lines[f"c:{floor.cid}:attempts"] == (4, 5)
        if audience == "central":
            assert not any(key.startswith(("c:", "a:")) for key in lines)  # central sees neither
    # what people received: each recipient once, the correction in both languages and both parts
    for to in (DISTRICT[0], STATE[0]):
        (mail,) = mails_of(corrected_in, to)
        text, html = mail["text/plain"], mail["text/html"]
        assert "पिछले दिनों के सुधार / Corrections for earlier days" in text
        assert f"{DAY}\n- कॉल किए / Calls attempted: 4 → 5" in text
        assert "- बात हुई / Calls connected: 2 → 3" in text
        assert "Corrections for earlier days" in html and f'data-corrections="{DAY}"' in html
        assert not rules.has_phone(text) and not rules.has_phone(html)
        assert len(mails_of(DAY, to)) == 1  # the earlier day is not sent again
    notes = published("state")
    summary = json.loads(json.loads(notes[-1][1])["sqs"])
    assert summary["period"] == corrected_in
    assert summary["corrections"][DAY]["attempts"] == [4, 5] and summary["corrections"][DAY]["connects"] == [2, 3]
    assert f"Corrected {DAY}: calls 4->5, connected 2->3" in json.loads(notes[-1][1])["default"]
    assert len(notes) == 1 + (date_index(corrected_in) - date_index(DAY))  # one per day digest, none twice
    # the day after: nothing left to correct, nothing said again
    fire_day(api, clock, "2026-03-13")
    assert stored("state", "2026-03-13").content["corrections"] == []
    assert stored("state", DAY).version == 1
    # the preview of the corrected day shows the figures now, with the note
    text = api.get(f"/digests/{DAY}?audience=district&format=text", role="admin").body.decode()
    assert "कॉल किए / Calls attempted: 5" in text and f"corrected in the digest of {corrected_in}" in text


def date_index(day: str) -> int:
    return int(day[-2:])


def test_a_call_of_the_late_evening_recorded_two_days_later_after_that_days_digest_is_still_corrected(
        api: Api, aws: Env, clock: Clock) -> None:
    """Started at 22:30 on the 10th (a campaign calling till 23:30), recorded at 22:15 on the 12th (within
    48 h, after the 12th's digest): the 13th's digest looks three days back and carries it."""
    configure(api)
    floor = Floor(api, aws, clock, calling_hours={"start": "09:00", "end": "23:30"})
    floor.call("agent01", "connected")
    fire_day(api, clock, DAY)
    late = floor.late("agent02", "busy", leased="22:28", started="22:30", duration_s=30)
    for day in ("2026-03-11", "2026-03-12"):
        fire_day(api, clock, day)
    clock.set_ist("2026-03-12", "22:15")
    floor.record("agent02", late)
    fire_day(api, clock, "2026-03-13")
    (fix,) = stored("district", "2026-03-13").content["corrections"]
    assert fix["date"] == DAY
    assert stated(stored("district", DAY).content) == recomputed(DAY, floor.cid)
    assert recomputed(DAY, floor.cid)["by_disposition"]["busy"] == 1


def test_concurrent_builds_store_and_report_one_correction(api: Api, aws: Env, clock: Clock) -> None:
    """Two runs (a schedule fired twice) both read before either writes: the first write stores the digest
    and the correction, the second gets the stored digest and changes nothing. (Interleaved by hand:
    moto rolls a cancelled transaction back by restoring a copy of the whole table, which would undo a
    concurrent thread's committed write; DynamoDB does not.)"""
    configure(api)
    floor = Floor(api, aws, clock)
    floor.call("agent01", "connected")
    floor.record_next_morning("agent02", floor.late("agent02", "do_not_call"))
    key = digest_key("state", "2026-03-11")
    first, second = builder.build("state", "2026-03-11"), builder.build("state", "2026-03-11")
    assert len(first.corrections) == len(second.corrections) == 1  # both found the late call
    kept = store.keep_first(key, first.content, first.snapshot, iso(clock.now), first.corrections)
    again = store.keep_first(key, second.content, second.snapshot, iso(clock.now), second.corrections)
    assert again.content == kept.content and again.created_at == kept.created_at
    (fix,) = kept.content["corrections"]
    assert {line["figure"]: (line["old"], line["new"]) for line in fix["lines"]}["opt_outs"] == (0, 1)
    assert stored("state", DAY).version == 1  # corrected once
    assert stored("state", DAY).content["headline"]["opt_outs"] == 1
    fire_day(api, clock, "2026-03-11")
    fire_day(api, clock, "2026-03-11")
    assert stored("state", DAY).version == 1 and service.digest("state", "2026-03-11") == kept.content
    sent_on_11 = sorted(m["To"] for m in sent_emails() if subject(m).endswith("2026-03-11"))
    assert sent_on_11 == sorted(STATE + CENTRAL + DISTRICT)  # each recipient once


def test_a_correction_computed_from_a_version_that_changed_meanwhile_writes_nothing(
        api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    floor = Floor(api, aws, clock)
    floor.record_next_morning("agent01", floor.late("agent01", "connected"))
    built = builder.build("state", "2026-03-11")
    assert len(built.corrections) == 1
    other = stored("state", DAY)
    other.update(actions=[DigestModel.version.set(7)])  # another writer corrected it first
    with pytest.raises(store.Stale):
        store.keep_first(digest_key("state", "2026-03-11"), built.content, built.snapshot, iso(clock.now),
                         built.corrections)
    assert store.get(digest_key("state", "2026-03-11")) is None  # no partial write: neither item changed
    assert stored("state", DAY).content["headline"]["attempts"] == 0
    # the next build compares with the stored version and goes through
    content = service.digest("state", "2026-03-11")
    assert content["corrections"][0]["date"] == DAY
    assert stored("state", DAY).version == 8 and stored("state", DAY).content["headline"]["attempts"] == 1
