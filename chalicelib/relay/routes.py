"""Routes of the programme relay: the relay tree under a unit, and the function subscribed to the
programmes topic. Parse, call one service function, return."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN, LEADERS, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.paging import page_request

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

CHILD_KEYS = ("unit_id", "parent_key", "child_sort")  # the cursor of org's by_parent index (org/store.py)

relay_bp = Blueprint(__name__)
PROGRAMME_FUNCTION = "programme_published"
# The central and state offices publish programmes on this topic; Chalice needs the name when the app
# is imported, so it follows the stage (infra/messaging.py creates the topic from this handler).
PROGRAMME_TOPIC = f"sampark-{os.environ.get('SAMPARK_STAGE') or 'local'}-programmes"


@endpoint(relay_bp, "/campaigns/{campaign_id}/relay", roles=[SUPERVISOR, ADMIN, *LEADERS])
def relay_tree(req: Req, campaign_id: str) -> dict[str, Any]:
    return service.relay_tree(campaign_id, req.query.get("unit") or None, page_request(req.query, CHILD_KEYS))


@relay_bp.on_sns_message(topic=PROGRAMME_TOPIC, name=PROGRAMME_FUNCTION)
def on_programme(event: Any) -> dict[str, Any]:
    """A programme published by the central or state office: a draft programme_relay campaign, or a
    dead letter with the reason."""
    records = event.to_dict().get("Records") or [{}]
    sns = records[0].get("Sns") or {}
    return service.receive_programme(event.message, sns.get("MessageId"), sns.get("Timestamp"))
