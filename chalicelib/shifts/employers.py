"""Who employs the call centre's people (issue 20): the outside firm that supplies the agents, or the
party's own staff. The built-in employer "party" always exists and cannot be renamed or removed; the
others are one versioned item of the config table ("employers"), which an admin changes. An agent or a
supervisor names one by its id (`AgentModel.employer`; absent on old items = "party"). No Chalice, no
boto3, no PynamoDB here: the item is config_store's, the agents agent_store's."""

from __future__ import annotations

from typing import Any

from ..core import clock
from ..core.clock import iso
from ..core.errors import Conflict, ValidationError
from ..core.observability import logger
from ..core.validate import Field, name_field, validate
from . import agent_store, config_store

NAME = "employers"
PARTY_ID = "party"
PARTY = {"id": PARTY_ID, "name_hi": "पार्टी के अपने कर्मचारी", "name_en": "Party staff"}
ID = r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"  # a slug: a-z, 0-9 and inner hyphens, at most 40
MAX_EMPLOYERS = 50
EMPLOYER_SPEC = {
    "id": Field("str", required=True, max_len=40, pattern=ID),
    "name_hi": name_field(80, required=True),
    "name_en": name_field(80, required=True),
    "built_in": Field("bool"),  # what GET answers may be sent back as it is
}
BODY_SPEC = {
    "version": Field("int", required=True, minimum=0),
    "employers": Field("list", required=True, max_items=MAX_EMPLOYERS + 1,
                       item=Field("object", fields=EMPLOYER_SPEC)),
}


def _stored() -> tuple[list[dict[str, str]], int]:
    found = config_store.get_config(NAME)
    if found is None:
        return [], 0
    body, version = found
    return list(body.get("employers", [])), version


def _listed(stored: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{**PARTY, "built_in": True}] + [{**e, "built_in": False} for e in stored]


def employers() -> list[dict[str, Any]]:
    """Every employer, the party's own staff first, then the stored ones in the admin's order."""
    return _listed(_stored()[0])


def employer_ids() -> set[str]:
    return {e["id"] for e in employers()}


def require_employer(value: Any, field: str = "employer") -> str:
    """The employer id, if it names one; 400 `unknown_employer` on the field otherwise."""
    if isinstance(value, str) and value == PARTY_ID:
        return value  # the built-in one: nothing to read
    if not isinstance(value, str) or value not in employer_ids():
        raise ValidationError("no such employer: choose one from the settings' list of employers", field=field,
                              code="unknown_employer")
    return value


def get_employers() -> dict[str, Any]:
    """GET /settings/employers."""
    stored, version = _stored()
    return {"employers": _listed(stored), "version": version}


def put_employers(actor: str, body: Any) -> dict[str, Any]:
    """PUT /settings/employers (admin): the whole list, against the version read. The built-in party
    staff may be sent back as GET gave it; it is never stored. An employer that some agent or supervisor
    still has cannot be removed (409 `employer_in_use`): move those people first."""
    data = validate(body, BODY_SPEC)
    version = data["version"]
    new: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(data["employers"]):
        if item["id"] == PARTY_ID:
            continue
        if item["id"] in seen:
            raise ValidationError(f"the id {item['id']} is given twice", field=f"employers[{i}].id",
                                  code="duplicate_employer")
        seen.add(item["id"])
        new.append({"id": item["id"], "name_hi": item["name_hi"], "name_en": item["name_en"]})
    if len(new) > MAX_EMPLOYERS:
        raise ValidationError(f"at most {MAX_EMPLOYERS} employers", field="employers")
    stored, current = _stored()
    if version != current:
        raise Conflict("the employers were changed by someone else; reload them and try again", field="version",
                       code="stale_version")
    for gone in [e["id"] for e in stored if e["id"] not in seen]:
        if agent_store.employer_in_use(gone):
            raise Conflict(f"the employer {gone} still has agents or supervisors: give them another employer first",
                           field="employers", code="employer_in_use", details={"employer": gone})
    new_version = config_store.put_config(NAME, {"employers": new}, version, iso(clock.now_utc()), actor)
    logger.info("employers changed", extra={"by": actor, "employers": sorted(seen), "version": new_version})
    return {"employers": _listed(new), "version": new_version}
