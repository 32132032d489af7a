"""The Lambda deployment package: what `chalice package` builds, minus what the runtime already has.

Chalice installs the full dependency closure of requirements.txt. boto3 is kept out of requirements.txt,
but pynamodb and aws-xray-sdk depend on botocore, so pip brings botocore (about 16 MB zipped) anyway.
The python3.11 Lambda runtime ships boto3, botocore and s3transfer, and what they need (jmespath,
python-dateutil, urllib3, six), so they are removed from the zip here (requests uses the runtime's
urllib3, within its supported range). phonenumbers' geocoding, carrier and time-zone data (2 MB zipped)
are removed too: the app only parses, validates and formats numbers, which is exactly what the
`phonenumberslite` distribution keeps; tests/infra/test_package.py fails if chalicelib ever imports the
modules that need that data, and imports the packaged app from the unzipped package.

Bytecode: Lambda unpacks the zip into a read-only /var/task, so Python can neither find nor write a .pyc
there, and every cold start compiles each imported module from source (the app and its dependencies:
about twice the import time). The package therefore carries `__pycache__/*.cpython-311.pyc` for every
module the functions import — found by importing the unzipped package as the runtime would (`app`, every
chalicelib module, and WARM_IMPORTS, the third-party modules chalicelib imports inside functions, which
tests/infra/test_package.py keeps complete) — compiled by the Python 3.11 that runs the synth (the
runtime's minor version: same bytecode magic) with unchecked-hash invalidation, so the runtime uses them
as they are (zip entries carry no reliable mtimes). Tracebacks still name /var/task/<file>, and the
sources stay beside them. Compiling every module instead (Powertools' unused utilities, for a start)
would add 4 MB zipped for nothing.
"""

from __future__ import annotations

import json
import os
import py_compile
import shutil
import subprocess  # nosec B404 - our own interpreter importing the package being built, fixed argv
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

# The python3.11 runtime's own boto3 and what it needs (AWS Lambda's "included libraries"): imported from
# /var/runtime once the package (first on sys.path) does not carry them.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3", "six")
# Parts of dependencies no function uses: phonenumbers' geocoding/carrier/time-zone data, Powertools'
# event handler (Chalice routes the events; 0.56 MB zipped with its Swagger UI) and its parser (needs
# pydantic, which is not installed). tests/infra/test_package.py fails if chalicelib imports one of them.
UNUSED_DATA = ("phonenumbers/geodata/", "phonenumbers/carrierdata/", "phonenumbers/tzdata/",
               "aws_lambda_powertools/event_handler/", "aws_lambda_powertools/utilities/parser/")
NEEDS_UNUSED_DATA = ("phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone",
                     "aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.parser")
TARGET_BYTES = 10 * 1000 * 1000  # the target: 10 MB zipped
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024  # AWS's hard limits for a direct upload
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
RUNTIME_PYTHON = (3, 11)  # the functions' runtime, python3.11 (.chalice/config.json)
TASK_ROOT = "/var/task"  # where Lambda unpacks the package
# Third-party modules chalicelib imports inside functions (first use), and what their first use loads:
# phonenumbers reads a region's metadata module at the first parse, PyJWT its RSA algorithms.
WARM_IMPORTS = ("phonenumbers", "jwt", "jwt.algorithms", "requests", "jinja2", "jinja2.sandbox")
WARM_CODE = "import phonenumbers; phonenumbers.parse('098765 43210', 'IN')"


def _top(name: str) -> str:
    return name.split("/", 1)[0]


def _provided(name: str) -> bool:
    top = _top(name)
    return any(top in (pkg, f"{pkg}.py") or (top.startswith(f"{pkg}-") and top.endswith((".dist-info", ".data")))
               for pkg in RUNTIME_PROVIDED)


def _stale_bytecode(name: str) -> bool:
    """Chalice copies chalicelib as it is on disk, __pycache__ of the developer's Python included."""
    return name.endswith(".pyc") or "__pycache__/" in name


def _dropped(name: str) -> bool:
    return _provided(name) or name.startswith(UNUSED_DATA) or _stale_bytecode(name)


def slim(zip_path: Path) -> dict[str, Any]:
    """Rewrite the zip without the runtime-provided packages and unused data; return its size report."""
    removed = dropped = 0
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=zip_path.parent)
    os.close(fd)
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if _dropped(info.filename):
                if _provided(info.filename):
                    removed += info.compress_size
                else:
                    dropped += info.compress_size
                continue
            with src.open(info) as data:
                dst.writestr(info, data.read(), compress_type=zipfile.ZIP_DEFLATED)
    shutil.move(tmp, zip_path)
    compiled = _add_bytecode(zip_path)
    report = measure(zip_path)
    report["bytecode_modules"] = compiled
    report["removed_runtime_provided_bytes"] = removed
    report["removed_unused_data_bytes"] = dropped
    return report


def imported_modules(package_dir: Path) -> list[str]:
    """The package's files (relative paths) that the functions import: `app`, every chalicelib module and
    WARM_IMPORTS, imported from the unzipped package with the runtime-provided boto3 & co. after it."""
    script = "\n".join([
        "import importlib, json, pkgutil, sys",
        f"root = {str(package_dir)!r}",
        "sys.path.insert(0, root)",
        "import app, chalicelib",
        "for m in pkgutil.walk_packages(chalicelib.__path__, 'chalicelib.'): importlib.import_module(m.name)",
        f"for name in {WARM_IMPORTS!r}: importlib.import_module(name)",
        WARM_CODE,
        "files = {getattr(m, '__file__', None) or '' for m in list(sys.modules.values())}",
        "print(json.dumps(sorted(f[len(root) + 1:] for f in files if f.startswith(root + '/') and f.endswith('.py'))))",
    ])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_DEFAULT_REGION": "ap-south-1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", script], cwd=package_dir, env=env,  # noqa: S603 # nosec B603
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"importing the package failed:\n{result.stderr[-4000:]}")
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def _add_bytecode(zip_path: Path) -> int:
    """Add a .pyc beside each module the functions import; return how many."""
    with tempfile.TemporaryDirectory() as unpacked, tempfile.TemporaryDirectory() as work:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(unpacked)
            dates = {info.filename: info.date_time for info in archive.infolist()}
        modules = imported_modules(Path(unpacked))
        with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as archive:
            for name in modules:
                compiled = _bytecode(name, (Path(unpacked) / name).read_bytes(), Path(work))
                entry = zipfile.ZipInfo(_pyc_name(name), date_time=dates[name])
                entry.external_attr = 0o644 << 16  # Lambda reads the package as another user
                archive.writestr(entry, compiled, compress_type=zipfile.ZIP_DEFLATED)
    return len(modules)


def _pyc_name(py_name: str) -> str:
    folder, _, module = py_name.rpartition("/")
    stem = module[: -len(".py")]
    tag = f"cpython-{RUNTIME_PYTHON[0]}{RUNTIME_PYTHON[1]}"
    return f"{folder}/__pycache__/{stem}.{tag}.pyc" if folder else f"__pycache__/{stem}.{tag}.pyc"


def _bytecode(py_name: str, source: bytes, work: Path) -> bytes:
    """The .pyc the runtime would write for this module if it could."""
    if sys.version_info[:2] != RUNTIME_PYTHON:
        raise RuntimeError(f"bytecode for the python{RUNTIME_PYTHON[0]}.{RUNTIME_PYTHON[1]} runtime must be "
                           f"compiled by that Python, not {sys.version.split()[0]}")
    src, out = work / "module.py", work / "module.pyc"
    src.write_bytes(source)
    py_compile.compile(str(src), cfile=str(out), dfile=f"{TASK_ROOT}/{py_name}", doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return out.read_bytes()


def measure(zip_path: Path) -> dict[str, Any]:
    zipped, unzipped = Counter[str](), Counter[str]()
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            zipped[_top(info.filename)] += info.compress_size
            unzipped[_top(info.filename)] += info.file_size
    return {
        "zip_bytes": zip_path.stat().st_size,
        "unzipped_bytes": sum(unzipped.values()),
        "largest": [{"name": name, "zipped_bytes": size, "unzipped_bytes": unzipped[name]}
                    for name, size in zipped.most_common(12)],
        "runtime_provided_present": sorted({_top(n) for n in zipped if _provided(n)}),
    }
