"""Signing in with a password, throttled per username (rules.py says how much).

Every attempt first reserves a place in its window (store.reserve: one attempt and one provisional
failure, refused at the limits with 429 `too_many_attempts` and the seconds to wait). Only then is
the password checked. A password Cognito refuses keeps its failure; any other outcome (tokens, a
new-password challenge, Cognito unavailable) gives the failure back but keeps the attempt. Counting
the failure before the check is what holds the limit under concurrency: N racing guesses at one
username reserve N failures, and the 6th reservation is refused whatever the others' outcomes.
The username itself is never logged: the counters are keyed on its hash.
"""

from __future__ import annotations

from typing import Any

from ..core import clock, errors
from ..core.observability import count, logger
from . import cognito, rules, store

TOO_MANY = ("too many sign-in attempts for this username: wait {minutes} minutes and try again "
            "(इस यूज़रनेम से बहुत बार कोशिश हुई: {minutes} मिनट बाद फिर कोशिश करें)")


def password_login(username: str, password: str) -> dict[str, Any]:
    now = clock.now_utc()
    window = rules.window(now)
    key = window.key(username)
    if not store.reserve(key, window.expires_at, attempt_limit=rules.ATTEMPT_LIMIT,
                         failure_limit=rules.FAILURE_LIMIT):
        wait = window.retry_after(now)
        logger.warning("sign-in throttled", extra={"subject": rules.subject(username), "retry_after_s": wait})
        count("LoginThrottled")
        raise errors.TooManyRequests(TOO_MANY.format(minutes=max(1, -(-wait // 60))), code="too_many_attempts",
                                     details={"retry_after_s": wait})
    try:
        tokens = cognito.password_login(username, password)
    except errors.Unauthorized:
        count("LoginRefused")
        raise  # the reserved failure stands
    except errors.AppError:
        store.give_back(key)  # a challenge (right password), Cognito busy or down: not a wrong password
        raise
    store.give_back(key)
    return tokens
