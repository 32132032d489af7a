"""`make lighthouse`: Lighthouse (npm `lighthouse@12.2.3`, mobile) on the web client, served by the
local stack, with Debian's chromium. Three runs; the median of each category is written to the
"Web client" section of docs/performance.md (the full reports stay under test-output/lighthouse/).

Not part of `make test`: Lighthouse's timings depend on the machine, so they are figures to record,
not a pass/fail test. The targets: performance >= 90, accessibility >= 95, best practices >= 90.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from .local_stack import LocalStack, free_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "lighthouse"
VERSION = "12.2.3"
BIN = OUT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
DOC = ROOT / "docs" / "performance.md"
CATEGORIES = {"performance": 90, "accessibility": 95, "best-practices": 90}
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index")
RUNS = 3


def install() -> None:
    if not CHROMIUM.exists():
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-lohit-deva"],
                       check=True)
    if not BIN.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(OUT), "--no-audit", "--no-fund", "--no-save", "-E",
                        f"lighthouse@{VERSION}"], check=True)


def run_once(url: str, n: int) -> dict[str, object]:
    report = OUT / f"report-{n}.json"
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    subprocess.run([str(BIN), url, "--quiet", "--form-factor=mobile", "--output=json", f"--output-path={report}",
                    "--only-categories=" + ",".join(CATEGORIES),
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking"],
                   check=True, env=env, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    scores = {c: round(data["categories"][c]["score"] * 100) for c in CATEGORIES}
    metrics = {m: data["audits"][m]["displayValue"] for m in METRICS}
    failed = {c: [a["id"] for a in data["categories"][c]["auditRefs"]
                  if a.get("weight") and (data["audits"][a["id"]].get("score") or 0) < 0.9
                  and data["audits"][a["id"]].get("scoreDisplayMode") in ("binary", "numeric")]
              for c in CATEGORIES}
    return {"scores": scores, "metrics": metrics, "below": failed}


def section(runs: list[dict[str, object]], url: str) -> str:
    medians = {c: int(statistics.median(r["scores"][c] for r in runs)) for c in CATEGORIES}  # type: ignore[index]
    middle = sorted(runs, key=lambda r: r["scores"]["performance"])[len(runs) // 2]  # type: ignore[index]
    lines = [
        "## Web client",
        "",
        f"`make lighthouse` — Lighthouse {VERSION}, mobile (emulated Moto G Power, simulated slow 4G and 4x CPU",
        f"slowdown), Debian's chromium, against `chalice local` on this machine ({url}, the sign-in screen a",
        f"fresh visitor meets). Median of {len(runs)} runs, measured {datetime.now(UTC):%Y-%m-%d}.",
        "",
        "| category | score | target | runs |",
        "|---|---|---|---|",
    ]
    for c, target in CATEGORIES.items():
        each = ", ".join(str(r["scores"][c]) for r in runs)  # type: ignore[index]
        lines.append(f"| {c} | **{medians[c]}** | ≥ {target} | {each} |")
    lines += ["", "Metrics of the median run: " + ", ".join(
        f"{m.replace('-', ' ')} {v}" for m, v in middle["metrics"].items()) + ".", ""]  # type: ignore[attr-defined]
    below = sorted({a for r in runs for audits in r["below"].values() for a in audits})  # type: ignore[attr-defined]
    if below:
        lines += [f"Weighted audits under 0.9 in some run: {', '.join(below)}.", ""]
    return "\n".join(lines)


def write(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n\n"
    pattern = re.compile(r"^## Web client\n.*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(lambda _: text + "\n", doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main() -> int:
    install()
    size = {"booths_per_kendra": 1, "contacts_per_booth": 1}
    with LocalStack(api_port=free_port(), moto_port=free_port(), district_size=size, quiet=True) as stack:
        url = stack.api_url.replace("127.0.0.1", "localhost") + "/"
        runs = [run_once(url, n) for n in range(1, RUNS + 1)]
    text = section(runs, "localhost")
    write(text)
    print(text)
    medians = {c: statistics.median(r["scores"][c] for r in runs) for c in CATEGORIES}  # type: ignore[index]
    return 0 if all(medians[c] >= t for c, t in CATEGORIES.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
