"""Who hears of a successful sign-in (issue 20: attendance counts a sign-in as activity). Accounts sits
below the features that keep those figures (reporting's counters, shifts' calling settings), so they are
handed in from above: the composition root (app.py) registers the listener with `use_sign_in`. No AWS."""

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
