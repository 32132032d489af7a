"""sampark import FILE / sampark export UNIT — see `sampark --help`.

    sampark import workers.csv --kind contacts --api https://…/api --user admin
    sampark import dnc.csv --kind dnc --district chw
    sampark export chw-a1 --kind contacts -o chw-a1.csv

The password comes from $SAMPARK_PASSWORD or a prompt; the API from --api or $SAMPARK_API_URL
(default: the local server of `make run`).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from .api import ApiError, Client

DEFAULT_API = "http://127.0.0.1:8000"


def _client(args: argparse.Namespace) -> Client:
    client = Client(args.api)
    password = os.environ.get("SAMPARK_PASSWORD") or getpass.getpass(f"password for {args.user}: ")
    client.login(args.user, password)
    return client


def _bar(total: int, label: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="row", desc=label, file=sys.stderr, dynamic_ncols=True)


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    client = _client(args)
    body: dict[str, Any] = {"kind": args.kind, "filename": path.name, "size": len(data)}
    if args.district:
        body["district_id"] = args.district
    if args.purpose:
        body["consent_purpose"] = args.purpose
    job = client.call("POST", "/imports", body, headers={"Idempotency-Key": uuid.uuid4().hex})
    client.put_file(job["upload"]["url"], data)
    print(f"uploaded {path.name} ({len(data):,} bytes) as import {job['import_id']}", file=sys.stderr)
    view = _follow(client, f"/imports/{job['import_id']}", args.timeout)
    if view["status"] == "failed":
        print(f"import failed: {view['error']['message']}", file=sys.stderr)
        return 1
    c = view["counts"]
    print(f"done: {view['rows_total']} rows — {c['created']} created, {c['updated']} updated, "
          f"{c['unchanged']} unchanged, {c['rejected']} rejected")
    if view.get("ignored_columns"):
        print(f"columns not read: {', '.join(view['ignored_columns'])}", file=sys.stderr)
    if c["rejected"]:
        report = Path(args.report or path.with_suffix(".errors.csv"))
        content = client.download(view["report_url"])
        report.write_bytes(content)
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
        for line, column, value, reason in rows[:10]:
            print(f"  line {line}, {column} {value!r}: {reason}", file=sys.stderr)
        if len(rows) > 10:
            print(f"  … and {len(rows) - 10} more", file=sys.stderr)
        print(f"error report: {report}")
        return 3
    return 0


def _follow(client: Client, path: str, timeout: float) -> dict[str, Any]:
    """Poll until the job is done or failed, with a progress bar of rows."""
    deadline = time.monotonic() + timeout
    bar = None
    try:
        while True:
            view: dict[str, Any] = client.call("GET", path)
            total = int(view.get("rows_total") or view.get("rows") or 0)
            if bar is None and (total or view["status"] != "awaiting_upload"):
                bar = _bar(total, view.get("kind", "rows"))
            if bar is not None:
                bar.total = max(total, bar.total or 0)
                bar.update(int(view.get("rows_done", view.get("rows", 0))) - bar.n)
            if view["status"] in ("done", "failed"):
                return view
            if time.monotonic() > deadline:
                raise SystemExit(f"still {view['status']} after {timeout:.0f} s; follow it with GET {path}")
            time.sleep(0.5)
    finally:
        if bar is not None:
            bar.close()


def run_export(args: argparse.Namespace) -> int:
    client = _client(args)
    body: dict[str, Any] = {"kind": args.kind, "unit_id": args.unit}
    if args.full_phones:
        body["full_phones"] = True
    if args.campaign:
        body["campaign_id"] = args.campaign
    if args.date_from or args.date_to:
        body.update({"from": args.date_from, "to": args.date_to})
    job = client.call("POST", "/exports", body, headers={"Idempotency-Key": uuid.uuid4().hex})
    view = _follow(client, f"/exports/{job['export_id']}", args.timeout)
    if view["status"] == "failed":
        print(f"export failed: {view.get('error')}", file=sys.stderr)
        return 1
    out = Path(args.output or f"{args.kind}-{args.unit}.csv")
    out.write_bytes(client.download(view["download_url"]))
    print(f"{view['rows']} rows written to {out}")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api", default=os.environ.get("SAMPARK_API_URL", DEFAULT_API), help="the API's base URL")
    common.add_argument("--user", default=os.environ.get("SAMPARK_USER", "admin"), help="admin username")
    common.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the job")
    p = argparse.ArgumentParser(prog="sampark", description="Bulk imports and exports for Sampark admins.")
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", parents=[common], help="import a CSV file (see docs/imports.md for the columns)")
    imp.add_argument("file")
    imp.add_argument("--kind", choices=("contacts", "units", "dnc"), default="contacts")
    imp.add_argument("--district", help="the district of a do-not-call list")
    imp.add_argument("--purpose", help="consent purpose recorded on new contacts")
    imp.add_argument("--report", help="where to write the error report (default: FILE.errors.csv)")
    imp.set_defaults(run=run_import)
    exp = sub.add_parser("export", parents=[common], help="export a unit's subtree as CSV")
    exp.add_argument("unit")
    exp.add_argument("--kind", choices=("contacts", "campaign_results", "call_logs"), default="contacts")
    exp.add_argument("--from", dest="date_from", help="call_logs: first IST day, YYYY-MM-DD")
    exp.add_argument("--to", dest="date_to", help="call_logs: last IST day, YYYY-MM-DD")
    exp.add_argument("--campaign", help="the campaign of campaign_results")
    exp.add_argument("--full-phones", action="store_true", help="full numbers instead of masked (audited)")
    exp.add_argument("-o", "--output")
    exp.set_defaults(run=run_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
