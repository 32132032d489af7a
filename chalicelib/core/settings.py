"""One settings object, read from the environment and validated once per container.

Resource names have no defaults: a missing one fails loudly at the first use, naming the variable.
Only tuning knobs (timeouts, page sizes) have defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlparse

STAGES = ("local", "dev", "prod")


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    user_pool_id: str
    user_pool_client_id: str
    ses_sender: str  # verified SES identity that rosters (and digests) are sent from
    outbox_lease_s: int  # how long a claimed message is held before a retry may send it again
    aws_endpoint: str | None  # moto server for the local stack; None in AWS
    ddb_connect_timeout_s: int
    ddb_read_timeout_s: int
    ddb_max_retries: int
    max_body_bytes: int
    activation_queue_url: str  # SQS queue that feeds campaign activation chunks to its function
    bulk_bucket: str  # S3 bucket of imports (uploads, manifests, error reports) and exports
    bulk_queue_url: str  # SQS queue that feeds import and export chunks to the bulk worker
    import_max_bytes: int  # the largest file an import accepts
    district_topic_arn: str  # SNS topics of the digest audiences (chalicelib/digests) ...
    state_topic_arn: str
    central_topic_arn: str
    ops_topic_arn: str  # ... and of operations alerts (a digest that could not be delivered)
    # how long a caller's profile (active, role) is trusted per container before it is read again;
    # 0 reads it on every request (core/access.py)
    profile_cache_s: int = 30

    @property
    def is_local_endpoint(self) -> bool:
        """True when every AWS call goes to a server on this machine."""
        if not self.aws_endpoint:
            return False
        return urlparse(self.aws_endpoint).hostname in {"127.0.0.1", "localhost", "::1"}

    def table_name(self, base: str) -> str:
        return f"{self.table_prefix}-{base}"

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        base = self.aws_endpoint.rstrip("/") if self.aws_endpoint else self.issuer.rsplit("/", 1)[0]
        return f"{base}/{self.user_pool_id}/.well-known/jwks.json"


def _required(env: dict[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _number(env: dict[str, str], name: str, default: float, cast: type = float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = cast(raw) if raw else default
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive")
    return value


MAX_PROFILE_CACHE_S = 60  # a deactivated or demoted person loses their powers within this


def _bounded_int(env: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
        raise SettingsError(f"{name} must be a whole number from {lo} to {hi}, got {raw!r}")
    return int(raw)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    stage = _required(env, "SAMPARK_STAGE")
    if stage not in STAGES:
        raise SettingsError(f"SAMPARK_STAGE must be one of {STAGES}, got {stage!r}")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
    if not region:
        raise SettingsError("AWS_REGION (or AWS_DEFAULT_REGION) is required")
    endpoint = env.get("SAMPARK_AWS_ENDPOINT", "").strip() or None
    if endpoint and stage != "local":
        raise SettingsError("SAMPARK_AWS_ENDPOINT may only be set for the local stage")
    settings = Settings(
        stage=stage,
        region=region,
        table_prefix=_required(env, "SAMPARK_TABLE_PREFIX"),
        user_pool_id=_required(env, "SAMPARK_USER_POOL_ID"),
        user_pool_client_id=_required(env, "SAMPARK_USER_POOL_CLIENT_ID"),
        ses_sender=_required(env, "SAMPARK_SES_SENDER"),
        # longer than any function may run (25 s): a live sender never loses its claim
        outbox_lease_s=int(_number(env, "SAMPARK_OUTBOX_LEASE_S", 60, int)),
        aws_endpoint=endpoint,
        # API Gateway gives up after 29 s: a DynamoDB call must fail well before that.
        ddb_connect_timeout_s=int(_number(env, "SAMPARK_DDB_CONNECT_TIMEOUT_S", 2, int)),
        ddb_read_timeout_s=int(_number(env, "SAMPARK_DDB_READ_TIMEOUT_S", 5, int)),
        ddb_max_retries=int(_number(env, "SAMPARK_DDB_MAX_RETRIES", 3, int)),
        max_body_bytes=int(_number(env, "SAMPARK_MAX_BODY_BYTES", 65536, int)),
        activation_queue_url=_required(env, "SAMPARK_ACTIVATION_QUEUE_URL"),
        bulk_bucket=_required(env, "SAMPARK_BULK_BUCKET"),
        bulk_queue_url=_required(env, "SAMPARK_BULK_QUEUE_URL"),
        import_max_bytes=int(_number(env, "SAMPARK_IMPORT_MAX_BYTES", 20 * 1024 * 1024, int)),
        district_topic_arn=_required(env, "SAMPARK_DISTRICT_TOPIC_ARN"),
        state_topic_arn=_required(env, "SAMPARK_STATE_TOPIC_ARN"),
        central_topic_arn=_required(env, "SAMPARK_CENTRAL_TOPIC_ARN"),
        ops_topic_arn=_required(env, "SAMPARK_OPS_TOPIC_ARN"),
        profile_cache_s=_bounded_int(env, "SAMPARK_PROFILE_CACHE_S", 30, 0, MAX_PROFILE_CACHE_S),
    )
    if settings.aws_endpoint and not settings.is_local_endpoint:
        raise SettingsError("SAMPARK_AWS_ENDPOINT must point at 127.0.0.1 or localhost")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local runner change the environment)."""
    get_settings.cache_clear()


DEFAULT_ROSTER_SCHEDULE = "cron(30 6 ? * SAT *)"  # Saturday 12:00 IST: next week's roster


def roster_schedule(env: dict[str, str] | None = None) -> str:
    """When the roster job runs (SAMPARK_ROSTER_SCHEDULE, an EventBridge cron/rate expression).
    Chalice declares schedules when the app is imported, packaging included, before the other
    settings can be required; so this tuning knob is read on its own, with a default."""
    value = (os.environ if env is None else env).get("SAMPARK_ROSTER_SCHEDULE", "").strip()
    if not value:
        return DEFAULT_ROSTER_SCHEDULE
    if not (value.startswith(("cron(", "rate(")) and value.endswith(")")):
        raise SettingsError("SAMPARK_ROSTER_SCHEDULE must be a cron(...) or rate(...) expression")
    return value


DEFAULT_DIGEST_SCHEDULES = {
    "day": "cron(30 16 * * ? *)",  # 22:00 IST, after the evening shift: the day's digest, every audience
    # 14:35, 15:05, 20:35, 21:05 IST: after each shift end (morning 14:30, evening 21:00); a firing with
    # nothing new to send sends nothing (every digest is keyed on its period)
    "shift": "cron(5,35 9,15 * * ? *)",
}


DEFAULT_HANDOVER_SCHEDULE = "cron(0,30 9,15 ? * * *)"  # 14:30 and 21:00 IST are among these; the job picks


def handover_schedule(env: dict[str, str] | None = None) -> str:
    """When the shift handover job looks for a shift that just ended (SAMPARK_HANDOVER_SCHEDULE): a
    tuning knob read on its own at import, like roster_schedule. The default fires at the default
    shift ends (09:00 and 15:30 UTC) and half an hour either side; the job acts only just after an
    end in the configured windows, so a change of windows needs this cron to cover the new ends."""
    value = (os.environ if env is None else env).get("SAMPARK_HANDOVER_SCHEDULE", "").strip()
    if not value:
        return DEFAULT_HANDOVER_SCHEDULE
    if not (value.startswith(("cron(", "rate(")) and value.endswith(")")):
        raise SettingsError("SAMPARK_HANDOVER_SCHEDULE must be a cron(...) or rate(...) expression")
    return value


def digest_schedule(kind: str, env: dict[str, str] | None = None) -> str:
    """When the digest jobs run (SAMPARK_DIGEST_DAY_SCHEDULE / SAMPARK_DIGEST_SHIFT_SCHEDULE): tuning
    knobs read on their own at import, like roster_schedule."""
    name = f"SAMPARK_DIGEST_{kind.upper()}_SCHEDULE"
    value = (os.environ if env is None else env).get(name, "").strip()
    if not value:
        return DEFAULT_DIGEST_SCHEDULES[kind]
    if not (value.startswith(("cron(", "rate(")) and value.endswith(")")):
        raise SettingsError(f"{name} must be a cron(...) or rate(...) expression")
    return value
