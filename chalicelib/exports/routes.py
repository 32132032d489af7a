"""Routes of exports: parse, call one service function, return. The parts are written by the bulk
worker (chalicelib/bulk/routes.py), which serves imports and exports from one queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..core.auth import ADMIN
from ..core.http import Req, endpoint
from ..core.lazy import lazy

if TYPE_CHECKING:
    from . import service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")

exports_bp = Blueprint(__name__)


@endpoint(exports_bp, "/exports", methods=["POST"], roles=[ADMIN])
def create_export(req: Req) -> tuple[int, dict[str, Any]]:
    return service.create_export(req.user.username, req.body, req.headers.get("idempotency-key"))


@endpoint(exports_bp, "/exports", roles=[ADMIN])
def list_exports(req: Req) -> dict[str, Any]:
    from ..core.paging import DEFAULT_PAGE, MAX_PAGE
    from ..core.validate import query_int

    return service.list_exports(req.query, query_int(req.query, "limit", DEFAULT_PAGE, 1, MAX_PAGE))


@endpoint(exports_bp, "/exports/{export_id}", roles=[ADMIN])
def get_export(req: Req, export_id: str) -> dict[str, Any]:
    return service.get_export(export_id)
