"""Routes of the campaigns feature."""

from __future__ import annotations

from chalice import Blueprint

campaigns_bp = Blueprint(__name__)
