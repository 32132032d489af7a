"""`make bench`: the figures of bench/results.md and bench/results.json, measured side by side in one run.

* Cold start: import of `app` in fresh processes (median of 9) against its unavoidable dependencies
  alone (chalice, pynamodb, boto3, the Powertools parts used); and what else the cold path imports.
  Measured as in Lambda: from the synthesised deployment package unzipped (with the bytecode it ships),
  boto3 & co. from the runtime's place, nothing written (/var/task is read-only).
* DynamoDB calls per route, from the suite's recording (test-output/dynamodb-calls-*.json, written by
  tests/conftest.py during `make test`): every route <= 3, no Scan.
* Rotation for 70 and 10,000 agents (devtools/bench_rotation.py), and its peak memory in a subprocess.
* Contact import write calls per row (test-output/import-bench.json, from tests/e2e/test_import_bulk.py,
  which `make bench` runs first).
* The Lambda package size (test-output/infra-report.json, from the infra tests' synth).
* The server benchmarks of devtools/bench_server.py: the next-call queue under 35 agents, digest reads
  at 1,000 vs 50,000 calls, peak memory per function, and the state-scale partition simulation.
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

from . import bench_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
BENCH = ROOT / "bench"
RUNS = 9
# The Powertools parts as the app uses them: a Tracer, once made, loads the X-Ray SDK (~0.5 s here),
# which the deployed functions need for tracing; it belongs to the baseline, not to the app's share.
DEPS = ("import chalice, boto3, pynamodb.models, pynamodb.attributes, pynamodb.connection; "
        "from aws_lambda_powertools import Logger, Metrics, Tracer; Tracer(service='bench'); "
        "Logger(service='bench'); Metrics(namespace='bench', service='bench')")
APP = "import app"
# Modules a request handler may need only on some routes: they must not be imported at cold start.
HEAVY = ("jinja2", "phonenumbers", "cryptography", "jwt", "requests", "csv", "xml", "email.mime", "hypothesis")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPARK_",))}
    env.update(POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true", PYTHONDONTWRITEBYTECODE="1")
    return env


class LambdaLike:
    """The deployment package unzipped, with what the python3.11 runtime adds (boto3, botocore,
    s3transfer, jmespath, dateutil, six) on the path after it, as /var/runtime is in Lambda."""

    def __init__(self, zip_path: Path, workdir: Path) -> None:
        import boto3
        import botocore
        import dateutil
        import jmespath
        import s3transfer
        import six

        self.root, runtime = workdir / "task", workdir / "runtime"
        zipfile.ZipFile(zip_path).extractall(self.root)
        runtime.mkdir()
        for module in (boto3, botocore, s3transfer, jmespath, dateutil, six):
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
    return {"runs": RUNS, "deps_median_ms": round(d * 1000, 1), "app_median_ms": round(a * 1000, 1),
            "ratio": round(a / d, 3), "target_ratio": 1.2, "extra_modules": len(extra), "heavy_on_cold_path": heavy,
            "where": "the deployment package unzipped (its shipped bytecode), python -S, nothing written"}


def calls_per_route() -> dict[str, Any]:
    routes: dict[str, dict[str, Any]] = {}
    scans: list[str] = []
    files = sorted(OUT.glob("dynamodb-calls-*.json"))
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        scans += data.get("scans", [])
        for route, row in data.get("routes", {}).items():
            into = routes.setdefault(route, {"requests": 0, "max_calls": 0, "ops": {}})
            into["requests"] += row["requests"]
            into["max_calls"] = max(into["max_calls"], row["max_calls"])
            for op, n in row["ops"].items():
                into["ops"][op] = into["ops"].get(op, 0) + n
    return {"files": [p.name for p in files], "scans": scans, "routes": dict(sorted(routes.items())),
            "over_3": sorted(r for r, row in routes.items() if row["max_calls"] > 3)}


def rotation() -> dict[str, Any]:
    code = ("import json; from devtools.bench_rotation import run; from devtools.bench_moto import rss_mb; "
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
             f"Import of `app` vs its unavoidable dependencies, median of {cs['runs']} fresh processes: "
             f"{cs['app_median_ms']} ms vs {cs['deps_median_ms']} ms, ratio **{cs['ratio']}** "
             f"(target <= {cs['target_ratio']}). Heavy modules on the cold path: "
             f"{', '.join(cs['heavy_on_cold_path']) or 'none'}.", "",
             "## DynamoDB calls per route (max over the suite's requests)", ""]
    calls = r["calls_per_route"]
    if calls["routes"]:
        lines += ["| route | requests | max calls | operations |", "|---|---:|---:|---|"]
        lines += [f"| {route} | {row['requests']} | {row['max_calls']} | "
                  f"{', '.join(f'{op} {n}' for op, n in sorted(row['ops'].items()))} |"
                  for route, row in calls["routes"].items()]
        lines += ["", f"Routes over 3 calls: {', '.join(calls['over_3']) or 'none'}. "
                  f"Scans: {len(calls['scans'])}."]
    else:
        lines += ["No recording found: run `make test` first (tests/conftest.py writes it)."]
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
    return "\n".join(lines) + "\n"


def main() -> int:
    results = {"machine": machine(), "cold_start": cold_start(), "calls_per_route": calls_per_route(),
               "rotation": rotation(), "import": _read("import-bench.json"), "package": package()}
    results["server"] = bench_server.measure(results["rotation"])
    BENCH.mkdir(exist_ok=True)
    (BENCH / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (BENCH / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
