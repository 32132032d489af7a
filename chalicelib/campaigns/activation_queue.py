"""The activation queue's adapter: one SQS message per chunk of an activation (campaigns/activation.py).
The only module of this feature that talks to SQS."""

from __future__ import annotations

import json

from ..core.clients import client
from ..core.settings import SettingsError, get_settings
from .queues import activation_queue_name


def enqueue_activation(campaign_id: str, seq: int) -> None:
    """Hand chunk `seq` of the campaign's activation to the queue (SAMPARK_ACTIVATION_QUEUE_URL must name
    this stage's queue: checked at every send, it costs nothing)."""
    settings = get_settings()
    url = settings.activation_queue_url
    expected = activation_queue_name(settings.stage)
    if url.rstrip("/").rsplit("/", 1)[-1] != expected:
        raise SettingsError(f"SAMPARK_ACTIVATION_QUEUE_URL must name the queue {expected}")
    client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"campaign_id": campaign_id, "seq": seq}))
