"""The bulk worker: one SQS queue runs the chunks of imports and exports alike. A room above both
(issue 17): it reads a message, names the job, and hands the chunk to that feature's service. Every
chunk is safe to run twice, so SQS's redelivery is the retry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.lazy import lazy
from ..core.observability import logger
from ..imports import blobs

if TYPE_CHECKING:
    from ..exports import worker as exports
    from ..imports import service as imports
else:  # imported at first use: core/lazy.py
    exports = lazy("chalicelib.exports.worker")
    imports = lazy("chalicelib.imports.service")

bulk_bp = Blueprint(__name__)
WORKER_FUNCTION = "bulk_worker"


@bulk_bp.on_sqs_message(queue=blobs.BULK_QUEUE, batch_size=1, name=WORKER_FUNCTION)
def bulk_worker(event: Any) -> None:
    """One message = one chunk of an import or an export. An exception leaves the message to SQS's
    retry (then its dead-letter queue); every chunk is safe to run twice."""
    for record in event:
        try:
            message = json.loads(record.body)
        except ValueError:
            logger.warning("bulk message is not JSON; dropped")
            continue
        if isinstance(message, dict) and isinstance(message.get("seq"), int):
            if isinstance(message.get("import_id"), str):
                imports.process_chunk(message["import_id"], message["seq"])
                continue
            if isinstance(message.get("export_id"), str):
                exports.process_chunk(message["export_id"], message["seq"])
                continue
        logger.warning("bulk message names no job; dropped")
