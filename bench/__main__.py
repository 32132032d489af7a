"""`make bench`: the figures of bench/results.md and bench/results.json, measured side by side in one run.

* Cold start: import of `app` in fresh processes (median of 9) against its unavoidable dependencies
  alone (chalice, pynamodb, boto3, Powertools' Logger: issue 18's baseline; the X-Ray SDK is not one of
  them, chalicelib/core/observability.py loads it only when asked to); and what else the cold path
  imports. Measured as in Lambda: from the synthesised deployment package unzipped (with the bytecode it
  ships), boto3 & co. from the runtime's place, nothing written (/var/task is read-only). A ratio over
  1.2, or a heavy module on the cold path, fails `make bench` (after the results are written).
* DynamoDB calls per route, from a full `make test`'s recording (test-output/dynamodb-calls-main.json,
  written by tests/conftest.py with the run's completeness; a partial run writes -partial.json, and a
  recording that is not a full run's is refused): every route with mean, p95 and max, the hot routes
  first with issue 18's budgets beside them, met or not; no Scan.
* Rotation for 70 and 10,000 agents (bench/rotation.py), and its peak memory in a subprocess.
* Contact import write calls per row (test-output/import-bench.json, from tests/e2e/test_import_bulk.py,
  which `make bench` runs first).
* The Lambda package size (test-output/infra-report.json, from the infra tests' synth).
* The server benchmarks of bench/server.py: the next-call queue under 35 agents, digest reads
  at 1,000 vs 50,000 calls, peak memory per function, and the state-scale partition simulation.
* Latency of /next and /calls under 35 and 350 agents with DynamoDB's delay, before and after issue 18, and
  the capacity units a call costs with the month's DynamoDB bill: from bench/latency.json, which
  `python -m bench.latency --before <worktree of the old commit>` writes (it needs both checkouts,
  so `make bench` shows the last such run, with its date, rather than measuring it again).
* The web client's size (bench/web.py `client_size()`), when that module exists.
* Finding a person (bench/search.py, in its own process): `GET /contacts/search`'s DynamoDB calls
  and latency at 20,000 and 200,000 contacts.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess  # nosec B404 - fresh interpreters of our own code, fixed arguments
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from tests.budgets import BASIS, BUDGETS, CALLS, HOT, NEXT, budget_of, percentile  # noqa: F401

from . import cost as bench_cost
from . import latency as bench_latency
from . import reports as bench_reports
from . import search as bench_search
from . import server as bench_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
BENCH = ROOT / "bench"
RUNS = 9
# Issue 18's baseline: chalice, boto3, pynamodb and Powertools' Logger alone. The app's Metrics and its
# own code are its share; the X-Ray SDK (a Tracer, once made, imports it: 130-190 ms, more under load) is
# not on the cold path at all (tracing in AWS is Lambda's active tracing, docs/performance.md).
DEPS = ("import chalice, boto3, pynamodb.models, pynamodb.attributes, pynamodb.connection; "
        "from aws_lambda_powertools import Logger; Logger(service='bench')")
APP = "import app"
TARGET_RATIO = 1.2
# Modules a request handler may need only on some routes: they must not be imported at cold start.
HEAVY = ("jinja2", "phonenumbers", "cryptography", "jwt", "requests", "csv", "xml", "email.mime", "hypothesis",
         "aws_xray_sdk")
RECORDING = OUT / "dynamodb-calls-main.json"
# Issue 18's budgets of DynamoDB calls per request: one copy, tests/budgets.py, which `make test` also holds its
# own recording to (the hot routes in this order; "p50" judged on the median request, "max" on the largest).
_BASIS = BASIS


class PartialRecording(RuntimeError):
    """The recording is missing or is not a full `make test` run's: no table is made from it."""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPARK_",))}
    env.update(POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true", PYTHONDONTWRITEBYTECODE="1")
    return env


class LambdaLike:
    """The deployment package unzipped, with what the python3.11 runtime adds (boto3, botocore,
    s3transfer, jmespath, dateutil, six, urllib3) on the path after it, as /var/runtime is in Lambda."""

    def __init__(self, zip_path: Path, workdir: Path) -> None:
        import boto3
        import botocore
        import dateutil
        import jmespath
        import s3transfer
        import six
        import urllib3

        self.root, runtime = workdir / "task", workdir / "runtime"
        zipfile.ZipFile(zip_path).extractall(self.root)
        runtime.mkdir()
        for module in (boto3, botocore, s3transfer, jmespath, dateutil, six, urllib3):
            path = Path(str(module.__file__))
            target = path.parent if path.name == "__init__.py" else path
            (runtime / target.name).symlink_to(target)
        self.path = [str(self.root), str(runtime)]

    def run(self, code: str) -> str:
        script = f"import sys; sys.path[:0] = {self.path!r}\n{code}"
        env = {**_env(), "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "ap-south-1"}
        env.pop("PYTHONPATH", None)
        proc = subprocess.run([sys.executable, "-S", "-c", script], cwd=self.root, env=env,  # nosec B603
                              capture_output=True, text=True, check=True)
        return proc.stdout

    def import_seconds(self, statement: str) -> float:
        out = self.run(f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)")
        return float(out.strip().splitlines()[-1])


def deployment_zip() -> Path:
    """The package of the current tree's synth (synthesised now if the tree changed)."""
    from infra import synth

    out = synth.ensure(expand=False).cdk_out
    for path in sorted(out.glob("asset.*.zip")):
        with zipfile.ZipFile(path) as archive:
            if "app.py" in archive.namelist():
                return path
    raise RuntimeError(f"no deployment package in {out}")


def cold_start() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        task = LambdaLike(deployment_zip(), Path(tmp))
        task.import_seconds(APP)  # warm the OS file cache once, for both sides
        deps, app = [], []
        for _ in range(RUNS):  # interleaved, so a noisy moment hits both sides
            deps.append(task.import_seconds(DEPS))
            app.append(task.import_seconds(APP))
        extra = task.run(f"import sys; {DEPS}; before = set(sys.modules); import app; "
                         "print('\\n'.join(sorted(set(sys.modules) - before)))").split()
    heavy = sorted({h for m in extra for h in HEAVY if m == h or m.startswith(h + ".")})
    d, a = statistics.median(deps), statistics.median(app)
    return {"runs": RUNS, "deps": DEPS, "deps_median_ms": round(d * 1000, 1), "app_median_ms": round(a * 1000, 1),
            "ratio": round(a / d, 3), "target_ratio": TARGET_RATIO, "extra_modules": len(extra),
            "heavy_on_cold_path": heavy,
            "where": "the deployment package unzipped (its shipped bytecode), python -S, nothing written"}


def check_complete(data: dict[str, Any]) -> dict[str, Any]:
    """The run that made the recording (tests/conftest.py `_completeness`), if it was a full one."""
    run = data.get("run")
    if not isinstance(run, dict):
        raise PartialRecording("the recording does not say which run made it (written before tests/conftest.py "
                               "recorded completeness): run `make test`")
    selection = run.get("selection", {})
    problems = []
    if not run.get("collected") or run.get("ran", 0) < run["collected"]:
        problems.append(f"{run.get('ran', 0)} of {run.get('collected', 0)} collected tests ran")
    if run.get("interrupted"):
        problems.append("the run was interrupted")
    args = selection.get("args", [])
    if not args or not all(a.rstrip("/") == "tests" or a.rstrip("/").endswith("/tests") for a in args):
        problems.append(f"only {' '.join(args) or 'nothing'} was selected, not the whole suite (tests/)")
    for key in ("keyword", "markexpr", "deselect"):
        if selection.get(key):
            problems.append(f"tests were selected ({key}: {selection[key]})")
    if problems or not run.get("complete"):
        raise PartialRecording("the recording is not a full `make test` run's: " + "; ".join(problems or ["partial"]))
    return run


_percentile = percentile


def route_rows(routes: dict[str, dict[str, Any]], agent_routes: set[str]) -> list[dict[str, Any]]:
    """Every recorded route: the hot ones first in issue 18's order, then the rest, most calls first."""
    rows = []
    for route, row in routes.items():
        histogram = {int(k): v for k, v in row["histogram"].items()}
        stats = {"route": route, "requests": row["requests"],
                 "mean": round(sum(k * v for k, v in histogram.items()) / row["requests"], 2),
                 "p50": _percentile(histogram, 0.5), "p95": _percentile(histogram, 0.95), "max": row["max_calls"],
                 "ops": row["ops"], "hot": route in HOT}
        budget = budget_of(route, agent_routes)
        if budget:
            stats["budget"] = budget
            stats["met"] = all(stats[basis] <= limit for basis, limit in budget.items())
        rows.append(stats)
    order = {route: i for i, route in enumerate(HOT)}
    return sorted(rows, key=lambda r: (order.get(r["route"], len(HOT)), -r["max"], r["route"]))


def agent_route_names() -> set[str]:
    """The routes whose roles include an agent (chalicelib.core.http.ROUTE_ROLES, filled by `import app`)."""
    code = ("import json, app; from chalicelib.core.http import ROUTE_ROLES; "
            "print(json.dumps(sorted(f'{m} {p}' for (m, p), roles in ROUTE_ROLES.items() "
            "if roles and 'agent' in roles)))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True,  # nosec B603
                          text=True, check=True)
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def calls_per_route(recording: Path = RECORDING, agent_routes: set[str] | None = None) -> dict[str, Any]:
    if not recording.exists():
        raise PartialRecording(f"no recording at {recording}: run `make test` (a full run) first")
    data = json.loads(recording.read_text(encoding="utf-8"))
    run = check_complete(data)
    routes = data.get("routes", {})
    missing = sorted(r for r, row in routes.items() if "histogram" not in row)
    if missing:
        raise PartialRecording(f"the recording has no calls-per-request histogram for {', '.join(missing)}")
    rows = route_rows(routes, agent_route_names() if agent_routes is None else agent_routes)
    return {"file": recording.name, "run": {k: run[k] for k in ("collected", "ran", "failed")},
            "scans": data.get("scans", []), "rows": rows,
            "over_budget": [r["route"] for r in rows if r.get("met") is False]}


def _budget_text(budget: dict[str, int]) -> str:
    return ", ".join(f"≤ {limit} {_BASIS[basis]}" for basis, limit in budget.items())


def calls_markdown(calls: dict[str, Any]) -> list[str]:
    run = calls["run"]
    lines = [f"From a full `make test` run's recording ({run['ran']} of {run['collected']} tests run, "
             f"{run['failed']} failed): every route, {len(calls['rows'])}. The hot routes first, with issue 18's "
             "budgets (the common path is judged on the median request, as the recording does not name "
             "the path taken); every other route an agent may call has a budget of 2.", "",
             "| route | requests | mean | p50 | p95 | max | budget | met | operations |",
             "|---|---:|---:|---:|---:|---:|---|---|---|"]
    for row in calls["rows"]:
        name = f"**{row['route']}**" if row["hot"] else row["route"]
        budget = _budget_text(row["budget"]) if "budget" in row else "—"
        met = "—" if "met" not in row else ("yes" if row["met"] else "**no**")
        ops = ", ".join(f"{op} {n}" for op, n in sorted(row["ops"].items()))
        lines.append(f"| {name} | {row['requests']} | {row['mean']} | {row['p50']} | {row['p95']} | {row['max']} | "
                     f"{budget} | {met} | {ops} |")
    lines += ["", f"Over budget: {', '.join(calls['over_budget']) or 'none'}. Scans: {len(calls['scans'])}."]
    return lines


def failures(results: dict[str, Any]) -> list[str]:
    """What fails `make bench`: the cold start over its ratio, or a heavy module on the cold path."""
    cs = results["cold_start"]
    out = []
    if cs["ratio"] > cs["target_ratio"]:
        out.append(f"cold start: import of app is {cs['ratio']}x its dependencies' (target <= {cs['target_ratio']})")
    if cs["heavy_on_cold_path"]:
        out.append(f"cold start imports {', '.join(cs['heavy_on_cold_path'])}")
    return out


def rotation() -> dict[str, Any]:
    code = ("import json; from bench.rotation import run; from bench.moto_account import rss_mb; "
            "out = {n: run(n, s, seats, weeks=8) for n, s, seats in ((70, 4, 35), (10000, 100, 4700))}; "
            "out['peak_rss_mb'] = rss_mb(); print(json.dumps(out))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True,  # nosec B603
                          text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _read(name: str) -> Any:
    path = OUT / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def package() -> dict[str, Any] | None:
    report = _read("infra-report.json")
    if not report:
        return None
    stage = next(iter(report["stages"].values()))
    pkg = stage["package"]
    return {"zip_bytes": pkg["zip_bytes"], "unzipped_bytes": pkg["unzipped_bytes"],
            "largest": [p["name"] for p in pkg["largest"][:5]]}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def markdown(r: dict[str, Any]) -> str:
    cs = r["cold_start"]
    lines = ["# Sampark benchmark results", "", f"Machine: {r['machine']}", "",
             "## Cold start", "",
             "Import of `app` vs issue 18's baseline (chalice, pynamodb, boto3 and Powertools' Logger alone; "
             "the X-Ray SDK is not on the cold path), from the deployment package as Lambda imports it, "
             f"median of {cs['runs']} fresh processes: "
             f"{cs['app_median_ms']} ms vs {cs['deps_median_ms']} ms, ratio **{cs['ratio']}** "
             f"(target <= {cs['target_ratio']}). Heavy modules on the cold path: "
             f"{', '.join(cs['heavy_on_cold_path']) or 'none'}.", "",
             "## DynamoDB calls per route", ""]
    lines += calls_markdown(r["calls_per_route"])
    rot = r["rotation"]
    lines += ["", "## Rotation", "",
              f"70 agents: median {rot['70']['median_ms']} ms (max {rot['70']['max_ms']} ms); "
              f"10,000 agents: median {rot['10000']['median_ms']} ms (max {rot['10000']['max_ms']} ms); "
              f"peak RSS of the process {rot['peak_rss_mb']} MB."]
    imp = r["import"]
    lines += ["", "## Contact import", ""]
    lines += [f"{imp['rows']} rows in {imp['seconds']} s through the local stack: "
              f"{imp['write_calls_per_row']} DynamoDB write calls per row (target <= 0.05)."] if imp else \
        ["Not measured in this run (tests/e2e/test_import_bulk.py writes test-output/import-bench.json)."]
    pkg = r["package"]
    lines += ["", "## Lambda package", ""]
    lines += [f"{pkg['zip_bytes'] / 1e6:.1f} MB zipped, {pkg['unzipped_bytes'] / 1e6:.1f} MB unzipped; largest: "
              f"{', '.join(pkg['largest'])}."] if pkg else ["Not measured (the infra tests write it)."]
    if r.get("server"):
        lines += bench_server.markdown(r["server"])
    if r.get("search"):
        lines += bench_search.markdown(r["search"])
    if r.get("reports"):
        lines += bench_reports.markdown(r["reports"])
    lines += ["", "## Latency of the hot path with DynamoDB's delay", ""]
    if r.get("latency"):
        lines += bench_latency.markdown(r["latency"])
        lines += bench_cost.markdown(r["latency"])
    else:
        lines += ["Not measured: `python -m bench.latency --before <a worktree of the commit before> "
                  "--after .` writes bench/latency.json (the latency before and after, and the cost of a call)."]
    if r.get("web"):
        lines += ["", "## Web client size", "", *web_markdown(r["web"])]
    return "\n".join(lines) + "\n"


def web_markdown(web: dict[str, Any]) -> list[str]:
    """bench/web.py's figures: its own table if it has one, else its numbers as it names them."""
    try:
        from . import web as bench_web

        return list(bench_web.table(web).splitlines())
    except (ImportError, AttributeError, KeyError, TypeError):
        pass
    rows = ["| figure | value |", "|---|---:|"]

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}{key}" if not prefix else f"{prefix} / {key}", inner)
        elif isinstance(value, list):
            rows.append(f"| {prefix} | {', '.join(map(str, value))} |")
        else:
            rows.append(f"| {prefix} | {f'{value:,}' if isinstance(value, int) else value} |")

    walk("", web)
    return rows


def search() -> dict[str, Any]:
    """bench/search.py in a process of its own (its moto account holds 200,000 contacts)."""
    proc = subprocess.run([sys.executable, "-m", "bench.search", "--json"], cwd=ROOT, env=_env(),  # nosec B603
                          capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def reports() -> dict[str, Any]:
    """bench/reports.py in a process of its own: the performance room's reports at 70 and 1,000 agents over a
    month, at two call volumes each, and issue 20's extra write units per call."""
    proc = subprocess.run([sys.executable, "-m", "bench.reports"], cwd=ROOT, env=_env(),  # nosec B603
                          capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def latency() -> dict[str, Any] | None:
    """The last side-by-side latency run (bench/latency.json), if one was made."""
    path = BENCH / "latency.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None


def web() -> dict[str, Any] | None:
    try:
        from . import web as bench_web  # the web client's own figures, when that module exists
    except ImportError:
        return None
    return dict(bench_web.client_size())


def main() -> int:
    try:
        calls = calls_per_route()  # first: a partial recording refuses the run before the long measurements
    except PartialRecording as refused:
        print(f"make bench: {refused}", file=sys.stderr)
        return 2
    results = {"machine": machine(), "cold_start": cold_start(), "calls_per_route": calls,
               "rotation": rotation(), "import": _read("import-bench.json"), "package": package()}
    results["server"] = bench_server.measure(results["rotation"])
    results["search"] = search()
    results["reports"] = reports()
    results["latency"], results["web"] = latency(), web()
    BENCH.mkdir(exist_ok=True)
    (BENCH / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (BENCH / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    failed = failures(results)
    for failure in failed:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
