"""Digests under moto: what SES and SNS received (read back from moto), figures recomputed from the call
logs the test made, sending once per (audience, period, recipient), failures, suppression, roles."""

from __future__ import annotations

import email
import json
import threading
from collections import Counter
from email.message import Message
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from chalicelib.calls.rules import DISPOSITIONS
from chalicelib.calls.store import CallLogModel
from chalicelib.core import clients
from chalicelib.core.settings import get_settings
from chalicelib.digests import rules, service
from chalicelib.digests.routes import DAY_FUNCTION, SHIFT_FUNCTION
from chalicelib.notify import service as notify
from chalicelib.notify import store as outbox
from chalicelib.org.store import get_contact
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, on_duty
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
STATE = ["state.one@example.org", "state.two@example.org"]
CENTRAL = ["central@example.org"]
DISTRICT = ["district@example.org"]
PLAN = ["connected", "connected", "no_answer", "busy", "do_not_call", "callback_requested", "connected", "declined"]


def sent_emails() -> list[Message]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"]
    return [email.message_from_string(m.raw_data) for m in backend.sent_messages if hasattr(m, "raw_data")]


def published(audience: str) -> list[tuple[Any, ...]]:
    arn = getattr(get_settings(), f"{audience}_topic_arn")
    return list(sns_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"].topics[arn].sent_notifications)


def parts(message: Message) -> dict[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    out = {}
    for part in message.get_payload():  # type: ignore[union-attr]
        assert part.get_content_charset() == "utf-8"
        out[part.get_content_type()] = part.get_payload(decode=True).decode("utf-8")
    assert list(out) == ["text/plain", "text/html"]
    return out


def subject(message: Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def configure(api: Api) -> None:
    r = api.put("/settings/digests", {"version": 0, "silent_days": 1, "audiences": {
        "state": {"recipients": STATE}, "central": {"recipients": CENTRAL}, "district": {"recipients": DISTRICT}}})
    assert r.status == 200, r.body


def make_calls(api: Api, aws: Env, clock: Clock, plan: list[str]) -> str:
    """Contacts in both booths, a campaign, and one call per disposition in the plan (two agents)."""
    add_contacts(api, B1, len(plan) // 2, start=0)
    add_contacts(api, B2, len(plan) - len(plan) // 2, start=50)
    cid = str(active_campaign(api)["campaign_id"])
    tokens = [aws.user("agent01", "agent"), aws.user("agent02", "agent")]
    on_duty("agent01", "agent02")
    for i, disposition in enumerate(plan):
        token = tokens[i % 2]
        screen = api.post(f"/campaigns/{cid}/next", token=token).json
        extra: dict[str, Any] = {}
        if disposition == "callback_requested":
            extra = {"callback_at": "2026-03-11T12:00:00+05:30", "answers": None}
        r = api.post("/calls", call_body(cid, screen["contact"]["contact_id"], disposition, **extra), token=token)
        assert r.status == 201, r.body
        clock.advance(minutes=3)
    return cid


def logs_of(day: str) -> list[CallLogModel]:
    return [log for agent in ("agent01", "agent02") for log in CallLogModel.by_agent_day.query(f"{agent}#{day}")]


def fire(api: Api, function: str, at: Any) -> Any:
    event = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
    event["time"] = at.isoformat()
    return api.client.lambda_.invoke(function, event).payload


def fire_day(api: Api, clock: Clock, day: str = DAY) -> Any:
    clock.set_ist(day, "22:00")
    return fire(api, DAY_FUNCTION, clock.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    return Clock(monkeypatch, ist(DAY, "10:00"))


def test_day_digest_is_sent_once_per_recipient_with_the_figures_of_the_call_logs(
        api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    make_calls(api, aws, clock, PLAN)
    fire_day(api, clock)
    fire_day(api, clock)  # the schedule firing twice sends nothing more
    mails = sent_emails()
    assert sorted(m["To"] for m in mails) == sorted(STATE + CENTRAL + DISTRICT)
    logs = logs_of(DAY)
    by_disposition = Counter(log.disposition for log in logs)
    assert len(logs) == len(PLAN)
    for message in mails:
        body = parts(message)
        title = subject(message)
        assert "संपर्क सारांश" in title and "Sampark" in title and DAY in title
        for text in (body["text/plain"], body["text/html"], title):
            assert "कॉल किए" in text or "Sampark" in text
            assert not rules.has_phone(text), text
        assert f"कॉल किए / Calls attempted: {len(logs)}" in body["text/plain"]
        assert f"बात हुई / Calls connected: {by_disposition['connected']}" in body["text/plain"]
        assert f"ऑप्ट-आउट / Opt-outs: {by_disposition['do_not_call']}" in body["text/plain"]
        if message["To"] in DISTRICT:
            for d in DISPOSITIONS:
                assert f"/ {rules.DISPOSITION_LABELS[d][1]}: {by_disposition[d]}" in body["text/plain"]
            assert "agent01" in body["text/plain"] and "agent02" in body["text/plain"]
            booths = {get_contact(log.contact_id).unit_id for log in logs  # type: ignore[union-attr]
                      if log.disposition == "connected"}
            assert f"बूथ / Booth: {len(booths)}/2" in body["text/plain"]
        if message["To"] in CENTRAL:
            assert "agent01" not in body["text/plain"] and "Calls by outcome" not in body["text/plain"]
        assert "<table" in body["text/html"] and 'style="' in body["text/html"]
    for audience in rules.AUDIENCES:
        notes = published(audience)
        assert len(notes) == 1
        structured = json.loads(notes[0][1])
        assert len(structured["default"]) <= rules.SMS_MAX and not rules.has_phone(structured["default"])
        summary = json.loads(structured["sqs"])
        assert summary["attempts"] == len(logs) and summary["connects"] == by_disposition["connected"]
        assert summary["by_disposition"] == {d: by_disposition[d] for d in DISPOSITIONS}
    preview = api.get(f"/digests/{DAY}?audience=state&format=json", role="state_leader").json
    assert {d["status"] for d in preview["deliveries"]} == {"sent"}
    assert preview["digest"]["headline"]["attempts"] == len(logs)


def test_concurrent_runs_send_each_message_once(api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    make_calls(api, aws, clock, PLAN[:4])
    clock.set_ist(DAY, "22:00")
    service.digest("state", DAY)  # built once; the racers send it
    errors: list[BaseException] = []

    def run() -> None:
        try:
            service.send("state", DAY)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(m["To"] for m in sent_emails()) == sorted(STATE)
    assert len(published("state")) == 1


def test_throttling_is_retried_and_a_permanent_failure_alerts_ops_and_is_visible(
        api: Api, aws: Env, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(api)
    make_calls(api, aws, clock, PLAN[:3])
    clock.set_ist(DAY, "22:00")
    ses = clients.client("ses")
    real = ses.send_raw_email
    throttles = {"n": 2}

    def flaky(**kwargs: Any) -> Any:
        if kwargs["Destinations"] == [STATE[1]]:
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": "Address blacklisted"}}, "SendRawEmail")
        if throttles["n"]:
            throttles["n"] -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded"}},
                              "SendRawEmail")
        return real(**kwargs)

    monkeypatch.setattr(ses, "send_raw_email", flaky)
    result = service.send("state", DAY)
    assert [m["To"] for m in sent_emails()] == [STATE[0]]
    assert result["outcomes"][f"digest#state#{DAY}#{STATE[1]}#email"] == "failed"
    alerts = published("ops")
    assert len(alerts) == 1 and "state" in alerts[0][1]
    item = outbox.get(f"digest#state#{DAY}#{STATE[1]}#email")
    assert item is not None and item.status == "failed" and item.error_code == "MessageRejected"
    service.send("state", DAY)  # a re-run sends nothing again, alerts nothing again
    assert len(sent_emails()) == 1 and len(published("ops")) == 1
    preview = api.get(f"/digests/{DAY}?audience=state", role="admin").json
    statuses = [(d["status"], d["error_code"]) for d in preview["deliveries"] if d["channel"] == "email"]
    assert sorted(statuses) == [("failed", "MessageRejected"), ("sent", None)]


def test_a_rerun_after_a_partial_failure_sends_only_what_is_missing(
        api: Api, aws: Env, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(api)
    make_calls(api, aws, clock, PLAN[:2])
    clock.set_ist(DAY, "22:00")
    ses = clients.client("ses")
    real = ses.send_raw_email

    def down_for_second(**kwargs: Any) -> Any:
        if kwargs["Destinations"] == [STATE[1]]:
            raise ClientError({"Error": {"Code": "InternalFailure", "Message": "try later"}}, "SendRawEmail")
        return real(**kwargs)

    monkeypatch.setattr(ses, "send_raw_email", down_for_second)
    assert service.send("state", DAY)["outcomes"][f"digest#state#{DAY}#{STATE[1]}#email"] == "deferred"
    monkeypatch.setattr(ses, "send_raw_email", real)
    service.send("state", DAY)
    assert sorted(m["To"] for m in sent_emails()) == sorted(STATE)


def test_bounces_and_complaints_suppress_later_digests(api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    make_calls(api, aws, clock, PLAN[:2])
    bounce = {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",
                                                      "bouncedRecipients": [{"emailAddress": STATE[0]}]}}
    soft = {"notificationType": "Bounce", "bounce": {"bounceType": "Transient",
                                                    "bouncedRecipients": [{"emailAddress": CENTRAL[0]}]}}
    complaint = {"notificationType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": STATE[1]}]}}
    # delivered as SES delivers them: through the feedback topic's subscribed function
    delivered = [api.client.lambda_.invoke("ses_feedback", api.client.events.generate_sns_event(
        message=json.dumps(m), subject="Amazon SES Email Event Notification")).payload
        for m in (bounce, soft, complaint)]
    assert delivered == [1, 0, 1]
    clock.set_ist(DAY, "22:00")
    result = service.send("state", DAY)
    service.send("central", DAY)
    assert [m["To"] for m in sent_emails()] == CENTRAL
    assert set(result["outcomes"].values()) == {"suppressed", "sent"}


def test_preview_roles_formats_and_escaping(api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    r = api.put("/units/chw-a1-m1-k1-b2", {"level": "booth", "parent_id": "chw-a1-m1-k1",
                                          "name_hi": "<b>बूथ 2</b> 9876543210", "name_en": "<script>x</script>"})
    assert r.status == 200, r.body
    add_contacts(api, B2, 1)
    active_campaign(api)
    clock.set_ist(DAY, "22:00")
    html = api.get(f"/digests/{DAY}?audience=district&format=html", role="supervisor")
    assert html.status == 200 and html.headers["Content-Type"].startswith("text/html")
    page = html.body.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert not rules.has_phone(page)
    assert api.get(f"/digests/{DAY}?audience=state", role="supervisor").status == 403
    assert api.get(f"/digests/{DAY}?audience=central", role="state_leader").status == 403
    assert api.get(f"/digests/{DAY}?audience=central", role="central_leader").status == 200
    assert api.get(f"/digests/{DAY}?audience=nope", role="admin").status == 400
    assert api.get(f"/digests/{DAY}?audience=state", role="agent").status == 403
    assert api.get("/digests/yesterday?audience=state", role="admin").status == 400
    # what was previewed after the day ended is what is sent
    previewed = api.get(f"/digests/{DAY}?audience=district&format=text", role="admin").body.decode()
    service.send("district", DAY)
    assert parts(sent_emails()[0])["text/plain"] == previewed


def test_settings_route_validates_and_guards_its_version(api: Api) -> None:
    assert api.get("/settings/digests", role="admin").json["version"] == 0
    assert api.get("/settings/digests", role="supervisor").status == 403
    bad = api.put("/settings/digests", {"version": 0, "audiences": {"state": {"recipients": ["not-an-email"]}}})
    assert bad.status == 400
    ok = api.put("/settings/digests", {"version": 0, "audiences": {"state": {"recipients": ["A@Example.org"]}}})
    assert ok.status == 200 and ok.json["audiences"]["state"]["recipients"] == ["a@example.org"]
    stale = api.put("/settings/digests", {"version": 0, "audiences": {}})
    assert stale.status == 409


def test_shift_digests_split_the_day(api: Api, aws: Env, clock: Clock) -> None:
    configure(api)
    make_calls(api, aws, clock, PLAN[:3])
    clock.set_ist(DAY, "14:40")
    fire(api, SHIFT_FUNCTION, clock.now)
    clock.set_ist(DAY, "15:00")
    screenless = make_evening_call(api, aws)
    clock.set_ist(DAY, "21:10")
    fire(api, SHIFT_FUNCTION, clock.now)
    fire(api, SHIFT_FUNCTION, clock.now)
    mails = {subject(m): parts(m)["text/plain"] for m in sent_emails()}
    assert len(mails) == 2
    morning = next(t for s, t in mails.items() if s.endswith(f"{DAY}.morning"))
    evening = next(t for s, t in mails.items() if s.endswith(f"{DAY}.evening"))
    assert "Calls attempted: 3" in morning and f"Calls attempted: {screenless}" in evening


def make_evening_call(api: Api, aws: Env) -> int:
    cid = api.get("/campaigns?status=active", role="admin").json["items"][0]["campaign_id"]
    token = aws.user("agent03", "agent")
    on_duty("agent03")
    screen = api.post(f"/campaigns/{cid}/next", token=token).json
    r = api.post("/calls", call_body(cid, screen["contact"]["contact_id"], "connected"), token=token)
    assert r.status == 201, r.body
    return 1


@pytest.mark.parametrize("date", ["2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "2019-12-31",
                                  "2026-03-12", "2026-02-30.morning", "0001-01-01.evening"])
def test_impossible_or_extreme_dates_are_refused_on_the_date_field(api: Api, clock: Clock, date: str) -> None:
    # the clock is 2026-03-10 10:00 IST: tomorrow (03-11) is the latest day a digest can be asked for
    for fmt in ("json", "html", "text"):
        r = api.get(f"/digests/{date}?audience=state&format={fmt}", role="admin")
        assert r.status == 400, (date, r.status, r.body)
        assert r.error["field"] == "date" and r.error["code"] == "invalid", r.body


def test_the_bounds_themselves_are_days_a_digest_can_be_read_for(api: Api, clock: Clock) -> None:
    for date in ("2020-01-01", "2026-03-11", "2026-03-11.evening", "2024-02-29"):
        r = api.get(f"/digests/{date}?audience=state", role="admin")
        assert r.status == 200, (date, r.body)
        assert r.json["digest"]["headline"]["attempts"] == 0
