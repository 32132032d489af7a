"""Programme relay under moto: a programme published on SNS becomes one draft (redeliveries and
republishing change nothing), invalid programmes become dead letters (what DynamoDB and the ops topic
hold), and the relay facts of calls move the per-unit relay state, completion per level, confirmed
below and broken links, over a synthetic district."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from chalicelib.calls.store import CallLogModel
from chalicelib.core.clock import iso
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.relay.routes import PROGRAMME_FUNCTION
from chalicelib.relay.store import ProgrammeMessageModel
from chalicelib.reporting.counters import CounterModel, campaign_unit, figures
from tests.api.calling import B1, B2, Clock, add_contacts, call_body, ist, run_activation
from tests.api.conftest import Api
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
A1, M1, M2, K1 = "chw-a1", "chw-a1-m1", "chw-a1-m2", "chw-a1-m1-k1"
UNITS = ("chw", A1, M1, M2, K1, B1, B2)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


def programme(**overrides: Any) -> dict[str, Any]:
    message = {
        "programme_id": "bhopal-2026-031", "source": "state",
        "title_hi": "मतदाता जागरूकता सप्ताह", "title_en": "Voter awareness week", "date": "2026-03-15",
        "instructions_hi": "हर बूथ पर बैठक करें और सूचना आगे बढ़ाएँ।",
        "instructions_en": "Hold a meeting at every booth and pass the word on.",
        "levels": ["assembly", "mandal", "shakti_kendra", "booth"],
        "deadline": iso(ist("2026-03-11", "18:00")),
    }
    message.update(overrides)
    return message


def publish(api: Api, clock: Clock, message: Any, message_id: str | None = None) -> dict[str, Any]:
    """Deliver as SNS does: the subscribed function gets an SNS event (its MessageId is SNS's)."""
    text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    event = api.client.events.generate_sns_event(message=text, subject="programme")
    event["Records"][0]["Sns"].update(MessageId=message_id or str(uuid.uuid4()), Timestamp=iso(clock.now))
    return dict(api.client.lambda_.invoke(PROGRAMME_FUNCTION, event).payload)


def drafts(api: Api) -> list[dict[str, Any]]:
    r = api.get("/campaigns?status=draft", role="supervisor")
    assert r.status == 200, r.body
    return list(r.json["items"])


def ops_alerts() -> list[Any]:
    arn = get_settings().ops_topic_arn
    return list(sns_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"].topics[arn].sent_notifications)


def record_of(message_id: str) -> ProgrammeMessageModel:
    return ProgrammeMessageModel.get(f"msg#{message_id}", consistent_read=True)


# ---- arriving by SNS -----------------------------------------------------------------------


@pytest.fixture
def info_logs() -> Iterator[None]:
    """Log at INFO, as the local stack and Lambda do (a log line's keys are checked when it is made)."""
    level = logger.log_level
    logger.setLevel("INFO")
    yield
    logger.setLevel(level)


@pytest.mark.usefixtures("info_logs")
def test_a_published_programme_is_one_draft_however_often_it_arrives(api: Api, clock: Clock) -> None:
    first = publish(api, clock, programme(), "m-1")
    assert first["status"] == "accepted" and first["created"] is True
    again = publish(api, clock, programme(), "m-1")  # SNS redelivers the same message
    assert again == {"status": "accepted", "campaign_id": first["campaign_id"], "replayed": True}
    clock.advance(days=1)  # the office publishes the same programme again the next day
    republished = publish(api, clock, programme(), "m-2")
    assert republished["campaign_id"] == first["campaign_id"] and republished["created"] is False
    listed = drafts(api)
    assert [c["campaign_id"] for c in listed] == [first["campaign_id"]]
    campaign = api.get(f"/campaigns/{first['campaign_id']}", role="supervisor").json
    assert campaign["kind"] == "programme_relay" and campaign["status"] == "draft"
    assert campaign["script_hi"].startswith("हर बूथ") and campaign["title_en"] == "Voter awareness week"
    assert campaign["target"] == {"unit_id": "chw", "level": "district", "roles": [
        "assembly_incharge", "mandal_president", "shakti_kendra_incharge", "booth_president"]}
    assert (campaign["starts_on"], campaign["ends_on"]) == (DAY, "2026-03-11")
    assert campaign["programme"] == {"source": "state", "programme_id": "bhopal-2026-031", "date": "2026-03-15",
                                     "deadline": "2026-03-11T12:30:00.000Z",
                                     "levels": ["assembly", "mandal", "shakti_kendra", "booth"]}
    assert campaign["created_by"] == "programme:state"
    assert record_of("m-1").status == "accepted" and record_of("m-2").campaign_id == first["campaign_id"]
    assert ops_alerts() == []
    # the same programme_id from the other office is another programme
    central = publish(api, clock, programme(source="central"), "m-3")
    assert central["created"] is True and central["campaign_id"] != first["campaign_id"]


@pytest.mark.parametrize(("message", "code", "field"), [
    ({k: v for k, v in programme().items() if k != "title_en"}, "required", "title_en"),
    (programme(levels=["booth", "ward"]), "invalid", "levels[1]"),
    (programme(levels=[]), "invalid", "levels"),
    (programme(deadline="2026-03-10T09:00:00+05:30"), "invalid", "deadline"),
    (programme(deadline="next week"), "invalid", "deadline"),
    (programme(unit_id="nowhere"), "not_found", "target.unit_id"),
    (programme(roles=["mandal_president", "mandal_president"]), "invalid", "target.roles"),
    (programme(extra="x"), "unknown_field", "extra"),
    ("{not json", "invalid", "message"),
    ("[1, 2]", "invalid", "message"),
])
def test_an_invalid_programme_is_a_dead_letter_and_creates_nothing(api: Api, clock: Clock, message: Any,
                                                                   code: str, field: str) -> None:
    for _ in range(2):  # delivered twice: one dead letter, one alert
        result = publish(api, clock, message, "bad-1")
        assert result["status"] == "rejected" and result["code"] == code
    assert drafts(api) == []
    dead = record_of("bad-1")
    assert (dead.status, dead.reason_code, dead.reason_field) == ("rejected", code, field)
    assert dead.reason_message and dead.message == (message if isinstance(message, str)
                                                    else json.dumps(message, ensure_ascii=False))
    alerts = ops_alerts()
    assert len(alerts) == 1
    assert "bad-1" in alerts[0][1] and code in alerts[0][1] and "अस्वीकार" in alerts[0][1]


def test_a_programme_id_reused_for_other_content_is_refused(api: Api, clock: Clock) -> None:
    first = publish(api, clock, programme(), "m-1")
    other = publish(api, clock, programme(title_en="Something else"), "m-2")
    assert other["status"] == "rejected" and other["code"] == "programme_id_reused"
    assert [c["campaign_id"] for c in drafts(api)] == [first["campaign_id"]]
    assert record_of("m-2").reason_field == "programme_id" and len(ops_alerts()) == 1


def test_admins_create_a_programme_relay_through_the_api(api: Api, clock: Clock) -> None:
    body = {"title_hi": "बैठक", "title_en": "Meeting", "script_hi": "सूचना", "script_en": "Notice",
            "kind": "programme_relay", "target": {"unit_id": A1, "roles": ["mandal_president", "booth_president"]},
            "starts_on": DAY, "ends_on": "2026-03-12",
            "programme": {"date": "2026-03-14", "deadline": "2026-03-12T12:00:00+05:30", "levels": ["mandal", "booth"]}}
    r = api.post("/campaigns", body, role="admin")
    assert r.status == 201, r.body
    assert r.json["programme"] == {"source": "district", "programme_id": None, "date": "2026-03-14",
                                   "deadline": "2026-03-12T06:30:00.000Z", "levels": ["mandal", "booth"]}
    bad = api.post("/campaigns", {**body, "kind": "scheme"}, role="admin")
    assert bad.status == 400 and bad.error["field"] == "programme"
    early = api.post("/campaigns", {**body, "programme": {"deadline": "2026-03-01T12:00:00+05:30"}}, role="admin")
    assert early.status == 400 and early.error["field"] == "programme.deadline"
    tree = api.get(f"/campaigns/{r.json['campaign_id']}/relay", role="state_leader")
    assert tree.status == 200, tree.body
    assert tree.json["campaign"]["levels"] == ["mandal", "booth"] and tree.json["unit"]["unit_id"] == A1
    assert [c["level"] for c in tree.json["completion"]] == ["mandal", "booth"]
    outside = api.get(f"/campaigns/{r.json['campaign_id']}/relay?unit=chw", role="admin")
    assert outside.status == 400 and outside.error["field"] == "unit"
    edited = api.patch(f"/campaigns/{r.json['campaign_id']}", {
        "version": 1, "programme": {"deadline": "2026-03-11T18:00:00+05:30", "levels": ["booth"]}}, role="admin")
    assert edited.status == 200, edited.body
    assert edited.json["programme"]["levels"] == ["booth"] and edited.json["programme"]["source"] == "district"
    assert edited.json["programme"]["deadline"] == "2026-03-11T12:30:00.000Z"


# ---- relay facts and the tree --------------------------------------------------------------


@pytest.fixture
def relay(api: Api, clock: Clock) -> dict[str, Any]:
    """An active programme relay over the synthetic district: one in-charge per unit, two booth
    presidents at booth 1."""
    people = {}
    for i, (unit, role) in enumerate([(A1, "assembly_incharge"), (M1, "mandal_president"),
                                      (M2, "mandal_president"), (K1, "shakti_kendra_incharge"),
                                      (B1, "booth_president"), (B2, "booth_president")]):
        people[unit] = add_contacts(api, unit, 1, start=10 * i, role=role)[0]
    people["b1-second"] = add_contacts(api, B1, 1, start=99, role="booth_president")[0]
    add_contacts(api, B1, 1, start=77, role="booth_committee_member")  # not a role this programme calls
    cid = publish(api, clock, programme(), "m-1")["campaign_id"]
    r = api.post(f"/campaigns/{cid}/activate", role="admin")
    assert r.status == 202, r.body
    run_activation(api)
    assert api.get(f"/campaigns/{cid}", role="admin").json["status"] == "active"
    return {"cid": cid, "people": people}


def call(api: Api, cid: str, contact_id: str, disposition: str = "connected", **extra: Any) -> Any:
    return api.post("/calls", call_body(cid, contact_id, disposition, answers={}, **extra), role="supervisor")


def facts(received: bool, passed_on: bool = False) -> dict[str, bool]:
    return {"received": received, "passed_on": passed_on}


def tree(api: Api, cid: str, unit: str | None = None, role: str = "supervisor", **query: str) -> dict[str, Any]:
    params = "&".join(f"{k}={v}" for k, v in ({"unit": unit} if unit else {}).items() | query.items())
    r = api.get(f"/campaigns/{cid}/relay" + (f"?{params}" if params else ""), role=role)
    assert r.status == 200, r.body
    return dict(r.json)


def states(api: Api, cid: str, unit: str) -> dict[str, tuple[str, bool]]:
    body = tree(api, cid, unit)
    nodes = [body["unit"], *body["items"]]
    return {n["unit_id"]: (n["state"], n["broken_link"]) for n in nodes}


def counters_of(cid: str) -> dict[str, dict[str, int]]:
    out = {}
    for unit in UNITS:
        try:
            out[unit] = figures(CounterModel.get(*campaign_unit(cid, unit), consistent_read=True))
        except CounterModel.DoesNotExist:
            out[unit] = figures(None)
    return out


def test_relay_states_completion_and_broken_links_at_every_level(api: Api, clock: Clock,
                                                                  relay: dict[str, Any]) -> None:
    cid, who = relay["cid"], relay["people"]
    start = tree(api, cid)
    assert start["unit"]["unit_id"] == "chw" and start["unit"]["state"] == "not_reached"
    assert [(c["level"], c["targeted_units"], c["received_units"]) for c in start["completion"]] == [
        ("assembly", 1, 0), ("mandal", 2, 0), ("shakti_kendra", 1, 0), ("booth", 2, 0)]

    assert call(api, cid, who[A1], relay=facts(True, True)).status == 201
    assert states(api, cid, "chw")[A1] == ("passed_on", False)
    assert call(api, cid, who[M1], relay=facts(True, True)).status == 201
    assert call(api, cid, who[M2], relay=facts(True)).status == 201
    assert call(api, cid, who[K1], relay=facts(True, True)).status == 201
    assert call(api, cid, who[B2], "no_answer").status == 201
    assert states(api, cid, "chw")[A1] == ("confirmed_below", False)  # a mandal under it received it
    assert states(api, cid, A1) == {A1: ("confirmed_below", False), M1: ("confirmed_below", False),
                                    M2: ("received", False)}
    # the kendra says it passed the programme on; no booth has received it yet, before the deadline
    assert states(api, cid, M1) == {M1: ("confirmed_below", False), K1: ("passed_on", False)}
    assert states(api, cid, K1) == {K1: ("passed_on", False), B1: ("not_reached", False),
                                    B2: ("not_reached", False)}

    clock.set_ist("2026-03-11", "18:30")  # the deadline is over: the kendra is a broken link
    body = tree(api, cid, M1)
    assert body["campaign"]["deadline_passed"] is True and body["broken_links_on_page"] == 1
    assert body["items"][0]["unit_id"] == K1 and body["items"][0]["broken_link"] is True
    assert states(api, cid, K1)[K1] == ("passed_on", True)
    assert states(api, cid, A1)[M2] == ("received", False)  # received, never said passed on: not a broken link

    first_b1 = call(api, cid, who[B1], relay=facts(True))
    assert first_b1.status == 201 and first_b1.json["relay"] == {"received": True, "passed_on": False}
    assert call(api, cid, who["b1-second"], relay=facts(True, True)).status == 201  # booths are never broken
    assert states(api, cid, K1) == {K1: ("confirmed_below", False), B1: ("passed_on", False),
                                    B2: ("not_reached", False)}
    end = tree(api, cid, role="central_leader")
    assert [(c["level"], c["targeted_units"], c["received_units"], c["share"]) for c in end["completion"]] == [
        ("assembly", 1, 1, 1.0), ("mandal", 2, 2, 1.0), ("shakti_kendra", 1, 1, 1.0), ("booth", 2, 1, 0.5)]
    b1 = tree(api, cid, K1)["items"][0]
    assert (b1["unit_id"], b1["received"], b1["passed_on"], b1["connects"]) == (B1, 2, 1, 2)
    assert b1["state_label"] == {"hi": "आगे बताया", "en": "passed on"}
    assert "phone" not in json.dumps(end)
    # the counters behind it, unit by unit: one acknowledgement per unit counted per level, however many
    c = counters_of(cid)
    assert (c[B1]["relay_received"], c[B1]["relay_passed_on"], c[B1]["received_booth"]) == (2, 1, 1)
    assert (c["chw"]["received_booth"], c[A1]["received_mandal"], c[M1]["received_shakti_kendra"]) == (1, 2, 1)
    assert c["chw"]["relay_received"] == 0 and c[B2]["relay_received"] == 0


def test_a_replayed_call_changes_no_relay_counter(api: Api, clock: Clock, relay: dict[str, Any]) -> None:
    cid, who = relay["cid"], relay["people"]
    body = call_body(cid, who[B1], "connected", answers={}, relay=facts(True, True))
    assert api.post("/calls", body, role="supervisor").status == 201
    before = counters_of(cid)
    again = api.post("/calls", body, role="supervisor")
    assert again.status == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert counters_of(cid) == before
    assert before[B1]["relay_received"] == 1 and before["chw"]["received_booth"] == 1


@pytest.mark.parametrize(("disposition", "relay_facts", "field"), [
    ("no_answer", {"received": True}, "relay"),
    ("connected", {"received": False, "passed_on": True}, "relay.passed_on"),
    ("connected", {"passed_on": True}, "relay.received"),
    ("connected", {"received": "yes"}, "relay.received"),
])
def test_bad_relay_facts_are_refused_and_write_nothing(api: Api, clock: Clock, relay: dict[str, Any],
                                                       disposition: str, relay_facts: dict[str, Any],
                                                       field: str) -> None:
    cid, who = relay["cid"], relay["people"]
    before = counters_of(cid)
    body = call_body(cid, who[B1], disposition, answers={} if disposition == "connected" else None,
                     relay=relay_facts)
    if body["answers"] is None:
        del body["answers"]
    r = api.post("/calls", body, role="supervisor")
    assert r.status == 400 and r.error["field"] == field, r.body
    assert counters_of(cid) == before
    with pytest.raises(CallLogModel.DoesNotExist):
        CallLogModel.get(body["call_id"])


def test_relay_reads_are_refused_where_they_make_no_sense(api: Api, clock: Clock, relay: dict[str, Any]) -> None:
    cid, who = relay["cid"], relay["people"]
    paged = tree(api, cid, A1, limit="1")
    assert [i["unit_id"] for i in paged["items"]] == [M2] and paged["next_cursor"]  # by name: Batkakhapa first
    rest = tree(api, cid, A1, limit="1", cursor=paged["next_cursor"])
    assert [i["unit_id"] for i in rest["items"]] == [M1]
    assert api.get(f"/campaigns/{cid}/relay?unit=nowhere", role="admin").status == 404
    assert api.get(f"/campaigns/{cid}/relay?unit=Bad Unit", role="admin").status == 400
    assert api.get("/campaigns/cp_00000000000000000000000000/relay", role="admin").status == 404
    assert api.get(f"/campaigns/{cid}/relay", role="agent").status == 403
    scheme = api.post("/campaigns", {
        "title_hi": "योजना", "title_en": "Scheme", "script_hi": "स", "script_en": "s", "kind": "scheme",
        "target": {"unit_id": "chw", "roles": ["booth_president"]}, "starts_on": DAY, "ends_on": DAY}, role="admin")
    not_relay = api.get(f"/campaigns/{scheme.json['campaign_id']}/relay", role="admin")
    assert not_relay.status == 409 and not_relay.error["code"] == "not_a_relay"
    api.post(f"/campaigns/{scheme.json['campaign_id']}/activate", role="admin")
    run_activation(api)
    on_scheme = api.post("/calls", call_body(scheme.json["campaign_id"], who[B1], "connected", answers={},
                                             relay=facts(True)), role="supervisor")
    assert on_scheme.status == 400 and on_scheme.error["field"] == "relay"


def test_the_relay_tree_costs_the_same_few_dynamodb_calls_whatever_the_calls(api: Api, clock: Clock,
                                                                            relay: dict[str, Any]) -> None:
    cid, who = relay["cid"], relay["people"]

    def cost(path: str) -> Counter[str]:
        before = set(RECORDER.per_request)
        assert api.get(path, role="admin").status == 200
        new = [ops for key, ops in RECORDER.per_request.items() if key not in before]
        assert len(new) == 1
        return new[0]

    quiet = cost(f"/campaigns/{cid}/relay?unit={K1}")
    for unit in (A1, M1, M2, K1, B1, B2):
        assert call(api, cid, who[unit], relay=facts(True, True)).status == 201
    busy = cost(f"/campaigns/{cid}/relay?unit={K1}")
    assert quiet == busy == {"BatchGetItem": 2, "Query": 1}  # unit + its counters; children; their counters
    assert cost(f"/campaigns/{cid}/relay") == {"GetItem": 1, "BatchGetItem": 2, "Query": 1}


def test_first_acknowledgements_racing_in_one_booth_count_it_once(api: Api, clock: Clock) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.calls import service as calls_service
    from chalicelib.core.auth import SUPERVISOR, Principal
    from devtools.moto_local import patched

    first, *people = add_contacts(api, B1, 6, role="booth_president")
    cid = publish(api, clock, programme(levels=["booth"]), "m-race")["campaign_id"]
    api.post(f"/campaigns/{cid}/activate", role="admin")
    run_activation(api)
    # booth 1 (and every unit above it) is reached already, not acknowledged: only the relay's own
    # first-acknowledgement condition stands between the racers and a double count
    assert call(api, cid, first, relay=facts(False)).status == 201
    supervisor = Principal(username="user-supervisor", sub="s", roles=frozenset({SUPERVISOR}))
    bodies = [call_body(cid, p, "connected", answers={}, relay=facts(True, i % 2 == 0)) for i, p in enumerate(people)]
    barrier = threading.Barrier(len(bodies))

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return calls_service.record_call(supervisor, bodies[i])
        except Exception as exc:  # inspected below
            return exc

    with patched(), ThreadPoolExecutor(len(bodies)) as pool:  # DynamoDB's per-request atomicity
        results = list(pool.map(run, range(len(bodies))))
    assert not [r for r in results if isinstance(r, Exception)], results
    c = counters_of(cid)
    assert (c[B1]["relay_received"], c[B1]["relay_passed_on"]) == (5, 3)
    assert [c[u]["received_booth"] for u in (B1, K1, M1, A1, "chw")] == [1, 1, 1, 1, 1]
    assert tree(api, cid)["completion"] == [{"level": "booth", "targeted_units": 1, "received_units": 1,
                                             "share": 1.0}]


def test_the_day_digest_counts_broken_links_once_the_deadline_is_over(api: Api, clock: Clock,
                                                                      relay: dict[str, Any]) -> None:
    cid, who = relay["cid"], relay["people"]
    for unit in (A1, M1, K1):
        assert call(api, cid, who[unit], relay=facts(True, True)).status == 201
    clock.set_ist("2026-03-12", "09:00")
    before = api.get(f"/digests/{DAY}?audience=district", role="admin")  # the day ended before the deadline
    assert before.status == 200, before.body
    assert [(r["campaign_id"], r["broken_links"], r["deadline_passed"]) for r in before.json["digest"]["relay"]] == [
        (cid, 0, False)]
    after = api.get("/digests/2026-03-11?audience=state", role="state_leader")
    section = after.json["digest"]["relay"][0]
    assert (section["broken_links"], section["deadline_passed"]) == (1, True)
    assert section["broken"] == [{"unit_id": K1, "level": "shakti_kendra", "name_hi": "झिरपा", "name_en": "Jhirpa",
                                  "label_hi": "शक्ति केंद्र", "label_en": "Shakti kendra"}]
    assert [(r["level"], r["received_units"], r["targeted_units"]) for r in section["completion"]] == [
        ("assembly", 1, 1), ("mandal", 1, 2), ("shakti_kendra", 1, 1), ("booth", 0, 2)]
    text = api.get("/digests/2026-03-11?audience=district&format=text", role="admin").body.decode()
    assert "टूटी कड़ियाँ / Broken links: 1" in text and "शक्ति केंद्र झिरपा / Shakti kendra Jhirpa" in text
    html = api.get("/digests/2026-03-11?audience=district&format=html", role="admin").body.decode()
    assert "Broken links: 1" in html and "Jhirpa" in html


def test_the_local_stack_delivers_a_published_programme_as_sns_would(api: Api, clock: Clock) -> None:
    """What `make run` wires: the topic, a queue subscribed to it, and the pump's SQS → SNS event."""
    import boto3

    from devtools.local_events import drain
    from devtools.local_programmes import as_sns, create_programme_resources

    topic_arn, queue_url = create_programme_resources(None, "ap-south-1")
    boto3.client("sns", region_name="ap-south-1").publish(TopicArn=topic_arn, Message=json.dumps(
        programme(deadline="2030-01-31T18:00:00+05:30")))  # SNS stamps real time, not the test clock
    handled = drain(boto3.client("sqs", region_name="ap-south-1"), queue_url, "ap-south-1",
                    as_sns(lambda event: api.client.lambda_.invoke(PROGRAMME_FUNCTION, event)))
    assert handled == 1
    [draft] = drafts(api)
    assert draft["title_en"] == "Voter awareness week" and draft["kind"] == "programme_relay"
