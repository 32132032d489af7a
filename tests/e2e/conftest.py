"""End-to-end tests run the local stack exactly as `make run` does, on free ports, with the server's
DynamoDB calls logged for the suite's Scan guard."""

from __future__ import annotations

import os

import pytest

from tests.conftest import SERVER_CALL_LOG

os.environ["SAMPARK_DDB_CALL_LOG"] = str(SERVER_CALL_LOG)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
