"""Fuzz the API with schemathesis against docs/openapi.yaml: `chalice local` + the moto server (the
local stack, a small district), one run per role with that role's real token, default checks on.

    python -m devtools.fuzz --examples 100          # make fuzz: the long run
    python -m devtools.fuzz --examples 5 --roles admin,agent01

Exit status 0 when schemathesis found nothing; its report is printed (and kept in test-output/fuzz/).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess  # nosec B404 - runs the schemathesis CLI we pin, with fixed arguments
import sys
import time
from pathlib import Path

import requests

from .local_stack import LocalStack, free_port

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "openapi.yaml"
OUT = ROOT / "test-output" / "fuzz"
# One login per role (devtools/seed.py): admin, leaders, a supervisor and an agent of the demo district.
ROLE_USERS = ("admin", "state", "central", "supervisor", "agent01")
SMALL = {"booths_per_kendra": 1, "contacts_per_booth": 1}


def token(url: str, username: str, password: str) -> str:
    r = requests.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=30)
    r.raise_for_status()
    return str(r.json()["id_token"])


def run(url: str, users: dict[str, str], examples: int, seed: int, workers: int, phases: str = "") -> int:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    OUT.mkdir(parents=True, exist_ok=True)
    failed = 0
    for username, bearer in users.items():
        started = time.monotonic()
        args = [schemathesis, "run", str(SPEC), "--url", url, "-H", f"Authorization: Bearer {bearer}",
                "--max-examples", str(examples), "--seed", str(seed), "--workers", str(workers),
                # every default check but one: positive_data_acceptance expects any schema-valid body to
                # succeed, but business rules the schema cannot express (a period is a Monday, from <= to,
                # the unit must be a district, the campaign must be active) are 400s by design.
                "--exclude-checks", "positive_data_acceptance",
                "--suppress-health-check", "all", "--request-timeout", "30",
                "--report", "junit", "--report-dir", str(OUT / username), "--no-color"]
        if phases:
            args += ["--phases", phases]
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)  # nosec B603
        print(f"--- schemathesis as {username}: exit {proc.returncode} in {time.monotonic() - started:.0f} s")
        print(proc.stdout[-20000:])
        if proc.returncode:
            print(proc.stderr[-5000:], file=sys.stderr)
            failed += 1
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--roles", default=",".join(ROLE_USERS), help="usernames to log in as")
    parser.add_argument("--phases", default="", help="schemathesis phases (default: all)")
    parser.add_argument("--url", help="an already running stack (with the demo users)")
    args = parser.parse_args(argv)
    names = [n for n in args.roles.split(",") if n]
    if args.url:
        password = os.environ.get("SAMPARK_DEMO_PASSWORD", "")
        return 1 if run(args.url, {n: token(args.url, n, password) for n in names}, args.examples, args.seed,
                        args.workers, args.phases) else 0
    with LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SMALL, quiet=True) as stack:
        users = {n: token(stack.api_url, n, stack.password) for n in names}
        return 1 if run(stack.api_url, users, args.examples, args.seed, args.workers, args.phases) else 0


if __name__ == "__main__":
    raise SystemExit(main())
