"""GET /health: public, touches nothing, tells the stage."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from .http import Req, endpoint
from .settings import get_settings

health_bp = Blueprint(__name__)


@endpoint(health_bp, "/health", public=True)
def health(req: Req) -> dict[str, Any]:
    return {"status": "ok", "stage": get_settings().stage}
