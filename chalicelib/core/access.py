"""The caller's standing, checked on every signed-in request, not only when the token was issued.

An id token carries the roles a person had when they signed in, and it stays valid until it expires.
A deactivated agent, or a supervisor made an agent, must lose their powers at once: so every
signed-in route also reads the caller's profile (active, role) and refuses a token the profile no
longer backs (401 `account_inactive` / `role_changed`; the client then ends the session).

Profiles belong to a feature (the call centre's agents and supervisors: chalicelib/shifts), so the
composition root hands the lookup in (`use_profiles`); core imports no feature. A profile is cached
per container for `Settings.profile_cache_s` seconds (at most 60; 0 reads it on every request): one
GetItem per user and container per period. A caller with no profile (an admin or a leader, whose
accounts live in the user pool alone) is governed by the pool: disabled and signed out there.

A hot route whose first read fetches the caller's profile item anyway (POST /next and POST /calls
read the agent's item with everything else in one BatchGetItem) is named with `checked_by_route`:
for it a cache miss does not read here; the route hands what it read to `settle_profile`, which
refuses exactly as `confirm` would, before the route writes anything. Its first read is then the
check: no extra call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from .auth import AGENT, SUPERVISOR, Principal
from .errors import Unauthorized
from .observability import current_route
from .settings import Settings, get_settings

CENTRE_ROLES = frozenset({AGENT, SUPERVISOR})  # the roles a profile decides
PROFILE_READ = "caller profile"  # the route label the profile's reads are counted under
_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Profile:
    role: str
    active: bool


ProfileSource = Callable[[str], "Profile | None"]


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Profile | None]] = {}
        self._settings: Settings | None = None

    def get(self, username: str, settings: Settings) -> tuple[bool, Profile | None]:
        with self._lock:
            if settings is not self._settings:  # another deployment (tests, the local runner): start over
                self._entries.clear()
                self._settings = settings
            entry = self._entries.get(username)
            if entry is None or entry[0] <= time.monotonic():
                return False, None
            return True, entry[1]

    def put(self, username: str, profile: Profile | None, ttl_s: float) -> None:
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                now = time.monotonic()
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= _MAX_ENTRIES:
                    self._entries.clear()
            self._entries[username] = (time.monotonic() + ttl_s, profile)

    def forget(self, username: str | None = None) -> None:
        with self._lock:
            if username is None:
                self._entries.clear()
            else:
                self._entries.pop(username, None)


_CACHE = _Cache()
_source: ProfileSource | None = None
_DEFERRED: set[str] = set()  # route keys ("POST /calls") that settle the profile from their own first read
_pending: ContextVar[Principal | None] = ContextVar("profile_pending", default=None)


def checked_by_route(*routes: str) -> None:
    """These routes read the caller's profile item with their own first read and call `settle_profile`
    before they write anything (their tests hold them to it)."""
    _DEFERRED.update(routes)


def use_profiles(source: ProfileSource | None) -> None:
    """Where profiles come from (the composition root wires the call centre's agents)."""
    global _source
    _source = source
    _CACHE.forget()


def forget(username: str | None = None) -> None:
    """Drop a cached profile (this container changed it) or all of them."""
    _CACHE.forget(username)


def profile_of(username: str) -> Profile | None:
    if _source is None:
        return None
    settings = get_settings()
    ttl = settings.profile_cache_s
    if ttl > 0:
        hit, profile = _CACHE.get(username, settings)
        if hit:
            return profile
    token = current_route.set(PROFILE_READ)  # counted on its own line, not as the route's own reads
    try:
        profile = _source(username)
    finally:
        current_route.reset(token)
    if ttl > 0:
        _CACHE.put(username, profile, ttl)
    return profile


def confirm(principal: Principal) -> None:
    """Refuse a token its holder's profile no longer backs: deactivated, or another role now. On a
    route named by `checked_by_route`, a profile not in the cache is left to `settle_profile`."""
    _pending.set(None)
    if _source is not None and current_route.get() in _DEFERRED:
        settings = get_settings()
        hit, cached = _CACHE.get(principal.username, settings) if settings.profile_cache_s > 0 else (False, None)
        if not hit:
            _pending.set(principal)
            return
        _check(principal, cached)
        return
    _check(principal, profile_of(principal.username))


def settle_profile(username: str, profile: Profile | None) -> None:
    """The deferred check (`checked_by_route`) with the profile the route read: refuses as `confirm`
    does. Nothing to do when the check already ran (a cached profile) or the caller has none pending."""
    principal = _pending.get()
    if principal is None or principal.username != username:
        return
    _pending.set(None)
    settings = get_settings()
    if settings.profile_cache_s > 0:
        _CACHE.put(username, profile, settings.profile_cache_s)
    _check(principal, profile)


def pending() -> bool:
    """A deferred profile check has not been settled in this request (a route's tests assert False)."""
    return _pending.get() is not None


def _check(principal: Principal, profile: Profile | None) -> None:
    if profile is None:
        return
    if not profile.active:
        raise Unauthorized("this account has been deactivated", code="account_inactive")
    if principal.roles & CENTRE_ROLES != {profile.role}:
        raise Unauthorized("your role has changed: sign in again", code="role_changed")
