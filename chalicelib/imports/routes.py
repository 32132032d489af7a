"""Routes of imports, the upload trigger and the bulk worker: parse, call one service function, return."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.observability import logger
from . import blobs

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

imports_bp = Blueprint(__name__)
UPLOAD_FUNCTION = "import_uploaded"
WORKER_FUNCTION = "bulk_worker"


@endpoint(imports_bp, "/imports", methods=["POST"], roles=[ADMIN])
def create_import(req: Req) -> tuple[int, dict[str, Any]]:
    return service.create_import(req.user.username, req.body, req.headers.get("idempotency-key"))


@endpoint(imports_bp, "/imports", roles=[ADMIN])
def list_imports(req: Req) -> dict[str, Any]:
    from ..core.paging import DEFAULT_PAGE, MAX_PAGE
    from ..core.validate import query_int

    return service.list_imports(req.query, query_int(req.query, "limit", DEFAULT_PAGE, 1, MAX_PAGE))


@endpoint(imports_bp, "/imports/{import_id}", roles=[ADMIN])
def get_import(req: Req, import_id: str) -> dict[str, Any]:
    return service.get_import(import_id)


@imports_bp.on_s3_event(bucket=blobs.UPLOAD_BUCKET, events=["s3:ObjectCreated:*"], prefix="uploads/",
                        name=UPLOAD_FUNCTION)
def import_uploaded(event: Any) -> None:
    service.uploaded(event.key)


@imports_bp.on_sqs_message(queue=blobs.BULK_QUEUE, batch_size=1, name=WORKER_FUNCTION)
def bulk_worker(event: Any) -> None:
    """One message = one chunk of an import or an export. An exception leaves the message to SQS's
    retry (then its dead-letter queue); every chunk is safe to run twice."""
    from ..exports import service as exports

    for record in event:
        try:
            message = json.loads(record.body)
        except ValueError:
            logger.warning("bulk message is not JSON; dropped")
            continue
        if isinstance(message, dict) and isinstance(message.get("seq"), int):
            if isinstance(message.get("import_id"), str):
                service.process_chunk(message["import_id"], message["seq"])
                continue
            if isinstance(message.get("export_id"), str):
                exports.process_chunk(message["export_id"], message["seq"])
                continue
        logger.warning("bulk message names no job; dropped")
