"""End-to-end tests run the local stack exactly as `make run` does, on free ports, with the server's
DynamoDB calls logged for the suite's Scan guard."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import SERVER_CALL_LOG

os.environ["SAMPARK_DDB_CALL_LOG"] = str(SERVER_CALL_LOG)


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
