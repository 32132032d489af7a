"""Routes of the calls feature."""

from __future__ import annotations

from chalice import Blueprint

calls_bp = Blueprint(__name__)
