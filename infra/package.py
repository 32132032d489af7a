"""The Lambda deployment package: what `chalice package` builds, minus what the runtime already has.

Chalice installs the full dependency closure of requirements.txt. boto3 is kept out of requirements.txt,
but pynamodb and aws-xray-sdk depend on botocore, so pip brings botocore (about 16 MB zipped) anyway.
The python3.11 Lambda runtime ships boto3, botocore and s3transfer, so they are removed from the zip
here. phonenumbers' geocoding, carrier and time-zone data (2 MB zipped) are removed too: the app only
parses, validates and formats numbers, which is exactly what the `phonenumberslite` distribution keeps;
tests/infra/test_package.py fails if chalicelib ever imports the modules that need that data, and
imports the packaged app from the unzipped package.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
UNUSED_DATA = ("phonenumbers/geodata/", "phonenumbers/carrierdata/", "phonenumbers/tzdata/")
NEEDS_UNUSED_DATA = ("phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone")
TARGET_BYTES = 10 * 1000 * 1000  # the target: 10 MB zipped
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024  # AWS's hard limits for a direct upload
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def _top(name: str) -> str:
    return name.split("/", 1)[0]


def _provided(name: str) -> bool:
    top = _top(name)
    return any(top == pkg or (top.startswith(f"{pkg}-") and top.endswith((".dist-info", ".data")))
               for pkg in RUNTIME_PROVIDED)


def _dropped(name: str) -> bool:
    return _provided(name) or name.startswith(UNUSED_DATA)


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
    report = measure(zip_path)
    report["removed_runtime_provided_bytes"] = removed
    report["removed_unused_data_bytes"] = dropped
    return report


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
