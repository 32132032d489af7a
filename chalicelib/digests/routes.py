"""Routes and schedules of digests: parse, call one service function, return."""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ..core import clock
from ..core.auth import ADMIN, CENTRAL_LEADER, STATE_LEADER, SUPERVISOR
from ..core.http import Req, endpoint
from ..core.lazy import lazy
from ..core.settings import digest_schedule

if TYPE_CHECKING:
    from . import archive, config, service
else:  # imported at first use: core/lazy.py
    service = lazy(f"{__package__}.service")
    archive = lazy(f"{__package__}.archive")
    config = lazy(f"{__package__}.config")

digests_bp = Blueprint(__name__)
DAY_FUNCTION, SHIFT_FUNCTION = "send_day_digests", "send_shift_digests"
# SES posts bounces and complaints to this topic (infra/messaging.py: <prefix>-ses-feedback); Chalice
# needs the name when the app is imported, so it follows the stage like the queues do.
SES_FEEDBACK_TOPIC = f"sampark-{os.environ.get('SAMPARK_STAGE') or 'local'}-ses-feedback"
TYPES = {"html": "text/html; charset=utf-8", "text": "text/plain; charset=utf-8"}


@endpoint(digests_bp, "/digests", roles=[ADMIN, SUPERVISOR, STATE_LEADER, CENTRAL_LEADER])
def digest_archive(req: Req) -> dict[str, Any]:
    return archive.archive(req.user, req.query)


@endpoint(digests_bp, "/digests/{date}", roles=[ADMIN, SUPERVISOR, STATE_LEADER, CENTRAL_LEADER])
def preview_digest(req: Req, date: str) -> Any:
    kind, body = service.preview(req.user, date, req.query.get("audience"), req.query.get("format"))
    if kind in TYPES:
        return Response(body=body, status_code=200, headers={"Content-Type": TYPES[kind], "Cache-Control": "no-store"})
    return body


@endpoint(digests_bp, "/settings/digests", roles=[ADMIN])
def get_digest_settings(req: Req) -> dict[str, Any]:
    return config.settings_view()


@endpoint(digests_bp, "/settings/digests", methods=["PUT"], roles=[ADMIN])
def put_digest_settings(req: Req) -> dict[str, Any]:
    return config.put_settings(req.body)


def _fired(event: Any) -> datetime:
    fired = getattr(event, "time", None)
    return clock.parse_iso(fired) if isinstance(fired, str) and fired else clock.now_utc()


@digests_bp.schedule(digest_schedule("day"), name=DAY_FUNCTION,
                     description="Each audience's digest of the day, after the evening shift; keyed on the day")
def send_day_digests(event: Any) -> list[dict[str, Any]]:
    return service.scheduled_day(_fired(event))


@digests_bp.schedule(digest_schedule("shift"), name=SHIFT_FUNCTION,
                     description="The district's digest of the shift that just ended; keyed on the shift")
def send_shift_digests(event: Any) -> dict[str, Any]:
    return service.scheduled_shift(_fired(event))


@digests_bp.on_sns_message(topic=SES_FEEDBACK_TOPIC, name="ses_feedback")
def on_ses_feedback(event: Any) -> int:
    """A bounce or complaint from SES: suppress the address for later digests."""
    try:
        message = json.loads(event.message)
    except (TypeError, ValueError):
        return 0  # not an SES notification: nothing to suppress, nothing to retry
    return service.ses_feedback(message if isinstance(message, dict) else {})
