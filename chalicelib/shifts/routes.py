"""Routes of the shifts feature."""

from __future__ import annotations

from chalice import Blueprint

shifts_bp = Blueprint(__name__)
