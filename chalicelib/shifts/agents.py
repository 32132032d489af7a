"""Use cases of agents and their leave: profiles with their Cognito logins, idempotent creates,
deactivation, leave by IST dates. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from typing import Any

from ..accounts import cognito
from ..core import access, clock
from ..core.clock import iso
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.observability import logger
from ..core.paging import PageRequest, page_body
from ..core.validate import Field, name_field, validate
from ..org import store as org_store
from ..org.rules import LANGUAGES, mask_phone, name_key, normalise_phone
from . import rotation, rules, store

ROLES = (rotation.AGENT, rotation.SUPERVISOR)
USERNAME = r"[a-z0-9][a-z0-9._-]{2,63}"
EMAIL = r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
LEAVE_ID = r"lv_[0-9a-f]{24}"
IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{8,64}"
NAME = name_field()
AGENT_SPEC = {
    "username": Field("str", required=True, max_len=64, pattern=USERNAME),
    "name_hi": NAME,
    "name_en": NAME,
    "email": Field("str", required=True, max_len=254, pattern=EMAIL),
    "phone": Field("str", nullable=True, max_len=32),
    "languages": Field("list", item=Field("str", choices=LANGUAGES), max_items=len(LANGUAGES)),
    "role": Field("str", required=True, choices=ROLES),
    "active": Field("bool"),
}
AGENT_PATCH_SPEC = {
    "version": Field("int", required=True, minimum=1),
    "name_hi": NAME,
    "name_en": NAME,
    "email": Field("str", max_len=254, pattern=EMAIL),
    "phone": Field("str", nullable=True, max_len=32),
    "languages": AGENT_SPEC["languages"],
    "role": Field("str", choices=ROLES),
    "active": Field("bool"),
}
DATE = Field("str", required=True, pattern=r"\d{4}-\d{2}-\d{2}", max_len=10)
LEAVE_SPEC = {"from": DATE, "to": DATE, "reason": Field("str", required=True, max_len=200)}
MAX_LEAVE_DAYS = 366


def _today() -> date:
    return rules.ist_date(clock.now_utc())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

# ---- agents --------------------------------------------------------------------------------


def agent_view(agent: store.AgentModel) -> dict[str, Any]:
    return {
        "username": agent.username, "role": agent.role, "name_hi": agent.name_hi, "name_en": agent.name_en,
        "email": agent.email, "phone_masked": mask_phone(agent.phone_last4) if agent.phone_last4 else None,
        "languages": list(agent.languages or []), "active": bool(agent.active), "version": int(agent.version),
        "created_at": agent.created_at, "updated_at": agent.updated_at,
    }


def override_view(agent: store.AgentModel) -> dict[str, Any] | None:
    """A supervisor's duty override in force: until when, why, who set it and when; None otherwise."""
    if not (agent.override_until and agent.override_until > iso(clock.now_utc())):
        return None
    return {"until": agent.override_until, "reason": agent.override_reason, "set_by": agent.override_by,
            "set_at": agent.override_at}


def agent_list_item(agent: store.AgentModel) -> dict[str, Any]:
    """Built from the index projection alone: the phone itself is not even read."""
    return {
        "username": agent.username, "role": agent.role, "name_hi": agent.name_hi, "name_en": agent.name_en,
        "email": agent.email, "phone_masked": mask_phone(agent.phone_last4) if agent.phone_last4 else None,
        "languages": list(agent.languages or []), "active": bool(agent.active), "override": override_view(agent),
    }


def name_keys(name_hi: str, name_en: str) -> dict[str, str | None]:
    """The names as the search reads them (org.rules.name_key), or None for a name not given."""
    return {"name_hi_key": name_key(name_hi) or None, "name_en_key": name_key(name_en) or None}


def _names(name_hi: str | None, name_en: str | None) -> None:
    if not (name_hi or name_en):
        raise ValidationError("give the agent's name in Hindi or English", field="name_hi")


def _languages(values: list[str] | None) -> list[str]:
    langs = list(dict.fromkeys(values or ["hi"]))
    if not langs:
        raise ValidationError("languages must name at least one language", field="languages")
    return langs


def agent_record(normalised: dict[str, Any], actor: str, now: str) -> store.AgentModel:
    """The stored profile for normalised create data (also what the demo seeder writes)."""
    phone = normalised["phone"]
    keys = name_keys(normalised["name_hi"], normalised["name_en"])
    return store.AgentModel(
        normalised["username"], list_key=f"{normalised['role']}#{normalised['username']}",
        role=normalised["role"], name_hi=normalised["name_hi"], name_en=normalised["name_en"],
        email=normalised["email"], phone=phone, phone_last4=phone[-4:] if phone else None,
        languages=normalised["languages"], active=normalised["active"], created_at=now, updated_at=now,
        created_by=actor, create_hash=_hash(normalised), version=1, leaves={},
        name_hi_key=keys["name_hi_key"], name_en_key=keys["name_en_key"],
    )


def create_agent(actor: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Create the profile and its login. The same request again returns the same agent (and
    completes a login that a failure left unfinished); another body for the same username is a 409."""
    data = validate(body, AGENT_SPEC)
    _names(data.get("name_hi"), data.get("name_en"))
    phone = normalise_phone(data["phone"]) if data.get("phone") else None
    normalised = {
        "username": data["username"], "role": data["role"], "name_hi": data.get("name_hi") or "",
        "name_en": data.get("name_en") or "", "email": data["email"].lower(), "phone": phone,
        "languages": _languages(data.get("languages")), "active": data.get("active", True),
    }
    agent = agent_record(normalised, actor, iso(clock.now_utc()))
    create_hash = agent.create_hash
    try:
        store.create_agent(agent)
    except Conflict as exists:
        current = store.get_agent(agent.username)
        if current is None or current.create_hash != create_hash:
            raise Conflict("a different agent already has this username", field="username",
                           code="agent_exists") from exists
        _sync_login(current)  # a retry: finish what the first attempt may not have
        return 201, agent_view(current)
    try:
        password = cognito.ensure_login(agent.username, agent.email, agent.role)
        if not agent.active:
            cognito.set_enabled(agent.username, False)
    except (Conflict, ValidationError):  # the login cannot exist as asked: no profile without it
        store.delete_agent_if(agent.username, create_hash)
        raise
    view = agent_view(agent)
    if password:
        view["temporary_password"] = password  # shown once; Cognito also sends it by email
    return 201, view


def _sync_login(agent: store.AgentModel) -> None:
    cognito.ensure_login(agent.username, agent.email, agent.role)
    cognito.set_enabled(agent.username, bool(agent.active))


def require_agent(username: str) -> store.AgentModel:
    agent = store.get_agent(username) if re.fullmatch(USERNAME, username or "") else None
    if agent is None:
        raise NotFound("agent not found", field="username")
    return agent


def get_agent(username: str) -> dict[str, Any]:
    return agent_view(require_agent(username))


SEARCH_MAX = 60


def search_terms(q: str | None) -> tuple[str | None, str | None]:
    """What the agents' search box asks for: a login-name prefix (lower case, as login names are)
    and a name prefix as org.rules.name_key reads it (case, nukta, spaces folded), Devanagari or Latin.
    A Devanagari query is a name only."""
    text = (q or "").strip()
    if not text:
        return None, None
    if len(text) > SEARCH_MAX:
        raise ValidationError(f"search text is at most {SEARCH_MAX} characters", field="q")
    folded = name_key(text)
    key = folded if re.search(r"\w", folded) else None
    lowered = text.lower()
    login = lowered if re.fullmatch(r"[a-z0-9._-]+", lowered) and re.search(r"[a-z0-9]", lowered) else None
    if key is None and login is None:
        raise ValidationError("type the start of a login name or a name", field="q")
    return login, key


def list_agents(role: str | None, page: PageRequest, q: str | None = None) -> dict[str, Any]:
    """GET /agents[?role=][&q=]: the centre's agents in login-name order, each with the duty override
    in force; `q` keeps those whose login name, Hindi name or English name starts with it."""
    if role is not None and role not in ROLES:
        raise ValidationError(f"role must be one of: {', '.join(ROLES)}", field="role")
    login, name = search_terms(q)
    result = store.find_agents(login, name, role, page)
    return page_body([agent_list_item(a) for a in result.items], result.next_key)


def reset_password(actor: str, username: str) -> dict[str, Any]:
    """POST /agents/{username}/password-reset (admin): the login gets a new temporary password, shown
    once here, and must set its own at the next sign-in; every device is signed out. Audited."""
    agent = require_agent(username)
    if not agent.active:
        raise Conflict("this agent is deactivated: activate the agent first", field="username",
                       code="agent_inactive")
    if cognito.groups(username) - cognito.CENTRE_ROLES:
        raise Conflict("this username belongs to another login", field="username", code="username_taken")
    password = cognito.reset_password(username)
    at = iso(clock.now_utc())
    org_store.audit(f"agent#{username}", actor, "password_reset", at)
    logger.info("password reset", extra={"agent": username, "by": actor})
    return {"username": username, "temporary_password": password, "reset_at": at, "reset_by": actor}


def update_agent(actor: str, username: str, body: Any) -> dict[str, Any]:
    data = validate(body, AGENT_PATCH_SPEC)
    current = require_agent(username)
    version = data.pop("version")
    if version != current.version:
        raise Conflict("the agent was changed by someone else; reload it and try again",
                       field="version", code="stale_version")
    changes: dict[str, Any] = {}
    for name in ("name_hi", "name_en"):
        if name in data:
            changes[name] = data[name] or ""
    _names(changes.get("name_hi", current.name_hi), changes.get("name_en", current.name_en))
    if "name_hi" in changes or "name_en" in changes:
        changes.update(name_keys(changes.get("name_hi", current.name_hi), changes.get("name_en", current.name_en)))
    if "email" in data:
        changes["email"] = data["email"].lower()
    if "phone" in data:
        phone = normalise_phone(data["phone"]) if data["phone"] else None
        changes.update(phone=phone, phone_last4=phone[-4:] if phone else None)
    if "languages" in data:
        changes["languages"] = _languages(data["languages"])
    role_changed = "role" in data and data["role"] != current.role
    if "role" in data:
        changes.update(role=data["role"], list_key=f"{data['role']}#{username}")
    if "active" in data:
        changes["active"] = data["active"]
    changes["updated_at"] = iso(clock.now_utc())
    updated = store.update_agent(username, version, changes)
    # The profile is the truth; the login follows it. Every call is idempotent, so repeating the
    # same PATCH (with the new version) repairs a login that a failure here left behind.
    if "role" in data or "email" in data or data.get("active"):
        cognito.ensure_login(updated.username, updated.email, updated.role)
    if "email" in data:
        cognito.set_email(updated.username, updated.email)
    if "active" in data:
        cognito.set_enabled(updated.username, bool(updated.active))  # disabling also signs out everywhere
    if role_changed:
        cognito.sign_out_everywhere(updated.username)  # no device keeps a session of the old role
    if role_changed or "active" in data:
        access.forget(username)  # this container reads the profile afresh; others within profile_cache_s
    logger.info("agent updated", extra={"agent": username, "fields": sorted(changes)})
    return agent_view(updated)


# ---- leave ---------------------------------------------------------------------------------


def leave_view(leave: store.LeaveModel) -> dict[str, Any]:
    return {"leave_id": leave.leave_id, "username": leave.username, "from": leave.from_date, "to": leave.to_date,
            "reason": leave.reason, "created_at": leave.created_at, "created_by": leave.created_by}


def _day(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{field_name} must be a date YYYY-MM-DD", field=field_name) from exc


def add_leave(actor: str, username: str, body: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    """Record leave (IST dates, both included). Idempotent on the Idempotency-Key header, or, without
    one, on the dates: the same request again returns the same leave."""
    if idempotency_key is not None and not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError("Idempotency-Key must be 8-64 letters, digits, '-' or '_'", field="Idempotency-Key")
    data = validate(body, LEAVE_SPEC)
    first, last = _day(data["from"], "from"), _day(data["to"], "to")
    if last < first:
        raise ValidationError("to must not be before from", field="to")
    if (last - first).days >= MAX_LEAVE_DAYS:
        raise ValidationError(f"a leave is at most {MAX_LEAVE_DAYS} days; record a longer one in parts", field="to")
    agent = require_agent(username)
    seed = f"key:{idempotency_key}" if idempotency_key else f"dates:{first}:{last}"
    leave_id = "lv_" + hashlib.sha256(f"{username}#{seed}".encode()).hexdigest()[:24]
    body_hash = _hash({"from": first.isoformat(), "to": last.isoformat(), "reason": data["reason"]})
    leave = store.LeaveModel(
        username, leave_id, from_date=first.isoformat(), to_date=last.isoformat(), reason=data["reason"],
        from_key=f"{first.isoformat()}#{leave_id}", end_key=f"{last.isoformat()}#{username}#{leave_id}",
        body_hash=body_hash, created_at=iso(clock.now_utc()), created_by=actor,
    )
    if store.put_leave(leave, agent, (_today() - timedelta(days=1)).isoformat()):
        return 201, leave_view(leave)
    existing = store.get_leave(username, leave_id)
    if existing is None or existing.body_hash != body_hash:
        if idempotency_key:
            raise Conflict("this Idempotency-Key was used for a different leave", field="Idempotency-Key",
                           code="idempotency_key_reused")
        raise Conflict("a leave for these dates exists with another reason", field="from", code="leave_exists")
    return 201, leave_view(existing)


def list_leaves(username: str, page: PageRequest) -> dict[str, Any]:
    require_agent(username)
    result = store.agent_leaves(username, page)
    return page_body([leave_view(lv) for lv in result.items], result.next_key)


def withdraw_leave(actor: str, username: str, leave_id: str) -> dict[str, Any]:
    """Only a leave that has not started (it begins after today, IST) can be withdrawn."""
    if not re.fullmatch(LEAVE_ID, leave_id):
        raise NotFound("leave not found", field="leave_id")
    agent = require_agent(username)
    store.delete_leave(username, leave_id, _today().isoformat(), agent)
    logger.info("leave withdrawn", extra={"agent": username, "leave_id": leave_id, "by": actor})
    return {"leave_id": leave_id, "withdrawn": True}
