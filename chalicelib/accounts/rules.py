"""Sign-in throttling, the pure part: whose attempts count together, in which window, how many.

Attempts are counted in fixed windows of 15 minutes, on three counters:

- per (username, source address) — the person at their own desk: at most 5 refused passwords and 30
  attempts. This is the limit an ordinary mistyping meets, and the one a stranger meets first: it
  stops the stranger's address, not the office's.
- per username, from every address together: at most 50 refused passwords. This is what stops
  distributed guessing (a fresh address per 5 guesses). 50 is ten times the pair limit, so locking a
  username out this way needs ten addresses, each spending its own budget, every 15 minutes (and the
  WAF rule below limits each address too); guessing through it is held to 200 an hour per username.
- per source address, over every username: at most 300 attempts. That stops one address spraying a
  password over many usernames (60 usernames at 5 each), and still lets an office behind one NAT sign
  its whole shift in (35 seats, with retries and typos, is about 100).

A success never resets the failures: it only gives back its own reservation (see service.py).
An IPv6 source counts by its /64 (what one subscriber is given), so rotating addresses inside it
does not buy fresh budgets.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

WINDOW_S = 15 * 60
PAIR_FAILURE_LIMIT = 5  # refused passwords per (username, source) in a window
PAIR_ATTEMPT_LIMIT = 30  # attempts, right or wrong, per (username, source) in a window
USERNAME_FAILURE_LIMIT = 50  # refused passwords per username, all sources together
SOURCE_ATTEMPT_LIMIT = 300  # attempts per source, all usernames together
KEEP_S = 24 * 3600  # a counter outlives its window by a day (TTL), for anyone looking into an incident
UNKNOWN_SOURCE = "unknown"  # a request without a source address (all such requests count together)

# The user pool's password policy (Cognito's PasswordPolicy): infra/ deploys it, devtools/provision.py makes the
# local and mocked pools with it, and the temporary passwords of new logins (cognito.temporary_password) meet it.
POOL_POLICY = {"MinimumLength": 10, "RequireUppercase": False, "RequireLowercase": True,
               "RequireNumbers": True, "RequireSymbols": False}

# The WAF rule in front of /auth/login (infra/stack.py) counts every request per address over 5 minutes:
# a third of the per-source budget, so an address at the WAF limit stays within the app's.
WAF_LOGIN_LIMIT_PER_5_MIN = SOURCE_ATTEMPT_LIMIT // 3


def normalise(username: str) -> str:
    """`Agent01`, ` agent01 ` and the full-width `ａｇｅｎｔ01` count as one username."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def subject(username: str) -> str:
    """The counter's name for a username: a hash, so the table and the logs never hold it."""
    return _digest(normalise(username), 32)


def source(address: str | None) -> str:
    """The address attempts are counted by: IPv4 as it is, IPv6 by its /64, anything else `unknown`."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return UNKNOWN_SOURCE
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def source_subject(address: str | None) -> str:
    """The counters' name for a source: a hash, as for usernames (16 hex digits: it is also an
    attribute name on the username's item)."""
    return _digest(source(address), 16)


@dataclass(frozen=True)
class Window:
    start: int  # epoch seconds, a multiple of WINDOW_S
    end: int

    def key(self, username: str) -> str:
        """The username's item: its failures from all sources, and one pair of counters per source."""
        return f"{subject(username)}#{self.start}"

    def source_key(self, address: str | None) -> str:
        """The source's item: its attempts over all usernames."""
        return f"src#{source_subject(address)}#{self.start}"

    @property
    def expires_at(self) -> int:
        return self.end + KEEP_S

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window closes: the Retry-After of a refusal (at least 1)."""
        return max(1, math.ceil(self.end - now.timestamp()))


def window(now: datetime) -> Window:
    start = int(now.timestamp()) // WINDOW_S * WINDOW_S
    return Window(start, start + WINDOW_S)
