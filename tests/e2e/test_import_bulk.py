"""New contacts imported end to end on the local stack (20,000 in `make bench`; `make test` runs the same
path with SAMPARK_IMPORT_ROWS=4000 — several chunks and parts — to stay within its time), the way an admin
does it from a laptop:
`python -m sampark_cli import FILE` logs in, uploads through the presigned URL, follows the progress
and writes the error report. The upload event and the chunk queue are served by the local pumps
(devtools/local_imports.py) in this process, so their DynamoDB calls are counted here; the API's own
calls come from the server's call log. Figures go to test-output/import-bench.json (`make bench`)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devtools.demo_data import generate_district
from devtools.local_stack import LocalStack, free_port
from tests.conftest import OUT, SERVER_CALL_LOG, count_dynamodb_calls

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("SAMPARK_IMPORT_ROWS", "20000"))  # make test: 4,000; make bench: 20,000
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE, quiet=True) as s:
        yield s


def bulk_file(path: Path) -> int:
    """ROWS new workers over the district's booths, in Hindi and English, phones written every
    way lists hold them, and three bad rows at the end. Returns the number of data rows."""
    district = generate_district(7, **SIZE)
    booths = [u.unit_id for u in district.units if u.level == "booth"]
    taken = {c.phone for c in district.contacts}
    digits = str.maketrans("0123456789", "०१२३४५६७८९")
    rows = []
    for i in range(ROWS):
        number = f"7{i:09d}"
        assert f"+91{number}" not in taken
        ways = (number, f"0{number[:5]} {number[5:]}", f"+91-{number[:5]}-{number[5:]}", number.translate(digits))
        phone = ways[i % 4]
        name = f"कार्यकर्ता {i}" if i % 2 else f"Worker {i}"
        rows.append([name, phone, ("panna_pramukh", "booth_committee_member")[i % 2], booths[i % len(booths)]])
    rows += [["Bad Phone", "12345", "panna_pramukh", booths[0]], ["No Unit", "7999999999", "panna_pramukh", "x-1"],
             ["=HYPERLINK(\"http://x\")", "7000000001", "panna_pramukh", booths[0]]]  # repeats row 3's phone
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["नाम", "मोबाइल", "भूमिका", "बूथ"], *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return len(rows)


def server_writes(route_part: str) -> int:
    if not SERVER_CALL_LOG.exists():
        return 0
    entries = [json.loads(line) for line in SERVER_CALL_LOG.read_text(encoding="utf-8").splitlines()]
    return sum(1 for e in entries if e["op"] in WRITES and route_part in (e["route"] or ""))


def test_a_district_list_from_the_command_line(stack: LocalStack, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "workers.csv"
    rows = bulk_file(path)
    calls = count_dynamodb_calls(monkeypatch)
    before = server_writes("/imports")
    env = {**os.environ, "SAMPARK_PASSWORD": stack.password, "SAMPARK_API_URL": stack.api_url}
    started = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "sampark_cli", "import", str(path), "--user", "admin"],
                         cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=900)  # a hang detector: the time is a figure (bench), not a bound
    seconds = time.perf_counter() - started
    assert cli.returncode == 3, cli.stderr  # done, with rejected rows: the report was written
    assert f"{ROWS} created, 0 updated, 0 unchanged, 3 rejected" in cli.stdout, cli.stdout + cli.stderr
    assert f"{rows}/{rows}" in cli.stderr  # the progress bar drew to the end
    report = list(csv.reader(io.StringIO((tmp_path / "workers.errors.csv").read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in report[1:]] == [str(rows - 1), str(rows), str(rows + 1)]
    assert "not a valid" in report[1][3] and "does not exist" in report[2][3] and "repeats line 3" in report[3][3]

    job_writes = sum(n for op, n in calls.items() if op in WRITES)
    writes = job_writes + server_writes("/imports") - before
    assert calls["Scan"] == 0
    figures = {"rows": rows, "created": ROWS, "seconds": round(seconds, 1),
               "dynamodb_write_calls": writes, "write_calls_per_row": round(writes / rows, 4),
               "job_calls": dict(calls)}
    (OUT / "import-bench.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"\nimport of {rows} rows: {seconds:.1f} s, {writes} DynamoDB write calls "
          f"({writes / rows:.4f} per row); job calls {dict(calls)}")
    assert writes / rows <= 0.05

    token = requests.post(f"{stack.api_url}/auth/login", json={"username": "admin", "password": stack.password},
                          timeout=30).json()["id_token"]
    page = requests.get(f"{stack.api_url}/units/chw/contacts?limit=100",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert len(page["items"]) == 100 and page["next_cursor"]
