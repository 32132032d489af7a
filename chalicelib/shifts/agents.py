"""Use cases of agents: profiles with their Cognito logins (accounts/cognito.py), idempotent creates,
edits, deactivation, the search, an admin's password reset. Leave is leaves.py. No Chalice, no boto3, no
PynamoDB here: the profile is stored through agent_store."""

from __future__ import annotations

import hashlib
import json
import re
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
from . import agent_store, employers, rotation, rules

ROLES = (rotation.AGENT, rotation.SUPERVISOR)
USERNAME = rules.USERNAME
EMAIL = r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
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
    "employer": Field("str", max_len=40),
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
    "employer": Field("str", max_len=40),
}


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

# ---- agents --------------------------------------------------------------------------------


def agent_view(agent: agent_store.AgentModel) -> dict[str, Any]:
    return {
        "username": agent.username, "role": agent.role, "name_hi": agent.name_hi, "name_en": agent.name_en,
        "email": agent.email, "phone_masked": mask_phone(agent.phone_last4) if agent.phone_last4 else None,
        "languages": list(agent.languages or []), "active": bool(agent.active), "version": int(agent.version),
        "employer": employer_of(agent), "created_at": agent.created_at, "updated_at": agent.updated_at,
    }


def employer_of(agent: agent_store.AgentModel) -> str:
    """The agent's employer id: an item stored before employers existed is party staff."""
    return agent.employer or employers.PARTY_ID


def override_view(agent: agent_store.AgentModel) -> dict[str, Any] | None:
    """A supervisor's duty override in force: until when, why, who set it and when; None otherwise."""
    if not (agent.override_until and agent.override_until > iso(clock.now_utc())):
        return None
    return {"until": agent.override_until, "reason": agent.override_reason, "set_by": agent.override_by,
            "set_at": agent.override_at}


def agent_list_item(agent: agent_store.AgentModel) -> dict[str, Any]:
    """Built from the index projection alone: the phone itself is not even read."""
    return {
        "username": agent.username, "role": agent.role, "name_hi": agent.name_hi, "name_en": agent.name_en,
        "email": agent.email, "phone_masked": mask_phone(agent.phone_last4) if agent.phone_last4 else None,
        "languages": list(agent.languages or []), "active": bool(agent.active), "employer": employer_of(agent),
        "override": override_view(agent),
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


def agent_fields(normalised: dict[str, Any], actor: str, now: str) -> dict[str, Any]:
    """What a new profile holds, for normalised create data: its list key, the phone's last digits, the
    names as the search reads them, and the hash of the request (the same request again is the same
    agent)."""
    phone = normalised["phone"]
    return {
        "username": normalised["username"], "list_key": f"{normalised['role']}#{normalised['username']}",
        "role": normalised["role"], "name_hi": normalised["name_hi"], "name_en": normalised["name_en"],
        "email": normalised["email"], "phone": phone, "phone_last4": phone[-4:] if phone else None,
        "languages": normalised["languages"], "active": normalised["active"],
        "employer": normalised.get("employer") or employers.PARTY_ID, "created_at": now,
        "updated_at": now, "created_by": actor, "create_hash": _hash(normalised), "version": 1, "leaves": {},
        **name_keys(normalised["name_hi"], normalised["name_en"]),
    }


def agent_record(normalised: dict[str, Any], actor: str, now: str) -> agent_store.AgentModel:
    """The stored profile for normalised create data, not yet written (the demo seeder and the tests
    batch-write these)."""
    return agent_store.agent_item(agent_fields(normalised, actor, now))


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
        "employer": employers.require_employer(data.get("employer") or employers.PARTY_ID),
    }
    agent = agent_record(normalised, actor, iso(clock.now_utc()))
    create_hash = agent.create_hash
    try:
        agent_store.create_agent(agent)
    except Conflict as exists:
        current = agent_store.get_agent(agent.username)
        if current is None or current.create_hash != create_hash:
            raise Conflict("a different agent already has this username", field="username",
                           code="agent_exists") from exists
        _sync_login(current)  # a retry: finish what the first attempt may not have
        return 201, agent_view(current)
    try:
        password = _ensure_login(agent.username, agent.email, agent.role)
        if not agent.active:
            cognito.set_enabled(agent.username, False)
    except (Conflict, ValidationError):  # the login cannot exist as asked: no profile without it
        agent_store.delete_agent_if(agent.username, create_hash)
        raise
    view = agent_view(agent)
    if password:
        view["temporary_password"] = password  # shown once; Cognito also sends it by email
    return 201, view


def _sync_login(agent: agent_store.AgentModel) -> None:
    _ensure_login(agent.username, agent.email, agent.role)
    cognito.set_enabled(agent.username, bool(agent.active))


def _ensure_login(username: str, email: str, role: str) -> str | None:
    """The agent's login, made or brought in line (accounts/cognito.py); a username that is a login outside
    the call centre is refused."""
    try:
        return cognito.ensure_login(username, email, role)
    except cognito.LoginOutsideCentre as exc:
        raise Conflict("this username belongs to another login", field="username", code="username_taken") from exc


def require_agent(username: str) -> agent_store.AgentModel:
    agent = agent_store.get_agent(username) if re.fullmatch(USERNAME, username or "") else None
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


def list_agents(role: str | None, page: PageRequest, q: str | None = None,
                employer: str | None = None) -> dict[str, Any]:
    """GET /agents[?role=][&q=][&employer=]: the centre's agents in login-name order, each with the duty
    override in force; `q` keeps those whose login name, Hindi name or English name starts with it;
    `employer` those of that employer (400 `unknown_employer` for an id that names none)."""
    if role is not None and role not in ROLES:
        raise ValidationError(f"role must be one of: {', '.join(ROLES)}", field="role")
    if employer is not None:
        employers.require_employer(employer)
    login, name = search_terms(q)
    result = agent_store.find_agents(login, name, role, page, employer)
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
    changes = _changes(data, current)
    updated = agent_store.update_agent(username, version, changes)
    _follow_profile(updated, data, role_changed="role" in data and data["role"] != current.role)
    logger.info("agent updated", extra={"agent": username, "fields": sorted(changes)})
    return agent_view(updated)


def _changes(data: dict[str, Any], current: agent_store.AgentModel) -> dict[str, Any]:
    """What a PATCH changes on the stored profile (validated data; the names' search keys, the phone's
    last digits and the list key follow the fields they come from)."""
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
    if "role" in data:
        changes.update(role=data["role"], list_key=f"{data['role']}#{current.username}")
    if "active" in data:
        changes["active"] = data["active"]
    if "employer" in data:
        changes["employer"] = employers.require_employer(data["employer"])
    changes["updated_at"] = iso(clock.now_utc())
    return changes


def _follow_profile(updated: agent_store.AgentModel, data: dict[str, Any], *, role_changed: bool) -> None:
    """The profile is the truth; the login follows it. Every call is idempotent, so repeating the same
    PATCH (with the new version) repairs a login that a failure here left behind."""
    username = updated.username
    if "role" in data or "email" in data or data.get("active"):
        _ensure_login(username, updated.email, updated.role)
    if "email" in data:
        cognito.set_email(username, updated.email)
    if "active" in data:
        cognito.set_enabled(username, bool(updated.active))  # disabling also signs out everywhere
    if role_changed:
        cognito.sign_out_everywhere(username)  # no device keeps a session of the old role
    if role_changed or "active" in data:
        access.forget(username)  # this container reads the profile afresh; others within profile_cache_s


def staff_directory() -> list[dict[str, Any]]:
    """Every agent and supervisor of the centre, in login-name order, with who employs them: what the
    performance reports name people by (one paged Query of the agents' by_staff index, never a Scan)."""
    return [{"username": a.username, "name_hi": a.name_hi, "name_en": a.name_en, "role": a.role,
             "employer": employer_of(a), "active": bool(a.active)} for a in agent_store.staff()]
