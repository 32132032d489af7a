"""Signing in with a password, throttled per (username, source address), per username and per source
(rules.py says how much).

Every attempt first counts against its source address (store.count_source_attempt), then reserves a
place in the username's window (store.reserve: one attempt and one provisional failure, for the
username and for the pair), refused at any limit with 429 `too_many_attempts` and the seconds to wait.
Only then is the password checked. A password Cognito refuses keeps its failure; any other outcome
(tokens, a new-password challenge, Cognito unavailable) gives the failure back but keeps the attempt.
Counting the failure before the check is what holds the limits under concurrency: N racing guesses at
one username from one address reserve N failures, and the 6th reservation is refused whatever the
others' outcomes. Three DynamoDB writes per attempt that reaches Cognito and is not refused, two when
it is refused, one when the source is over its limit.

Because the pair is what a refused password uses up, a stranger's wrong passwords for `admin` stop
the stranger's address, not `admin` signing in from the office; only the username ceiling (ten times
the pair limit, from all addresses together) stops everyone, and that is what holds off guessing from
many addresses. The username and the address are never logged: the counters are keyed on hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..core import clock, errors
from ..core.observability import count, logger
from . import activity, cognito, rules, store

TOO_MANY = ("too many sign-in attempts for this username: wait {minutes} minutes and try again "
            "(इस यूज़रनेम से बहुत बार कोशिश हुई: {minutes} मिनट बाद फिर कोशिश करें)")
TOO_MANY_FROM_HERE = ("too many sign-in attempts from this network: wait {minutes} minutes and try again "
                      "(इस नेटवर्क से बहुत बार साइन-इन की कोशिश हुई: {minutes} मिनट बाद फिर कोशिश करें)")


def _refuse(message: str, window: rules.Window, now: datetime, **log: str) -> errors.TooManyRequests:
    wait = window.retry_after(now)
    logger.warning("sign-in throttled", extra={**log, "retry_after_s": wait})
    count("LoginThrottled")
    return errors.TooManyRequests(message.format(minutes=max(1, -(-wait // 60))), code="too_many_attempts",
                                  details={"retry_after_s": wait})


def password_login(username: str, password: str, source_address: str | None) -> dict[str, Any]:
    """`source_address` is the caller's IP address as API Gateway saw it (None: unknown)."""
    now = clock.now_utc()
    window = rules.window(now)
    source = rules.source_subject(source_address)
    if not store.count_source_attempt(window.source_key(source_address), window.expires_at,
                                      limit=rules.SOURCE_ATTEMPT_LIMIT):
        raise _refuse(TOO_MANY_FROM_HERE, window, now, source=source, limit="source")
    key = window.key(username)
    if not store.reserve(key, source, window.expires_at, pair_attempt_limit=rules.PAIR_ATTEMPT_LIMIT,
                         pair_failure_limit=rules.PAIR_FAILURE_LIMIT, failure_limit=rules.USERNAME_FAILURE_LIMIT):
        raise _refuse(TOO_MANY, window, now, subject=rules.subject(username), source=source, limit="username or pair")
    try:
        tokens = cognito.password_login(username, password)
    except errors.Unauthorized:
        count("LoginRefused")
        raise  # the reserved failure stands
    except errors.AppError:
        store.give_back(key, source)  # a challenge (right password), Cognito busy or down: not a wrong password
        raise
    store.give_back(key, source)
    _signed_in(username, now)
    return tokens


def _signed_in(username: str, now: datetime) -> None:
    """Tell the sign-in's listener (attendance: the day's first and last activity). Its failure never
    fails the sign-in: the tokens are issued already; it is logged and counted."""
    for listener in activity.listeners():
        try:
            listener(username, now)
        except Exception:  # a figure not kept must not refuse a correct password
            logger.exception("sign-in activity not recorded")
            count("SignInActivityNotRecorded")


def refresh(refresh_token: str) -> dict[str, Any]:
    """New id and access tokens for a refresh token (not throttled: a refresh token is not guessable)."""
    return cognito.refresh(refresh_token)


def complete_new_password(username: str, session: str, new_password: str) -> dict[str, Any]:
    """The first sign-in with a temporary password: the new password replaces it; returns the tokens."""
    tokens = cognito.complete_new_password(username, session, new_password)
    _signed_in(username, clock.now_utc())
    return tokens
