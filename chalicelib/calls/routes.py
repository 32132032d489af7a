"""Routes of calls: record one, an agent's calls and callbacks, a contact's history. Parse, call one
service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ..core import access
from ..core.auth import AGENT, STAFF, SUPERVISOR
from ..core.http import Req, endpoint, json_response
from ..core.lazy import lazy
from ..core.paging import page_request

if TYPE_CHECKING:
    from . import service, store
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")
    store = lazy(f"{__package__}.store")

calls_bp = Blueprint(__name__)
# The calling workflow's hot routes read the caller's agent item with their first BatchGetItem and check
# the profile from it (core/access.py): POST /next (chalicelib/campaigns/service.py) and POST /calls.
access.checked_by_route("POST /campaigns/{campaign_id}/next", "POST /calls")


@endpoint(calls_bp, "/calls", methods=["POST"], roles=[AGENT, SUPERVISOR])
def record_call(req: Req) -> Response:
    status, result, replayed = service.record_call(req.user, req.body)
    return json_response(result, status, {"Idempotent-Replayed": "true"} if replayed else None)


@endpoint(calls_bp, "/me/calls", roles=[AGENT])
def my_calls(req: Req) -> dict[str, Any]:
    return service.my_calls(req.user.username, req.query.get("date"), page_request(req.query, store.AGENT_DAY_KEYS))


@endpoint(calls_bp, "/me/callbacks", roles=[AGENT])
def my_callbacks(req: Req) -> dict[str, Any]:
    from ..campaigns.store import AGENT_KEYS

    return service.my_callbacks(req.user.username, page_request(req.query, AGENT_KEYS))


@endpoint(calls_bp, "/contacts/{contact_id}/calls", roles=STAFF)
def contact_calls(req: Req, contact_id: str) -> dict[str, Any]:
    from ..org.service import audit_call_history

    page = page_request(req.query, store.CONTACT_KEYS)
    audit_call_history(req.user.username, contact_id)  # notes and answers: audited as a reveal is, first
    return service.contact_calls(contact_id, page)

