"""Use cases of a programme relay: a programme published on SNS becomes a draft programme_relay
campaign (through the same create path as POST /campaigns) or a dead letter with its reason; and the
relay tree under a unit, read from the report counters. No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from ..campaigns import definition as campaign_service
from ..campaigns import read_store as campaign_read_store
from ..campaigns.reads import campaign_at_unit
from ..campaigns.rules import ist_date
from ..campaigns.settings import DATE
from ..core import clock
from ..core.clock import iso
from ..core.errors import AppError, Conflict, TooManyRequests, Unavailable, ValidationError
from ..core.observability import count, logger
from ..core.paging import PageRequest, page_body
from ..core.settings import get_settings
from ..core.validate import Field, validate
from ..notify import service as notify
from ..org import rules as org_rules
from ..org import store as org_store
from ..reporting import counters
from . import rules, store

# A programme as the central or state office publishes it on the programmes topic.
MESSAGE_SPEC = {
    "programme_id": Field("str", required=True, max_len=64, pattern=r"[A-Za-z0-9_.:-]{1,64}"),
    "source": Field("str", required=True, choices=("central", "state")),
    "title_hi": Field("str", required=True, max_len=200),
    "title_en": Field("str", required=True, max_len=200),
    "date": Field("str", required=True, pattern=DATE),
    "instructions_hi": Field("str", required=True, max_len=5000),
    "instructions_en": Field("str", required=True, max_len=5000),
    "levels": Field("list", required=True, item=Field("str", choices=rules.RELAY_LEVELS), max_items=4),
    "deadline": Field("datetime", required=True),
    "unit_id": Field("str", max_len=64, pattern=org_rules.UNIT_ID_PATTERN),
    "roles": Field("list", item=Field("str", choices=org_rules.ROLES), max_items=len(org_rules.ROLES)),
}
MESSAGE_ID = r"[A-Za-z0-9_-]{1,100}"
KEPT_MESSAGE_CHARS = 16_000
STATE_LABELS = {
    "not_targeted": {"hi": "लक्ष्य में नहीं", "en": "not targeted"},
    "not_reached": {"hi": "नहीं पहुँचा", "en": "not reached"},
    "received": {"hi": "मिल गया", "en": "received"},
    "passed_on": {"hi": "आगे बताया", "en": "passed on"},
    "confirmed_below": {"hi": "नीचे पुष्टि हुई", "en": "confirmed below"},
}


# ---- a programme arrives -------------------------------------------------------------------


def receive_programme(message: Any, message_id: Any, published_at: Any) -> dict[str, Any]:
    """One SNS delivery. Valid: a draft programme_relay campaign (a redelivery, or the same programme
    published again, finds the same draft). Invalid: nothing created; a dead-letter record with the
    reason and one alert on the ops topic. Retryable failures (throttling) raise, so Lambda retries."""
    now = clock.now_utc()
    text = message if isinstance(message, str) else ""
    mid = message_id if isinstance(message_id, str) and re.fullmatch(MESSAGE_ID, message_id) else \
        "h" + hashlib.sha256(text.encode()).hexdigest()[:40]
    published = _published(published_at, now)
    seen = store.get_record(mid)
    if seen is not None and seen.status == "accepted":
        return {"status": "accepted", "campaign_id": seen.campaign_id, "replayed": True}
    if seen is not None:  # rejected before: make sure ops heard (the outbox sends it once)
        _alert(seen)
        return {"status": "rejected", "code": seen.reason_code, "replayed": True}
    parsed: dict[str, Any] = {}
    try:
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise ValidationError("the message is not JSON", field="message") from exc
        if not isinstance(loaded, dict):
            raise ValidationError("the message must be a JSON object", field="message")
        parsed = loaded
        data = validate(parsed, MESSAGE_SPEC)
        body = _campaign_body(data, published)
        actor = f"programme:{data['source']}"
        campaign_id = campaign_service.derived_id(actor, data["programme_id"])
        digest = hashlib.sha256(json.dumps(parsed, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        status, view = campaign_service.create_with_id(actor, body, campaign_id, digest)
    except (TooManyRequests, Unavailable):
        raise
    except AppError as exc:
        if isinstance(exc, Conflict) and exc.code == "idempotency_key_reused":
            exc = Conflict("this programme_id was already published with different content",
                           field="programme_id", code="programme_id_reused")
        return _reject(mid, text, parsed, published, now, exc)
    store.record_accepted(mid, iso(now), iso(published), data["source"], data["programme_id"], view["campaign_id"])
    count("ProgrammesAccepted")
    logger.info("programme accepted", extra={"campaign_id": view["campaign_id"], "new_draft": status == 201})
    return {"status": "accepted", "campaign_id": view["campaign_id"], "created": status == 201}


def _published(value: Any, now: datetime) -> datetime:
    try:
        return clock.parse_iso(value) if isinstance(value, str) and value else now
    except ValueError:
        return now


def _campaign_body(data: dict[str, Any], published: datetime) -> dict[str, Any]:
    """The POST /campaigns body a programme stands for: called from the day it was published until the
    deadline, at the named unit (default: the deployment's district), the in-charges of its levels."""
    levels = data["levels"]
    if not levels:
        raise ValidationError("name at least one level", field="levels")
    deadline: datetime = data["deadline"]
    if deadline <= published:
        raise ValidationError("the deadline is already over", field="deadline")
    roles = data.get("roles") or [org_rules.INCHARGE_ROLE[lv] for lv in rules.RELAY_LEVELS if lv in levels]
    return {
        "title_hi": data["title_hi"], "title_en": data["title_en"],
        "script_hi": data["instructions_hi"], "script_en": data["instructions_en"], "kind": "programme_relay",
        "target": {"unit_id": data.get("unit_id") or _default_district(), "roles": roles},
        "starts_on": ist_date(published), "ends_on": ist_date(deadline),
        "programme": {"source": data["source"], "programme_id": data["programme_id"], "date": data["date"],
                      "deadline": iso(deadline), "levels": levels},
    }


def _default_district() -> str:
    """The district this deployment serves, when the programme names no unit: the only district at the
    top of the hierarchy (or under its only state)."""
    first = PageRequest(100, None)
    top = org_store.children("ROOT", first).items
    districts = [u for u in top if u.level == "district"]
    for state in (u for u in top if u.level == "state"):
        districts += [u for u in org_store.children(state.unit_id, first).items if u.level == "district"]
    if len(districts) != 1:
        raise ValidationError(f"name unit_id: this deployment has {len(districts)} districts", field="unit_id")
    return districts[0].unit_id


def _reject(mid: str, text: str, parsed: dict[str, Any], published: datetime, now: datetime,
            exc: AppError) -> dict[str, Any]:
    source, programme_id = parsed.get("source"), parsed.get("programme_id")
    item = store.record_rejected(mid, store.Rejection(
        iso(now), iso(published), source if isinstance(source, str) else None,
        programme_id[:64] if isinstance(programme_id, str) else None, exc.code, exc.message, exc.field,
        text[:KEPT_MESSAGE_CHARS]))  # recorded meanwhile by a concurrent delivery: that one's reason stands
    count("ProgrammesRejected")
    logger.warning("programme rejected", extra={"code": exc.code, "field": exc.field})
    _alert(item)
    return {"status": "rejected", "code": item.reason_code, "field": item.reason_field}


def _alert(item: Any) -> None:
    mid = item.message_key.removeprefix("msg#")
    notify.publish(
        f"programme#{mid}#rejected", get_settings().ops_topic_arn, "Sampark: programme rejected",
        "कार्यक्रम अस्वीकार किया गया / A programme was rejected\n"
        f"source: {item.source or '-'}  programme_id: {item.programme_id or '-'}  message: {mid}\n"
        f"reason: {item.reason_code} ({item.reason_field or '-'}): {item.reason_message}\n"
        "Nothing was created. Correct the message and publish it again.")


# ---- the relay tree ------------------------------------------------------------------------


def relay_tree(campaign_id: str, unit_id: str | None, page: PageRequest) -> dict[str, Any]:
    """A unit of a programme relay and a page of its children, each with its relay state and broken-link
    flag, and completion per level under the unit. Reads: (GetItem campaign when no unit is named),
    one BatchGetItem [campaign, unit, its counters], one Query of the children, one BatchGetItem of
    their counters. Aggregates only: no person appears."""
    found = campaign_at_unit(
        campaign_id, unit_id, lambda unit: [counters.campaign_unit(campaign_id, unit)])
    campaign, unit = found.campaign, found.unit
    own_key = counters.campaign_unit(campaign_id, unit.unit_id)
    if campaign.kind != "programme_relay":
        raise Conflict("this campaign is not a programme relay", code="not_a_relay")
    if not unit.path.startswith(campaign.target_path):
        raise ValidationError("that unit is outside the campaign's target", field="unit")
    children = org_store.children(unit.unit_id, page)
    keys = [counters.campaign_unit(campaign_id, c.unit_id) for c in children.items]
    below = campaign_read_store.read_figures(counters=keys).counters if keys else {}
    levels = rules.levels_of(campaign.programme, [org_rules.ROLE_LEVEL[r] for r in campaign.target_roles])
    deadline = rules.deadline_of(campaign.programme, campaign.ends_on)
    now = clock.now_utc()

    def node(u: org_store.UnitModel, figures: dict[str, int]) -> dict[str, Any]:
        state = rules.node_state(figures, u.level, levels, deadline, now)
        return {"unit_id": u.unit_id, "level": u.level, "name_hi": u.name_hi, "name_en": u.name_en,
                "state": state.state, "state_label": STATE_LABELS[state.state],
                "received": figures["relay_received"], "passed_on": figures["relay_passed_on"],
                "confirmed_below": state.confirmed_below, "broken_link": state.broken_link,
                "targets": figures["targets"], "connects": figures["connects"]}

    questions = list(campaign.questions or [])

    def with_answers(view: dict[str, Any], item: counters.CounterModel | None) -> dict[str, Any]:
        return {**view, "answers": counters.answers_view(item, questions)}  # a relay's own questions, if any

    own_item = found.items.get(own_key)
    own = counters.figures(own_item)
    items = [with_answers(node(c, counters.figures(below.get(k))), below.get(k))
             for c, k in zip(children.items, keys, strict=True)]
    programme = campaign.programme or {}
    return {
        "campaign": {"campaign_id": campaign.campaign_id, "status": campaign.status, "title_hi": campaign.title_hi,
                     "title_en": campaign.title_en, "source": programme.get("source"),
                     "programme_id": programme.get("programme_id"), "levels": levels,
                     "deadline": iso(deadline), "deadline_passed": now > deadline},
        "unit": with_answers(node(unit, own), own_item),
        "completion": rules.completion(unit.level, levels, own),
        "broken_links_on_page": sum(1 for i in items if i["broken_link"]),
        **page_body(items, children.next_key),
    }


# ---- the digest's relay section ------------------------------------------------------------


def digest_section(unit_items: dict[str, list[Any]], day: str, list_max: int) -> list[dict[str, Any]]:
    """Per active programme relay: completion per level at the target unit and its broken links as of
    the end of the digest's IST day, from the unit counter items the digest has read already
    (`c#<campaign>` partition). Reads: 1 BatchGetItem of the campaigns, 1 of the units named."""
    if not unit_items:
        return []
    found = store.campaigns(list(unit_items))
    at = datetime.fromisoformat(day).replace(tzinfo=clock.IST) + timedelta(days=1)
    sections, wanted = [], []
    for campaign_id, items in unit_items.items():
        campaign = found.get(campaign_id)
        if campaign is None:
            continue
        levels = rules.levels_of(campaign.programme, [org_rules.ROLE_LEVEL[r] for r in campaign.target_roles])
        deadline = rules.deadline_of(campaign.programme, campaign.ends_on)
        broken, top = [], counters.figures(None)
        for item in sorted(items, key=lambda i: (i.unit_id or "")):
            if not item.unit_id or not item.level:
                continue
            figures = counters.figures(item)
            if item.unit_id == campaign.target_unit_id:
                top = figures
            if rules.node_state(figures, item.level, levels, deadline, at).broken_link:
                broken.append({"unit_id": item.unit_id, "level": item.level})
        wanted += [b["unit_id"] for b in broken[:list_max]]
        sections.append({"campaign_id": campaign_id, "title_hi": campaign.title_hi, "title_en": campaign.title_en,
                         "deadline": iso(deadline), "deadline_passed": at > deadline,
                         "completion": rules.completion(campaign.target_level, levels, top),
                         "broken_links": len(broken), "broken": broken[:list_max],
                         "broken_more": max(len(broken) - list_max, 0)})
    names = org_store.get_units(wanted) if wanted else {}
    for section in sections:
        for b in section["broken"]:
            unit = names.get(b["unit_id"])
            b["name_hi"] = unit.name_hi if unit else b["unit_id"]
            b["name_en"] = unit.name_en if unit else b["unit_id"]
    return sections
