"""Routes of imports and the upload trigger: parse, call one service function, return. The chunks are
run by the bulk worker (chalicelib/bulk/routes.py), which serves imports and exports from one queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from . import blobs

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

imports_bp = Blueprint(__name__)
UPLOAD_FUNCTION = "import_uploaded"


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

