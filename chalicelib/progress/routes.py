"""Routes of what a campaign has reached: the campaign page's overview, a campaign's progress at a unit,
and a contact's campaigns. Parse, call one service function, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN, LEADERS, STAFF, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import page_request

if TYPE_CHECKING:
    from . import overview, service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")
    overview = lazy(f"{__package__}.overview")

progress_bp = Blueprint(__name__)
CHILD_KEYS = ("unit_id", "parent_key", "child_sort")  # the cursor of org's by_parent index (org/store.py)


@endpoint(progress_bp, "/campaigns/{campaign_id}/overview", roles=[SUPERVISOR, ADMIN, *LEADERS])
def campaign_overview(req: Req, campaign_id: str) -> dict[str, Any]:
    children = page_request({"limit": str(overview.CHILDREN_MAX), **req.query}, CHILD_KEYS)
    return overview.overview(req.user, campaign_id, req.query.get("unit") or None, children)


@endpoint(progress_bp, "/campaigns/{campaign_id}/progress", roles=[SUPERVISOR, ADMIN, *LEADERS])
def progress(req: Req, campaign_id: str) -> dict[str, Any]:
    return service.progress(req.user, campaign_id, req.query.get("unit") or None, req.query.get("date") or None,
                            page_request(req.query, CHILD_KEYS))


@endpoint(progress_bp, "/contacts/{contact_id}/campaigns", roles=STAFF)
def contact_campaigns(req: Req, contact_id: str) -> dict[str, Any]:
    return service.contact_campaigns(contact_id, service.contact_campaigns_page(req.query, contact_id))
