"""Synthesise once per content: `ensure()` runs `python -m infra.main` in a clean subprocess (no AWS
credentials, no SAMPARK_ variables from the caller) into build/infra/<fingerprint>/, then expands the
SAM transform offline with the checkers' venv. The fingerprint covers everything the templates depend
on, so an unchanged tree reuses the last synth and a changed one never does.

`make synth` and the infra tests both go through here; the tests' cfn-lint and checkov results are
cached beside the templates.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "infra"
INFRA_VENV = ROOT / ".venv-infra"
INPUTS = ("app.py", "requirements.txt", ".chalice/config.json", "chalicelib", "infra", "devtools/provision.py")
SKIP_PARTS = {"__pycache__", "cdk.out", "README.md"}
KEEP = 3


@dataclass(frozen=True)
class Synth:
    directory: Path

    @property
    def cdk_out(self) -> Path:
        return self.directory / "cdk.out"

    @property
    def report(self) -> dict[str, Any]:
        return dict(json.loads((self.cdk_out / "sampark-report.json").read_text(encoding="utf-8")))

    @property
    def stages(self) -> list[str]:
        return sorted(self.report["stages"])

    def template_path(self, stage: str) -> Path:
        return self.cdk_out / str(self.report["stages"][stage]["template"])

    def expanded_path(self, stage: str) -> Path:
        return self.directory / f"{stage}.expanded.json"

    def template(self, stage: str) -> dict[str, Any]:
        return dict(json.loads(self.template_path(stage).read_text(encoding="utf-8")))

    def expanded(self, stage: str) -> dict[str, Any]:
        return dict(json.loads(self.expanded_path(stage).read_text(encoding="utf-8")))


def _files() -> list[Path]:
    found = []
    for entry in INPUTS:
        path = ROOT / entry
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        found += [p for p in candidates if not SKIP_PARTS & set(p.relative_to(ROOT).parts) and p.suffix != ".pyc"]
    return found


def fingerprint() -> str:
    digest = hashlib.sha256()
    for dist in ("chalice", "aws-cdk-lib", "constructs", "pynamodb"):
        digest.update(f"{dist}=={metadata.version(dist)}\n".encode())
    for path in _files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(BUILD / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clean_env() -> dict[str, str]:
    """The environment of a synth: no credentials, no profile, no metadata service, no app settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "SAMPARK_", "POWERTOOLS_", "CDK_", "PYTEST"))}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true",
               AWS_DEFAULT_REGION="ap-south-1", CDK_DISABLE_CLI_TELEMETRY="true", PYTHONDONTWRITEBYTECODE="1")
    return env


def infra_python() -> Path:
    python = INFRA_VENV / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} is missing: run `make {INFRA_VENV.name}/.installed` (make test does)")
    return python


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, cwd=ROOT, env=clean_env(),  # noqa: S603 - our own fixed argv, no shell
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")


def ensure(expand: bool = True) -> Synth:
    fp = fingerprint()
    synth = Synth(BUILD / fp)
    with _lock():
        if not (synth.directory / "done").exists():
            shutil.rmtree(synth.directory, ignore_errors=True)
            synth.directory.mkdir(parents=True)
            started = time.perf_counter()
            _run([sys.executable, "-m", "infra.main", "--outdir", str(synth.cdk_out)], "synth")
            elapsed = round(time.perf_counter() - started, 1)
            (synth.directory / "synth-seconds").write_text(str(elapsed), encoding="utf-8")
            (synth.directory / "done").write_text(fp, encoding="utf-8")
            _prune()
        if expand and not all(synth.expanded_path(s).exists() for s in synth.stages):
            for stage in synth.stages:
                _run([str(infra_python()), str(ROOT / "infra" / "sam_expand.py"), str(synth.template_path(stage)),
                      str(synth.expanded_path(stage))], f"SAM transform of {stage}")
    return synth


def _prune() -> None:
    """Keep the last few synths; never one younger than an hour (another test run may be reading it)."""
    done = sorted((p for p in BUILD.iterdir() if (p / "done").exists()), key=lambda p: p.stat().st_mtime)
    for old in done[:-KEEP]:
        if time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)


def cached(directory: Path, name: str, key: str, compute: Any) -> Any:
    """A result stored beside a synth, keyed by what produced it (e.g. a lint's arguments)."""
    path = directory / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.json"
    with _lock():
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    value = compute()
    with _lock():
        path.write_text(json.dumps(value, indent=1), encoding="utf-8")
    return value


if __name__ == "__main__":  # `make synth`
    result = ensure()
    for stage, info in result.report["stages"].items():
        package = info["package"]
        print(f"{stage}: {result.template_path(stage).relative_to(ROOT)} (SAM) and "
              f"{result.expanded_path(stage).relative_to(ROOT)} (expanded); package "
              f"{package['zip_bytes'] / 1e6:.2f} MB zipped / {package['unzipped_bytes'] / 1e6:.1f} MB unzipped")
    print(f"synthesised in {(result.directory / 'synth-seconds').read_text()} s (cached by content)")
