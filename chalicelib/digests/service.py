"""Use cases of digests: the digest of a period (built once from counters: digests/build.py, then
kept), sending it once per recipient (the outbox), previewing it, and honouring SES bounces and
complaints. The settings are digests/config.py. No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

from typing import Any

from ..core import clock
from ..core.auth import ADMIN, SUPERVISOR, Principal
from ..core.errors import Conflict, Forbidden, ValidationError
from ..core.observability import count, logger
from ..core.settings import get_settings
from ..notify import service as notify
from . import build as builder
from . import config, render, rules, store, texts

BUILD_ATTEMPTS = 3  # a build that loses a race with a correction of an earlier day is done again


def topic_of(audience: str) -> str:
    s = get_settings()
    return {"district": s.district_topic_arn, "state": s.state_topic_arn, "central": s.central_topic_arn}[audience]


def build(audience: str, period: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(content, snapshot) of one digest, built now from counters and not kept (digests/build.py)."""
    built = builder.build(audience, period)
    return built.content, built.snapshot


def digest(audience: str, period: str) -> dict[str, Any]:
    """The digest of a period: the stored one if it was built (what was sent), else built now and
    stored when its period is over (so every send and every preview after that is the same), with the
    earlier day digests it corrects (rules.correction_days) in the same write."""
    stored = store.get(store.digest_key(audience, period))
    if stored is not None:
        return dict(stored.content)
    for _ in range(BUILD_ATTEMPTS):
        built = builder.build(audience, period)
        if not _period_over(period):
            return built.content
        try:
            return dict(store.keep_first(store.digest_key(audience, period), built.content, built.snapshot,
                                         clock.iso(clock.now_utc()), built.corrections).content)
        except store.Stale:  # an earlier day's digest was corrected meanwhile: compare with it again
            count("DigestBuildStale")
    raise Conflict("the earlier digests kept changing while this one was built; try again", code="contended")


def _period_over(period: str) -> bool:
    day, shift = builder.parse_period(period)
    now = clock.now_utc()
    if shift:
        return rules.shift_of(now) >= period
    return rules.day_of(now) >= day


# ---- sending -------------------------------------------------------------------------------------


def send(audience: str, period: str) -> dict[str, Any]:
    """Send a digest to its recipients (email) and its topic (SMS text + JSON), each once: the outbox
    key is `digest#<audience>#<period>#<recipient>#email` / `#sns`. A permanent failure raises an
    alert on the ops topic (once per key) and stays visible in the preview's deliveries."""
    content = digest(audience, period)
    recipients = config.recipients(audience)
    blocked = store.suppressed(recipients)
    sender = get_settings().ses_sender
    outcomes: dict[str, str] = {}
    for to in recipients:
        key = f"digest#{audience}#{period}#{to}#email"
        if to in blocked:
            outcomes[key] = "suppressed"
            continue
        outcome = notify.send_raw_email(key, to, render.mime(content, sender, to))
        outcomes[key] = outcome.status
        if outcome.status == notify.FAILED:
            _alert(key, outcome.error_code)
    key = f"digest#{audience}#{period}#topic#sns"
    outcome = notify.publish_json(key, topic_of(audience), render.subject(content), texts.sms_text(content),
                                  texts.summary_json(content))
    outcomes[key] = outcome.status
    if outcome.status == notify.FAILED:
        _alert(key, outcome.error_code)
    count("DigestSendRuns")
    return {"audience": audience, "period": period, "outcomes": outcomes}


def _alert(key: str, code: str | None) -> None:
    logger.warning("digest delivery failed for good", extra={"key_kind": "digest", "code": code})
    notify.publish(f"alert#{key}", get_settings().ops_topic_arn, "Sampark: digest delivery failed",
                   f"A digest could not be delivered and will not be retried: {key.split('#')[1:3]} "
                   f"error {code}. See GET /digests/<date>?audience=... deliveries.")


def scheduled_day(fired_utc: Any) -> list[dict[str, Any]]:
    period = rules.day_of(fired_utc)
    return [send(audience, period) for audience in rules.AUDIENCES]


def scheduled_shift(fired_utc: Any) -> dict[str, Any]:
    return send("district", rules.shift_of(fired_utc))


# ---- preview -------------------------------------------------------------------------------------


def preview(user: Principal, date: str, audience: str | None, fmt: str | None) -> Any:
    if audience not in rules.AUDIENCES:
        raise ValidationError(f"audience is one of {list(rules.AUDIENCES)}", field="audience")
    if audience not in rules.audiences_for(user.roles):
        raise Forbidden("your role may not see this audience's digest")
    if fmt not in (None, "json", "html", "text"):
        raise ValidationError("format is json, html or text", field="format")
    builder.parse_period(date)
    content = digest(audience, date)
    if fmt == "html":
        return "html", render.html(content)
    if fmt == "text":
        return "text", render.text(content)
    keys = [f"digest#{audience}#{date}#{to}#email" for to in config.recipients(audience)]
    keys.append(f"digest#{audience}#{date}#topic#sns")
    sent = store.deliveries(keys)
    office = bool({ADMIN, SUPERVISOR} & set(user.roles))  # leaders see how delivery went, not to whom
    deliveries = [{"channel": "sns" if k.endswith("#sns") else "email",
                   **({"recipient": sent[k].recipient if k in sent else None} if office else {}),
                   "status": sent[k].status if k in sent else "pending",
                   "error_code": sent[k].error_code if k in sent else None} for k in keys]
    return "json", {"digest": content, "subject": render.subject(content), "sms": texts.sms_text(content),
                    "deliveries": deliveries}


# ---- SES feedback ----------------------------------------------------------------------------------


def ses_feedback(message: dict[str, Any]) -> int:
    """An SES notification (through SNS): a permanent bounce or a complaint suppresses its addresses."""
    kind = message.get("notificationType") or message.get("eventType")
    at = clock.iso(clock.now_utc())
    addresses: list[str] = []
    if kind == "Bounce" and (message.get("bounce") or {}).get("bounceType") == "Permanent":
        addresses = [r.get("emailAddress", "") for r in message["bounce"].get("bouncedRecipients", [])]
    elif kind == "Complaint":
        complained = (message.get("complaint") or {}).get("complainedRecipients", [])
        addresses = [r.get("emailAddress", "") for r in complained]
    done = 0
    for address in addresses:
        if config.EMAIL.fullmatch(address or ""):
            store.suppress(address, str(kind).lower(), at)
            done += 1
    count("DigestAddressesSuppressed", done)
    return done

