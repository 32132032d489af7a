"""Peak memory of each function's heaviest work, each in a fresh interpreter (ru_maxrss), from which
the functions' configured memory (infra/stack.py LAMBDA_MEMORY_MB) is argued in docs/performance.md.

* baseline: a fresh interpreter that imports `app` (what every function holds before any work);
* the API under the 35-agent load: VmHWM of the `chalice local` process (bench/lease_queue.py);
* the digest at district scale, 50,000 calls' counters (bench/digest.py);
* rotation for 10,000 agents (bench/__main__.py rotation());
* one import chunk: 500 new contacts (chalicelib.imports.service.process_chunk) under moto here.

The in-process measurements hold moto too (its server code and its copy of the data), so their RSS is
an upper bound of the function's; the tracemalloc peak is the Python memory the work itself allocated.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404 - fresh interpreters of our own code, fixed arguments
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROWS = 500  # chalicelib.imports.rules.ROWS_PER_CHUNK
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}


def _file(rows: int) -> bytes:
    from devtools.demo_data import generate_district

    booths = [u.unit_id for u in generate_district(7, **SIZE).units if u.level == "booth"]
    lines = ["नाम,मोबाइल,भूमिका,बूथ"]
    for i in range(rows):
        name = f"कार्यकर्ता {i}" if i % 2 else f"Worker {i}"
        lines.append(f"{name},7{i:09d},{('panna_pramukh', 'booth_committee_member')[i % 2]},{booths[i % len(booths)]}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def import_chunk() -> dict[str, Any]:
    from chalicelib.core.clients import client
    from chalicelib.core.settings import get_settings
    from chalicelib.imports import rules, service, store
    from chalicelib.org.store import UnitModel
    from devtools.demo_data import generate_district
    from devtools.moto_local import patched
    from devtools.seed import _batch_put, _unit_models

    from .moto_account import dynamodb_calls, moto_account, rss_mb, traced

    assert rules.ROWS_PER_CHUNK == ROWS
    with moto_account(), patched():
        _batch_put(UnitModel, _unit_models(generate_district(7, **SIZE), "2026-03-10T03:00:00.000+00:00"))
        data = _file(ROWS)
        _, view = service.create_import("admin", {"kind": "contacts", "filename": "list.csv", "size": len(data)},
                                         uuid.uuid4().hex)
        item = store.get_import(view["import_id"])
        assert item is not None
        client("s3").put_object(Bucket=get_settings().bulk_bucket, Key=item.upload_key, Body=data)
        service.uploaded(item.upload_key)  # the S3 event: the manifest, and chunk 0 queued
        before = rss_mb()
        with dynamodb_calls() as seen:
            started = time.perf_counter()
            _, peak = traced(lambda: service.process_chunk(view["import_id"], 0))
            seconds = time.perf_counter() - started
        done = service.get_import(view["import_id"])
        assert done["counts"]["created"] == ROWS, done
        return {"rows": ROWS, "created": done["counts"]["created"], "dynamodb_calls": sum(seen.values()),
                "traced_ms": round(seconds * 1000, 1), "traced_peak_mb": peak, "rss_before_mb": before,
                "peak_rss_mb": rss_mb()}


def baseline() -> dict[str, Any]:
    import app  # noqa: F401

    from .moto_account import rss_mb

    return {"peak_rss_mb": rss_mb()}


def fresh(name: str) -> dict[str, Any]:
    from .moto_account import clean_env

    proc = subprocess.run([sys.executable, "-m", "bench.memory", name], cwd=ROOT,  # nosec B603
                          env=clean_env(), capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> int:
    works = {"import_chunk": import_chunk, "baseline": baseline}
    if argv:
        print(json.dumps(works[argv[0]]()))
    else:
        print(json.dumps({name: fresh(name) for name in works}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
