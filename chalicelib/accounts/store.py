"""Sign-in attempt counters. The only module of this feature that touches DynamoDB.

Two kinds of item, one per window, in one table (rules.py has the limits):
- a username's item (`<sha256(username)[:32]>#<window start>`): its attempts and refused passwords
  from every source, and for each source that tried it two attributes, `pa_<source hash>` (attempts)
  and `pf_<source hash>` (refused passwords) — the (username, source) pair's counters;
- a source's item (`src#<sha256(source)[:16]>#<window start>`): its attempts over every username.

Each is reserved with one conditional UpdateItem that adds to the counters under the condition that
they are below their limits, so the check and the count are one atomic write: racing sign-ins cannot
pass a limit together. Keeping the pair's counters on the username's item is what lets the pair
limit and the username ceiling be checked in that one write. `expires_at` is a TTL attribute: old
windows expire on their own. An item gathers at most two attributes per source that got past the
source's own limit, so it stays far below DynamoDB's 400 KB."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from ..core import db


@db.table("login_attempts")
class LoginAttemptModel(Model):
    class Meta:
        table_name = "login_attempts"

    key = UnicodeAttribute(hash_key=True)  # `<username hash>#<window start>` or `src#<source hash>#<window start>`
    attempts = NumberAttribute(default=0)  # every attempt in the window, right or wrong
    failures = NumberAttribute(default=0)  # username items: attempts not (yet) proven right, all sources
    expires_at = NumberAttribute()  # epoch seconds: DynamoDB's TTL
    # and on username items, per source: pa_<source hash> (attempts), pf_<source hash> (failures)


def _pair(source: str) -> tuple[NumberAttribute, NumberAttribute]:
    """The (username, source) pair's counters: attributes named after the source's hash."""
    return NumberAttribute(attr_name=f"pa_{source}"), NumberAttribute(attr_name=f"pf_{source}")


def _under(attribute: NumberAttribute, limit: int) -> Condition:
    condition: Condition = attribute.does_not_exist() | (attribute < limit)
    return condition


def count_source_attempt(key: str, expires_at: int, *, limit: int) -> bool:
    """Count one attempt from a source, if it is under its limit. False: refused."""
    try:
        LoginAttemptModel(key).update(
            actions=[LoginAttemptModel.attempts.add(1), LoginAttemptModel.expires_at.set(expires_at)],
            condition=_under(LoginAttemptModel.attempts, limit),
        )
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def reserve(key: str, source: str, expires_at: int, *, pair_attempt_limit: int, pair_failure_limit: int,
            failure_limit: int) -> bool:
    """Count one attempt and one provisional failure for the username and for its (username, source)
    pair, if the pair is under both its limits and the username under its failure ceiling.
    False: refused."""
    pair_attempts, pair_failures = _pair(source)
    condition = (_under(pair_attempts, pair_attempt_limit) & _under(pair_failures, pair_failure_limit)
                 & _under(LoginAttemptModel.failures, failure_limit))
    try:
        LoginAttemptModel(key).update(
            actions=[LoginAttemptModel.attempts.add(1), LoginAttemptModel.failures.add(1),
                     pair_attempts.add(1), pair_failures.add(1), LoginAttemptModel.expires_at.set(expires_at)],
            condition=condition,
        )
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return False
        raise db.translate(exc) from exc
    return True


def give_back(key: str, source: str) -> None:
    """The password was not refused: the provisional failure is taken back from the username and the
    pair (the attempts stay)."""
    _, pair_failures = _pair(source)
    try:
        LoginAttemptModel(key).update(actions=[LoginAttemptModel.failures.add(-1), pair_failures.add(-1)],
                                      condition=(LoginAttemptModel.failures > 0) & (pair_failures > 0))
    except UpdateError as exc:
        if db.is_condition_failure(exc):
            return  # the window's item expired meanwhile: nothing to give back
        raise db.translate(exc) from exc
