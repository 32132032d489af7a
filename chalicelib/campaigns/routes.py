"""Routes of campaigns and the next call, and the activation function fed by SQS: parse, call one
service function, return."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import AGENT, ALL_ROLES, STAFF
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.observability import logger
from ..core.paging import page_request
from .queues import ACTIVATION_QUEUE

if TYPE_CHECKING:
    from . import activation, definition, leasing, store
else:  # imported at first use: core/lazy.py
    definition = lazy(f"{__package__}.definition")
    activation = lazy(f"{__package__}.activation")
    leasing = lazy(f"{__package__}.leasing")
    store = lazy(f"{__package__}.store")

campaigns_bp = Blueprint(__name__)
ACTIVATION_FUNCTION = "process_activation_chunk"


@endpoint(campaigns_bp, "/campaigns", methods=["POST"], roles=STAFF)
def create_campaign(req: Req) -> tuple[int, dict[str, Any]]:
    return definition.create_campaign(req.user.username, req.body, req.headers.get("idempotency-key"))


@endpoint(campaigns_bp, "/campaigns", roles=ALL_ROLES)
def list_campaigns(req: Req) -> dict[str, Any]:
    return definition.list_campaigns(req.query.get("status"), req.query.get("district"),
                                  page_request(req.query, store.LIST_KEYS))


@endpoint(campaigns_bp, "/campaigns/{campaign_id}", roles=ALL_ROLES)
def get_campaign(req: Req, campaign_id: str) -> dict[str, Any]:
    return definition.get_campaign(campaign_id)


@endpoint(campaigns_bp, "/campaigns/{campaign_id}", methods=["PATCH"], roles=STAFF)
def update_campaign(req: Req, campaign_id: str) -> dict[str, Any]:
    return definition.update_campaign(campaign_id, req.body)


@endpoint(campaigns_bp, "/campaigns/{campaign_id}/activate", methods=["POST"], roles=STAFF)
def activate_campaign(req: Req, campaign_id: str) -> tuple[int, dict[str, Any]]:
    return activation.activate(campaign_id)


@endpoint(campaigns_bp, "/campaigns/{campaign_id}/close", methods=["POST"], roles=STAFF)
def close_campaign(req: Req, campaign_id: str) -> dict[str, Any]:
    return definition.close_campaign(campaign_id)


@endpoint(campaigns_bp, "/campaigns/{campaign_id}/next", methods=["POST"], roles=[AGENT])
def next_call(req: Req, campaign_id: str) -> dict[str, Any]:
    return leasing.next_call(req.user.username, campaign_id, req.query.get("resume"))


@campaigns_bp.on_sqs_message(queue=ACTIVATION_QUEUE, batch_size=1, name=ACTIVATION_FUNCTION)
def process_activation_chunk(event: Any) -> None:
    """One message = one chunk. An exception leaves the message to SQS's retry (then its DLQ)."""
    for record in event:
        try:
            message = json.loads(record.body)
        except ValueError:
            logger.warning("activation message is not JSON; dropped")
            continue
        activation.process_activation_chunk(message if isinstance(message, dict) else {})
