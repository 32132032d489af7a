"""A campaign's definition: create (idempotent), read, list, edit while draft, close. Activation is
campaigns/activation.py, leasing the next call campaigns/leasing.py. No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.ids import new_id
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, name_field, validate
from ..org import rules as org_rules
from ..org import store as org_store
from . import rules, settings, store
from .settings import CAMPAIGN_ID as CAMPAIGN_ID
from .settings import DATE as DATE

CHOICE_SPEC = {
    "value": Field("str", required=True, max_len=40, pattern=r"[a-z0-9_]{1,40}"),
    "label_hi": Field("str", required=True, max_len=100),
    "label_en": Field("str", required=True, max_len=100),
}
QUESTION_SPEC = {
    "id": Field("str", required=True, max_len=32),
    "kind": Field("str", required=True, choices=rules.QUESTION_KINDS),
    "text_hi": Field("str", required=True, max_len=300),
    "text_en": Field("str", required=True, max_len=300),
    "required": Field("bool"),
    "choices": Field("list", item=Field("object", fields=CHOICE_SPEC), max_items=rules.MAX_CHOICES),
    "min": Field("number", nullable=True, minimum=-rules.NUMBER_LIMIT, maximum=rules.NUMBER_LIMIT),
    "max": Field("number", nullable=True, minimum=-rules.NUMBER_LIMIT, maximum=rules.NUMBER_LIMIT),
    # per person (default): every connected answer counts; per unit: the first connected answer at the
    # contact's unit counts, once, for that unit (e.g. "was the meeting held at the booth?")
    "per": Field("str", choices=rules.QUESTION_PER),
    "verifiable": Field("bool"),  # a report of field work, which may be sampled for verification
}
VERIFICATION_SPEC = {"rate": Field("number", required=True, minimum=0, maximum=1),
                     "seed": Field("str", required=True, max_len=64)}
HOURS_SPEC = {"start": Field("str", required=True, pattern=rules.HHMM),
              "end": Field("str", required=True, pattern=rules.HHMM)}
TARGET_SPEC = {
    "unit_id": Field("str", required=True, max_len=64, pattern=org_rules.UNIT_ID_PATTERN),
    "roles": Field("list", required=True, item=Field("str", choices=org_rules.ROLES), max_items=len(org_rules.ROLES)),
}
# A programme relay's own facts (chalicelib/relay): optional through the API, always there when the
# programme arrived by SNS. Without it the deadline is the end of ends_on and the levels are the roles'.
PROGRAMME_SPEC = {
    "source": Field("str", choices=settings.PROGRAMME_SOURCES),
    "programme_id": Field("str", max_len=64, pattern=r"[A-Za-z0-9_.:-]{1,64}"),
    "date": Field("str", pattern=DATE),
    "deadline": Field("datetime", required=True),
    "levels": Field("list", item=Field("str", choices=settings.RELAY_LEVELS), max_items=4),
}
FIELDS = {
    "title_hi": name_field(200, required=True),
    "title_en": name_field(200, required=True),
    "script_hi": Field("str", required=True, max_len=5000),
    "script_en": Field("str", required=True, max_len=5000),
    "kind": Field("str", required=True, choices=rules.KINDS),
    "questions": Field("list", item=Field("object", fields=QUESTION_SPEC), max_items=rules.MAX_QUESTIONS),
    "target": Field("object", required=True, fields=TARGET_SPEC),
    "starts_on": Field("str", required=True, pattern=DATE),
    "ends_on": Field("str", required=True, pattern=DATE),
    "max_attempts": Field("int", minimum=1, maximum=10),
    "retry_delay_minutes": Field("int", minimum=0, maximum=7 * 24 * 60),
    "calling_hours": Field("object", fields=HOURS_SPEC),
    "lease_minutes": Field("int", minimum=1, maximum=60),
    "escalate_after_days": Field("int", minimum=1, maximum=30),  # chalicelib/followup: the silent-unit sweep
    "verification": Field("object", fields=VERIFICATION_SPEC),
    "programme": Field("object", fields=PROGRAMME_SPEC),
}
DEFAULTS: dict[str, Any] = {"max_attempts": 3, "retry_delay_minutes": 120, "lease_minutes": 10,
                            "calling_hours": {"start": "09:00", "end": "21:00"}, "questions": []}
PATCH_SPEC = {"version": Field("int", required=True, minimum=1),
              **{name: replace(spec, required=False) for name, spec in FIELDS.items()}}
IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
STATUSES_LISTED = rules.STATUSES


# ---- views ---------------------------------------------------------------------------------


def campaign_view(c: store.CampaignModel) -> dict[str, Any]:
    return {
        "campaign_id": c.campaign_id, "status": c.status, "kind": c.kind,
        "title_hi": c.title_hi, "title_en": c.title_en, "script_hi": c.script_hi, "script_en": c.script_en,
        "questions": c.questions, "target": {"unit_id": c.target_unit_id, "level": c.target_level,
                                             "roles": c.target_roles},
        "district_id": c.district_id, "starts_on": c.starts_on, "ends_on": c.ends_on,
        "calling_hours": {"start": c.calling_start, "end": c.calling_end}, "max_attempts": int(c.max_attempts),
        "retry_delay_minutes": int(c.retry_delay_minutes), "lease_minutes": int(c.lease_minutes),
        "version": int(c.version), "created_by": c.created_by, "created_at": c.created_at,
        "updated_at": c.updated_at, "closed_at": c.closed_at, "activation": activation_view(c),
        "escalate_after_days": int(c.escalate_after_days or settings.DEFAULT_ESCALATE_AFTER_DAYS),
        "verification": c.verification, "parent_id": c.parent_id,
        "programme": c.programme,
    }


def activation_view(c: store.CampaignModel) -> dict[str, Any] | None:
    if c.act_started_at is None:
        return None
    return {"state": "running" if c.status == "activating" else "finished" if c.activated_at else "stopped",
            "chunks_done": int(c.act_seq or 0), "targets_created": int(c.targets_created or 0),
            "started_at": c.act_started_at, "updated_at": c.act_updated_at, "finished_at": c.activated_at}


def list_item(c: store.CampaignModel) -> dict[str, Any]:
    return {"campaign_id": c.campaign_id, "status": c.status, "kind": c.kind, "title_hi": c.title_hi,
            "title_en": c.title_en, "target_unit_id": c.target_unit_id, "district_id": c.district_id,
            "starts_on": c.starts_on, "ends_on": c.ends_on, "created_at": c.created_at,
            "targets_created": int(c.targets_created or 0)}


# ---- create, read, edit --------------------------------------------------------------------


def _derived_id(actor: str, key: str) -> str:
    digest = hashlib.sha256(f"{actor}#{key}".encode()).digest()
    return "cp_" + base64.b32encode(digest).decode().lower()[:26]


def _body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _target_unit(target: dict[str, Any]) -> org_store.UnitModel:
    unit = org_store.get_unit(target["unit_id"])
    if unit is None:
        raise NotFound(f"unit {target['unit_id']} does not exist", field="target.unit_id")
    if unit.district_id is None:
        raise ValidationError("a campaign targets a district or a unit below it", field="target.unit_id")
    roles = target["roles"]
    if not roles:
        raise ValidationError("name at least one contact role", field="target.roles")
    if len(set(roles)) != len(roles):
        raise ValidationError("a role is named twice", field="target.roles")
    depth = org_rules.LEVELS.index(unit.level)
    for role in roles:
        if org_rules.LEVELS.index(org_rules.ROLE_LEVEL[role]) < depth:
            raise ValidationError(f"no {role} belongs to the subtree of {unit.unit_id} ({unit.level})",
                                  field="target.roles")
    return unit


def _check(values: dict[str, Any]) -> dict[str, Any]:
    """Rules across fields; returns the questions normalised."""
    rules.check_window(values["starts_on"], values["ends_on"])
    hours = values["calling_hours"]
    rules.check_hours(hours["start"], hours["end"])
    questions = rules.check_questions(values["questions"])
    if values.get("verification") and values["verification"]["rate"] > 0 \
            and not settings.verifiable_ids(questions):
        raise ValidationError("verification needs at least one question marked verifiable",
                              field="verification.rate")
    return {"questions": questions}


def _programme(kind: str, programme: dict[str, Any] | None, starts_on: str) -> dict[str, Any] | None:
    if programme is None:
        return None
    if kind != "programme_relay":
        raise ValidationError("only a programme_relay campaign carries a programme", field="programme")
    levels = programme.get("levels") or []
    if len(set(levels)) != len(levels):
        raise ValidationError("a level is named twice", field="programme.levels")
    if rules.ist_date(programme["deadline"]) < starts_on:
        raise ValidationError("the deadline is before the campaign starts", field="programme.deadline")
    return {"source": programme.get("source") or "district", "programme_id": programme.get("programme_id"),
            "date": programme.get("date"), "deadline": iso(programme["deadline"]),
            "levels": [lv for lv in settings.RELAY_LEVELS if lv in levels]}


def derived_id(actor: str, key: str) -> str:
    """A campaign id that follows from who created it and their idempotency key (a programme: its
    source and the publisher's programme_id), so a repeated create names the same campaign."""
    return _derived_id(actor, key)


def create_campaign(actor: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    if idempotency_key is not None and not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError("Idempotency-Key must be 8-64 letters, digits, '-' or '_'", field="Idempotency-Key")
    campaign_id = _derived_id(actor, idempotency_key) if idempotency_key else new_id("cp")
    return create_with_id(actor, body, campaign_id, _body_hash(body))


def create_with_id(actor: str, body: Any, campaign_id: str, body_hash: str) -> tuple[int, dict[str, Any]]:
    """The one create path (the API's and a programme arriving by SNS): validate, write the draft with
    `attribute_not_exists`; a repeat with the same body hash answers the existing draft (200)."""
    data = {**DEFAULTS, **validate(body, FIELDS)}
    questions = _check(data)["questions"]
    programme = _programme(data["kind"], data.get("programme"), data["starts_on"])
    unit = _target_unit(data["target"])
    now = iso(clock.now_utc())
    created, campaign = store.create_campaign(campaign_id, dict(
        status="draft", list_sort=f"{unit.district_id}#{now}#{campaign_id}", kind=data["kind"],
        title_hi=data["title_hi"], title_en=data["title_en"], script_hi=data["script_hi"],
        script_en=data["script_en"], questions=questions, target_unit_id=unit.unit_id,
        target_roles=list(data["target"]["roles"]), target_path=unit.path, target_level=unit.level,
        district_id=unit.district_id, starts_on=data["starts_on"], ends_on=data["ends_on"],
        calling_start=data["calling_hours"]["start"], calling_end=data["calling_hours"]["end"],
        max_attempts=data["max_attempts"], retry_delay_minutes=data["retry_delay_minutes"],
        lease_minutes=data["lease_minutes"], version=1, created_by=actor, created_at=now, updated_at=now,
        create_hash=body_hash, programme=programme,
        escalate_after_days=data.get("escalate_after_days"), verification=data.get("verification"),
    ))
    if created:
        return 201, campaign_view(campaign)
    existing = store.get_campaign(campaign_id, consistent=True)
    if existing is None or existing.create_hash != body_hash:
        raise Conflict("this Idempotency-Key was used for a different campaign", field="Idempotency-Key",
                       code="idempotency_key_reused")
    return 200, campaign_view(existing)


def require_campaign(campaign_id: str, *, consistent: bool = False) -> store.CampaignModel:
    campaign = store.get_campaign(campaign_id, consistent=consistent) if re.fullmatch(CAMPAIGN_ID, campaign_id) \
        else None
    if campaign is None:
        raise store.not_found(campaign_id)
    return campaign


def get_campaign(campaign_id: str) -> dict[str, Any]:
    return campaign_view(require_campaign(campaign_id))


def list_campaigns(status: str | None, district_id: str | None, page: PageRequest) -> dict[str, Any]:
    status = status or "active"
    if status not in STATUSES_LISTED:
        raise ValidationError(f"status must be one of: {', '.join(STATUSES_LISTED)}", field="status")
    if district_id is not None and not re.fullmatch(org_rules.UNIT_ID_PATTERN, district_id):
        raise ValidationError("district is a unit id", field="district")
    result = store.list_campaigns(status, district_id, page)
    return page_body([list_item(c) for c in result.items], result.next_key)


def update_campaign(campaign_id: str, body: Any) -> dict[str, Any]:
    current = require_campaign(campaign_id, consistent=True)
    data = validate(body, PATCH_SPEC)
    version = data.pop("version")
    if current.status != "draft":
        raise Conflict("a campaign can be edited only while it is a draft", code="not_draft")
    merged = {
        "starts_on": data.get("starts_on", current.starts_on), "ends_on": data.get("ends_on", current.ends_on),
        "calling_hours": data.get("calling_hours") or {"start": current.calling_start, "end": current.calling_end},
        "questions": data.get("questions", current.questions),
        "verification": data.get("verification", current.verification),
    }
    questions = _check(merged)["questions"]
    changes: dict[str, Any] = {k: v for k, v in data.items()
                               if k not in ("target", "calling_hours", "questions", "programme")}
    if "programme" in data:
        changes["programme"] = _programme(data.get("kind") or current.kind, data["programme"], merged["starts_on"])
    if "questions" in data:
        changes["questions"] = questions
    if "calling_hours" in data:
        changes.update(calling_start=data["calling_hours"]["start"], calling_end=data["calling_hours"]["end"])
    if "target" in data:
        unit = _target_unit(data["target"])
        changes.update(target_unit_id=unit.unit_id, target_roles=list(data["target"]["roles"]),
                       target_path=unit.path, target_level=unit.level, district_id=unit.district_id,
                       list_sort=f"{unit.district_id}#{current.created_at}#{campaign_id}")
    changes["updated_at"] = iso(clock.now_utc())
    try:
        updated = store.update_draft(campaign_id, version, changes)
    except store.StateChanged as exc:
        latest = require_campaign(campaign_id, consistent=True)
        if latest.status != "draft":
            raise Conflict("a campaign can be edited only while it is a draft", code="not_draft") from exc
        raise Conflict("the campaign was changed by someone else; reload it and try again", field="version",
                       code="stale_version") from exc
    return campaign_view(updated)


def close_campaign(campaign_id: str) -> dict[str, Any]:
    require_campaign(campaign_id)
    try:
        return campaign_view(store.close(campaign_id, iso(clock.now_utc())))
    except store.StateChanged:
        return campaign_view(require_campaign(campaign_id, consistent=True))  # already closed: idempotent
