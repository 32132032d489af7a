"""One synth per session, shared by every infra test (cached by content in build/infra/), and the two
linters started in the background as soon as the templates exist."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra import synth as synthesis
from infra.codemodel import ROOT

from . import policy_check

README = ROOT / "infra" / "README.md"
_SKIP_ROW = re.compile(r"^\|\s*`?(CKV2?_AWS_\d+)`?\s*\|([^|]*)\|(.*)\|\s*$")


def checkov_skips() -> dict[str, str]:
    """The checkov checks infra/README.md skips, each with its reason (the README is the only list)."""
    skips = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = _SKIP_ROW.match(line)
        if match:
            skips[match.group(1)] = match.group(3).strip()
    return skips


@dataclass
class Background:
    """A linter run, started early, cached beside the synth by its arguments."""

    name: str
    directory: Path
    command: list[str]
    proc: subprocess.Popen[str] | None = None

    @property
    def cache(self) -> Path:
        import hashlib

        return self.directory / f"{self.name}-{hashlib.sha256(' '.join(self.command).encode()).hexdigest()[:12]}.json"

    def start(self) -> Background:
        if not self.cache.exists():
            self.proc = subprocess.Popen(self.command, cwd=ROOT, env=synthesis.clean_env(), text=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return self

    def result(self) -> dict[str, Any]:
        if self.cache.exists():
            return dict(json.loads(self.cache.read_text(encoding="utf-8")))
        assert self.proc is not None
        stdout, stderr = self.proc.communicate(timeout=600)
        result = {"returncode": self.proc.returncode, "stdout": stdout, "stderr": stderr[-4000:]}
        self.cache.write_text(json.dumps(result), encoding="utf-8")
        return result


@dataclass
class Infra:
    synth: synthesis.Synth
    cfn_lint: Background
    checkov: Background

    @property
    def stages(self) -> list[str]:
        return self.synth.stages


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    result = synthesis.ensure()
    policy_check.OUT.mkdir(exist_ok=True)
    policy_check.SYNTH_NOTE.write_text(str(result.directory), encoding="utf-8")
    files = [str(result.template_path(s)) for s in result.stages] + [str(result.expanded_path(s))
                                                                      for s in result.stages]
    cfn_lint = Background("cfn-lint", result.directory,
                          [str(ROOT / ".venv" / "bin" / "cfn-lint"), "--format", "json", *files]).start()
    skips = ",".join(sorted(checkov_skips()))
    checkov_cmd = [str(synthesis.INFRA_VENV / "bin" / "checkov"), "--framework", "cloudformation", "--quiet",
                   "--compact", "--skip-download", "--output", "json", "--skip-check", skips]
    for stage in result.stages:
        checkov_cmd += ["-f", str(result.expanded_path(stage))]
    checkov = Background("checkov", result.directory, checkov_cmd).start()
    report = {"synth_directory": str(result.directory.relative_to(ROOT)),
              "synth_seconds": float((result.directory / "synth-seconds").read_text()), **result.report}
    (policy_check.OUT / "infra-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    yield Infra(result, cfn_lint, checkov)


@pytest.fixture(scope="session")
def templates(infra: Infra) -> dict[str, dict[str, Any]]:
    """The synthesised templates (SAM, before the transform), by stage."""
    return {stage: infra.synth.template(stage) for stage in infra.stages}


@pytest.fixture(scope="session")
def expanded(infra: Infra) -> dict[str, dict[str, Any]]:
    """The same templates after the SAM transform (what CloudFormation deploys)."""
    return {stage: infra.synth.expanded(stage) for stage in infra.stages}


@pytest.fixture(scope="session")
def chalice_app() -> Any:
    from app import app

    return app


@pytest.fixture(params=["dev", "prod"])
def stage(request: pytest.FixtureRequest) -> str:
    return str(request.param)
