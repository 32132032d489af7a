"""The Lambda deployment package: measured (test-output/infra-report.json), under the 10 MB target,
without what the runtime provides, and importable as Lambda would import it."""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from infra import package
from infra.codemodel import ROOT

from .conftest import Infra


@pytest.fixture(scope="module")
def zips(infra: Infra) -> dict[str, Path]:
    """The deployment zip each stage's functions use (the CDK asset the template points at)."""
    found = {}
    for stage in infra.stages:
        template = infra.synth.template(stage)
        key = next(iter(f["Properties"]["CodeUri"]["Key"] for f in template["Resources"].values()
                        if f["Type"] == "AWS::Serverless::Function"))
        found[stage] = infra.synth.cdk_out / f"asset.{key}"
    return found


def test_package_size_is_measured_and_under_target(infra: Infra, zips: dict[str, Path]) -> None:
    for stage, path in zips.items():
        report = infra.synth.report["stages"][stage]["package"]
        assert report["zip_bytes"] == path.stat().st_size
        assert report["zip_bytes"] <= package.TARGET_BYTES, f"{stage}: {report['zip_bytes'] / 1e6:.2f} MB zipped"
        assert report["unzipped_bytes"] < package.LAMBDA_UNZIPPED_LIMIT
        assert report["runtime_provided_present"] == []


def test_runtime_provided_packages_are_not_in_the_zip(zips: dict[str, Path]) -> None:
    names = zipfile.ZipFile(zips["dev"]).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert not tops & set(package.RUNTIME_PROVIDED)
    assert "app.py" in tops and "chalicelib" in tops


def test_boto3_stays_out_of_the_lambda_requirements() -> None:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {line.split("==")[0].split("[")[0].strip().lower() for line in lines if line and not line.startswith("#")}
    assert not names & {"boto3", "botocore", "s3transfer"}


def test_the_code_never_needs_the_phone_data_left_out() -> None:
    for path in (ROOT / "chalicelib").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            bad = [n for n in names if n.startswith(package.NEEDS_UNUSED_DATA)]
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}: drop it from infra/package.py UNUSED_DATA"


def test_the_packaged_app_imports_as_in_lambda(zips: dict[str, Path]) -> None:
    """Unzipped, with only what the python3.11 runtime adds (boto3 and its dependencies): app.py imports,
    every handler is there, and phone numbers still parse."""
    runtime = [Path(str(m.__file__)) for m in _runtime_modules()]
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(zips["dev"]).extractall(tmp)
        provided = Path(tmp) / "_runtime"
        provided.mkdir()
        for path in runtime:
            target = path.parent if path.name == "__init__.py" else path
            (provided / target.name).symlink_to(target)
        script = "\n".join([
            f"import sys; sys.path[:0] = [{tmp!r}, {str(provided)!r}]",
            "import app, phonenumbers",
            "assert app.app.routes and app.app.handler_map",
            "n = phonenumbers.parse('098765 43210', 'IN')",
            "assert phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) == '+919876543210'",
            "import chalicelib, os",
            f"assert os.path.dirname(chalicelib.__file__).startswith({tmp!r}), chalicelib.__file__",
            "print('ok')",
        ])
        result = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp, capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "ap-south-1"}, check=False)
        assert result.stdout.strip() == "ok", result.stderr[-3000:]


def _runtime_modules() -> list[object]:
    """What the python3.11 Lambda runtime has on its path besides the package: boto3 and what it needs (AWS
    Lambda's included libraries for python3.11: boto3, botocore, jmespath, python-dateutil, s3transfer, six,
    urllib3)."""
    import boto3
    import botocore
    import dateutil
    import jmespath
    import s3transfer
    import six
    import urllib3

    return [boto3, botocore, s3transfer, jmespath, dateutil, six, urllib3]


def test_the_package_ships_bytecode_the_runtime_uses_as_is(zips: dict[str, Path]) -> None:
    """Every module the functions import has its .pyc beside it, for python3.11, unchecked-hash (so the
    read-only /var/task is never compiled into at a cold start), matching the source shipped; no stale
    bytecode from the developer's tree and no entry twice."""
    import importlib.util

    with zipfile.ZipFile(zips["dev"]) as archive:
        names = [i.filename for i in archive.infolist()]
        assert len(names) == len(set(names)), "an entry is in the zip twice"
        pycs = {n for n in names if n.endswith(".pyc")}
        sources = [n for n in names if n.endswith(".py") and (n == "app.py" or n.startswith("chalicelib/"))]
        assert sources and all(package._pyc_name(n) in pycs for n in sources), \
            sorted(n for n in sources if package._pyc_name(n) not in pycs)
        for name in [*sources, "pynamodb/models.py", "aws_lambda_powertools/logging/logger.py", "jwt/api_jwt.py"]:
            pyc = archive.read(package._pyc_name(name))
            assert pyc[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(pyc[4:8], "little") == 0b01, f"{name}: not unchecked-hash bytecode"
            assert pyc[8:16] == importlib.util.source_hash(archive.read(name)), f"{name}: stale bytecode"
        assert all("/__pycache__/" in p or p.startswith("__pycache__/") for p in pycs)
