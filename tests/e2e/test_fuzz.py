"""schemathesis against docs/openapi.yaml, over HTTP: `chalice local` + the moto server (devtools/fuzz.py),
with real tokens. A short run here (an admin and an agent, the fuzzing phase, 8 examples per
operation) keeps `make test` quick; `make fuzz` runs every role, every phase, 100 examples each."""

from __future__ import annotations

import pytest

from devtools import fuzz


@pytest.mark.e2e
def test_schemathesis_finds_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    status = fuzz.main(["--examples", "8", "--workers", "2", "--roles", "admin,agent01", "--phases", "fuzzing"])
    out = capsys.readouterr().out
    assert status == 0, out[-15000:]
