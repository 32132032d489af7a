"""Who hears of a successful sign-in (issue 20: attendance counts a sign-in as activity). `accounts` signs
people in but sits below the features that keep those figures (reporting's counters, shifts' calling
settings), so the listener is handed in from above, as core/access.py's profiles are: the composition root
(app.py) registers it with `use_sign_in`, accounts calls `listeners()`. No AWS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

SignedIn = Callable[[str, datetime], None]
_LISTENERS: list[SignedIn] = []


def use_sign_in(listener: SignedIn) -> None:
    """The one listener told of each sign-in (username, the server's now); registering again replaces it."""
    _LISTENERS[:] = [listener]


def listeners() -> list[SignedIn]:
    return list(_LISTENERS)
