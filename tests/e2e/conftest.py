"""End-to-end tests run the local stack exactly as `make run` does, on free ports, with the server's
DynamoDB calls logged for the suite's Scan guard. Under `make test` each e2e file is a pytest-xdist group
of its own (tests/conftest.py), so two stacks may run at once, one per worker: each on its own free ports,
logging to its worker's call log, and the browser tools installed once for both (below)."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SERVER_CALL_LOG

# the local stack's API server logs its AWS calls there, through tests/support/scan_guard/sitecustomize.py
os.environ["SAMPARK_DDB_CALL_LOG"] = str(SERVER_CALL_LOG)
os.environ["SAMPARK_SERVER_SITE"] = str(Path(__file__).resolve().parents[1] / "support" / "scan_guard")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True, scope="module")
def _environment_restored() -> Iterator[None]:
    """A local stack points this process's environment (and so the settings, clients and models) at its
    moto server. Put them back after each e2e file, stack stopped: under pytest-xdist the api tests run
    later in the same worker and must see their own mock account, not a stopped server."""
    from chalicelib.core import db
    from chalicelib.core.clients import reset_clients
    from chalicelib.core.settings import reset_settings

    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()
    reset_clients()
    db._bound = False  # the next test (or request) binds the models to its own settings


@pytest.fixture(autouse=True, scope="session")
def _browser_tools_installed_once() -> None:
    """Where browser tests were collected, Debian's chromium and axe-core are installed (apt, npm: see
    web_helpers) under a lock before the first e2e test: two workers starting browser files at once
    must not run two installs into the same place; the second finds them there."""
    if "tests.e2e.web_helpers" not in sys.modules:
        return
    from tests.e2e import web_helpers

    web_helpers.OUT.mkdir(exist_ok=True)
    with open(web_helpers.OUT / ".browser-tools.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            web_helpers.ensure_chromium()
            web_helpers.ensure_axe()
        except pytest.fail.Exception:
            pass  # the browser files fail on it themselves (their fixtures ask again); the others run
