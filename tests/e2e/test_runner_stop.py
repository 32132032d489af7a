"""Stopping `make run` while it seeds stops everything: a SIGTERM to its process group (twice: the
second arrives during the clean-up), or a SIGKILL to the runner alone, which leaves no clean-up at all
and only the servers' own parent-death watch. tests/e2e/test_make_run.py stops a serving stack the
same two ways (Ctrl-C and SIGTERM while an import is pumped; SIGKILL), so no stack is seeded here to
the end: both runners start together and are stopped a second into seeding."""

from __future__ import annotations

import signal
import time

import pytest

from tests.e2e.test_make_run import Runner

pytestmark = pytest.mark.e2e


def test_stopping_the_runner_while_it_seeds_leaves_no_server_and_frees_the_ports() -> None:
    group, alone = Runner(), Runner()
    try:
        for runner in (group, alone):
            runner.wait_for("seeding the demo district", seconds=120)
        time.sleep(1)  # batch writes in flight
        assert "Sampark is running" not in group.output() + alone.output()
        assert group.servers() and alone.servers()  # moto, at least

        group.signal_group(signal.SIGTERM)
        time.sleep(0.2)
        group.signal_group(signal.SIGTERM)  # a second signal while it cleans up
        alone.proc.kill()

        assert group.proc.wait(timeout=60) == 0, group.output()
        assert "stopping" in group.output()
        alone.proc.wait(timeout=10)
        group.assert_all_gone()
        alone.assert_all_gone()
    finally:
        group.kill()
        alone.kill()
