"""The activation queue's name, without the store: the blueprint names its SQS trigger at import.

The SQS trigger's queue must be named when the app is imported: `chalice deploy/package --stage X`
imports it with that stage's environment variables, so the name follows SAMPARK_STAGE. A bare import
(tests, tools) gets the local name; the running function sends to SAMPARK_ACTIVATION_QUEUE_URL, which
must name the same queue (checked at the first send).
"""

from __future__ import annotations

import os


def activation_queue_name(stage: str) -> str:
    return f"sampark-{stage}-campaign-activation"


ACTIVATION_QUEUE = activation_queue_name(os.environ.get("SAMPARK_STAGE") or "local")
