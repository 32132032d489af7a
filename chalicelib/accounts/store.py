"""Sign-in attempt counters: one item per (username hash, window). The only module of this feature
that touches DynamoDB.

Reserving an attempt is one UpdateItem that adds to both counters under the condition that both are
below their limits, so the check and the count are one atomic write: racing sign-ins cannot pass
the limit together. `expires_at` is a TTL attribute: old windows expire on their own."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from ..core import db


@db.table("login_attempts")
class LoginAttemptModel(Model):
    class Meta:
        table_name = "login_attempts"

    key = UnicodeAttribute(hash_key=True)  # `<sha256(username)[:32]>#<window start, epoch s>`
    attempts = NumberAttribute(default=0)  # every attempt in the window, right or wrong
    failures = NumberAttribute(default=0)  # attempts not (yet) proven right: reserved, then given back
    expires_at = NumberAttribute()  # epoch seconds: DynamoDB's TTL


def reserve(key: str, expires_at: int, *, attempt_limit: int, failure_limit: int) -> bool:
    """Count one attempt and one provisional failure, if both are under their limits. False: refused."""
    condition = ((LoginAttemptModel.attempts.does_not_exist() | (LoginAttemptModel.attempts < attempt_limit))
                 & (LoginAttemptModel.failures.does_not_exist() | (LoginAttemptModel.failures < failure_limit)))
    try:
        LoginAttemptModel(key).update(
            actions=[LoginAttemptModel.attempts.add(1), LoginAttemptModel.failures.add(1),
                     LoginAttemptModel.expires_at.set(expires_at)],
            condition=condition,
        )
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def give_back(key: str) -> None:
    """The password was not refused: the provisional failure is taken back (the attempt stays)."""
    try:
        LoginAttemptModel(key).update(actions=[LoginAttemptModel.failures.add(-1)],
                                      condition=LoginAttemptModel.failures > 0)
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return  # the window's item expired meanwhile: nothing to give back
        raise db.translate(exc) from exc

