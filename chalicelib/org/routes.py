"""Routes of the hierarchy and contacts: parse, call one service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN, ALL_ROLES, STAFF
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import page_request

if TYPE_CHECKING:
    from . import audit, audit_store, search, service, store, units
else:  # imported at first use: core/lazy.py
    audit = lazy(f"{__package__}.audit")
    audit_store = lazy(f"{__package__}.audit_store")
    search = lazy(f"{__package__}.search")
    service = lazy(f"{__package__}.service")
    store = lazy(f"{__package__}.store")
    units = lazy(f"{__package__}.units")

org_bp = Blueprint(__name__)


@endpoint(org_bp, "/units", roles=ALL_ROLES)
def list_top_units(req: Req) -> dict[str, Any]:
    return units.list_children(None, page_request(req.query, store.CHILD_KEYS))


@endpoint(org_bp, "/units/{unit_id}", methods=["PUT"], roles=[ADMIN])
def put_unit(req: Req, unit_id: str) -> tuple[int, dict[str, Any]]:
    return units.put_unit(unit_id, req.body)


@endpoint(org_bp, "/units/{unit_id}", roles=ALL_ROLES)
def get_unit(req: Req, unit_id: str) -> dict[str, Any]:
    return units.get_unit(unit_id)


@endpoint(org_bp, "/units/{unit_id}/children", roles=ALL_ROLES)
def list_children(req: Req, unit_id: str) -> dict[str, Any]:
    return units.list_children(unit_id, page_request(req.query, store.CHILD_KEYS))


@endpoint(org_bp, "/units/{unit_id}/contacts", roles=STAFF)
def list_unit_contacts(req: Req, unit_id: str) -> dict[str, Any]:
    keys = store.ROLE_KEYS if req.query.get("role") else store.TREE_KEYS
    return service.list_contacts(unit_id, req.query.get("role") or None, page_request(req.query, keys))


@endpoint(org_bp, "/units/{unit_id}/contacts/count", roles=STAFF)
def count_unit_contacts(req: Req, unit_id: str) -> dict[str, Any]:
    return search.count_contacts(unit_id, req.query.get("roles"))


@endpoint(org_bp, "/contacts/search", roles=STAFF)
def search_contacts(req: Req) -> dict[str, Any]:
    from ..core.validate import query_int

    return search.search_contacts(req.query.get("q"), req.query.get("district") or None,
                                  query_int(req.query, "limit", 20, 1, 100), req.query.get("cursor") or None)


@endpoint(org_bp, "/contacts", methods=["POST"], roles=[ADMIN])
def create_contact(req: Req) -> tuple[int, dict[str, Any]]:
    return service.create_contact(req.user.username, req.body, req.headers.get("idempotency-key"))


@endpoint(org_bp, "/contacts/{contact_id}", roles=STAFF)
def read_contact(req: Req, contact_id: str) -> dict[str, Any]:
    reveal = req.query.get("reveal", "false")
    if reveal not in ("true", "false"):
        from ..core.errors import ValidationError

        raise ValidationError("reveal must be true or false", field="reveal")
    return service.read_contact(req.user.username, contact_id, reveal == "true")


@endpoint(org_bp, "/contacts/{contact_id}", methods=["PATCH"], roles=[ADMIN])
def update_contact(req: Req, contact_id: str) -> dict[str, Any]:
    return service.update_contact(req.user.username, contact_id, req.body)


@endpoint(org_bp, "/contacts/{contact_id}/opt-out", methods=["POST"], roles=STAFF)
def opt_out(req: Req, contact_id: str) -> dict[str, Any]:
    return service.opt_out(req.user.username, contact_id)


@endpoint(org_bp, "/contacts/{contact_id}/audit", roles=[ADMIN])
def contact_audit(req: Req, contact_id: str) -> dict[str, Any]:
    return audit.contact_audit(contact_id, page_request(req.query, audit_store.AUDIT_KEYS))


@endpoint(org_bp, "/audit", roles=[ADMIN])
def actor_audit(req: Req) -> dict[str, Any]:
    return audit.actor_audit(req.query.get("actor"), req.query.get("from") or None, req.query.get("to") or None,
                             page_request(req.query, audit_store.ACTOR_KEYS))
