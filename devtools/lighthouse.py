"""`make lighthouse`: Lighthouse (npm `lighthouse@12.2.3`, mobile) on the web client, served by the
local stack, with Debian's chromium. Each page of PAGES is measured three times; the median of each
category is written to the "Web client" section of docs/performance.md (the full reports stay under
test-output/lighthouse/).

The pages: the sign-in screen a fresh visitor meets, and the campaign page a supervisor follows all day
(`#/campaign/<id>`, issue 15), on an active campaign with a few calls recorded. A signed-in page is
measured with the session put where the client keeps it (api.js: sessionStorage, for the tab), before
Lighthouse loads the page cold (devtools/lighthouse_page.mjs drives chromium through puppeteer-core, which
lighthouse installs with itself). A new page is a line of PAGES: a path, who is signed in, and a scene.

Not part of `make test`: Lighthouse's timings depend on the machine, so they are figures to record,
not a pass/fail test. The targets: performance >= 90, accessibility >= 95, best practices >= 90.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from .local_stack import LocalStack, free_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "lighthouse"
VERSION = "12.2.3"
INSTALLED = OUT / "node_modules" / "lighthouse" / "package.json"
DRIVER = Path(__file__).resolve().parent / "lighthouse_page.mjs"
CHROMIUM = Path("/usr/bin/chromium")
DOC = ROOT / "docs" / "performance.md"
CATEGORIES = {"performance": 90, "accessibility": 95, "best-practices": 90}
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index")
RUNS = 3
IST = timedelta(hours=5, minutes=30)


def install() -> None:
    if not CHROMIUM.exists():
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-lohit-deva"],
                       check=True)
    installed = json.loads(INSTALLED.read_text(encoding="utf-8"))["version"] if INSTALLED.exists() else None
    if installed != VERSION:
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(OUT), "--no-audit", "--no-fund", "--no-save", "-E",
                        f"lighthouse@{VERSION}"], check=True)
    shutil.copyfile(DRIVER, OUT / DRIVER.name)  # beside node_modules, where its imports resolve


# ---- the pages -----------------------------------------------------------------------------


class Api:
    """A signed-in user of the local stack's API (to set a scene, and to sign a page in)."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.http = url, requests.Session()
        r = self.http.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=30)
        r.raise_for_status()
        self.tokens = r.json()
        self.http.headers["Authorization"] = f"Bearer {self.tokens['id_token']}"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, f"{self.url}{path}", json=body, timeout=30)
        if r.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def session(self) -> str:
        """The session as api.js keeps it in sessionStorage (`keep()`)."""
        part = self.tokens["id_token"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return json.dumps({"id_token": self.tokens["id_token"], "refresh_token": self.tokens.get("refresh_token"),
                           "exp": claims["exp"] * 1000, "username": claims.get("cognito:username", claims["sub"]),
                           "roles": claims.get("cognito:groups", [])})


def active_campaign_with_calls(stack: LocalStack) -> dict[str, str]:
    """A programme relay over one assembly segment, activated, with a few calls of three agents."""
    admin = Api(stack.api_url, "admin", stack.password)
    today = (datetime.now(UTC) + IST).date()
    yes_no = {"id": "received", "kind": "yes_no", "text_hi": "क्या सूचना मिली?", "text_en": "Was it received?",
              "required": True}
    body = {"kind": "programme_relay", "title_hi": "मंडल बैठक की सूचना", "title_en": "Mandal meeting relay",
            "script_hi": "नमस्ते, मैं ज़िला कार्यालय से बोल रहा हूँ।", "script_en": "Hello, this is the district office.",
            "questions": [yes_no], "target": {"unit_id": "chw-a1", "roles": ["booth_president"]},
            "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=1)),
            "calling_hours": {"start": "00:00", "end": "24:00"}}
    cid = admin.call("POST", "/campaigns", body)["campaign_id"]
    admin.call("POST", f"/campaigns/{cid}/activate")
    deadline = time.monotonic() + 60
    while admin.call("GET", f"/campaigns/{cid}")["status"] != "active":
        if time.monotonic() > deadline:
            raise RuntimeError(f"campaign {cid} was not active within 60 s")
        time.sleep(0.3)
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    recorded = 0
    for n, agent in enumerate(("agent01", "agent02", "agent03")):
        admin.call("POST", f"/agents/{agent}/duty-override", {"until": until, "reason": "lighthouse"})
        caller = Api(stack.api_url, agent, stack.password)
        for disposition in ("connected", "no_answer", "connected", "busy")[: 2 + n]:
            screen = caller.call("POST", f"/campaigns/{cid}/next")
            if screen.get("status") != "leased":
                break
            started = datetime.now(UTC) - timedelta(minutes=2)
            caller.call("POST", "/calls", {
                "call_id": str(uuid.uuid4()), "campaign_id": cid, "contact_id": screen["contact"]["contact_id"],
                "disposition": disposition, "started_at": started.isoformat(), "duration_s": 80, "notes": "",
                **({"answers": {"received": True}} if disposition == "connected" else {})})
            recorded += 1
    if not recorded:
        raise RuntimeError(f"no call could be recorded on campaign {cid}")
    return {"campaign_id": cid}


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # may name what the scene returns: "/#/campaign/{campaign_id}"
    username: str | None = None  # signed in as (None: a fresh visitor)
    scene: Callable[[LocalStack], dict[str, str]] | None = None


PAGES = (
    Page("sign-in screen", "/"),
    Page("campaign page", "/#/campaign/{campaign_id}", "supervisor", active_campaign_with_calls),
)


def run_once(url: str, session: str | None, n: int, slug: str) -> dict[str, Any]:
    report = OUT / f"report-{slug}-{n}.json"
    load = os.getloadavg()[0]
    args = ["node", DRIVER.name, url, str(report), str(CHROMIUM), *([session] if session else [])]
    subprocess.run(args, cwd=OUT, check=True, timeout=300, env={**os.environ, "CHROME_PATH": str(CHROMIUM)})
    data = json.loads(report.read_text(encoding="utf-8"))
    scores = {c: round(data["categories"][c]["score"] * 100) for c in CATEGORIES}
    metrics = {m: data["audits"][m]["displayValue"] for m in METRICS}
    failed = {c: [a["id"] for a in data["categories"][c]["auditRefs"]
                  if a.get("weight") and (data["audits"][a["id"]].get("score") or 0) < 0.9
                  and data["audits"][a["id"]].get("scoreDisplayMode") in ("binary", "numeric")]
              for c in CATEGORIES}
    return {"scores": scores, "metrics": metrics, "below": failed, "load": round(max(load, os.getloadavg()[0]), 1)}


def measure(stack: LocalStack, page: Page) -> list[dict[str, Any]]:
    facts = page.scene(stack) if page.scene else {}
    origin = stack.api_url.replace("127.0.0.1", "localhost")  # a secure context, as the service worker needs
    url = origin + page.path.format(**facts)
    session = Api(stack.api_url, page.username, stack.password).session() if page.username else None
    slug = re.sub(r"[^a-z0-9]+", "-", page.name)
    return [run_once(url, session, n, slug) for n in range(1, RUNS + 1)]


def medians(runs: list[dict[str, Any]]) -> dict[str, int]:
    return {c: int(statistics.median(r["scores"][c] for r in runs)) for c in CATEGORIES}


def section(measured: dict[Page, list[dict[str, Any]]]) -> str:
    each_load = [float(r["load"]) for runs in measured.values() for r in runs if r.get("load") is not None]
    loads = f"{min(each_load)}–{max(each_load)} (2 cores)" if each_load else "not recorded"
    lines = [
        "## Web client",
        "",
        f"`make lighthouse` — Lighthouse {VERSION}, mobile (emulated Moto G Power, simulated slow 4G and 4x CPU",
        "slowdown), Debian's chromium, against `chalice local` on this machine (localhost). Each page loaded",
        f"cold (service worker and caches cleared); median of {RUNS} runs, measured {datetime.now(UTC):%Y-%m-%d}.",
        "Signed-in pages get the session where the client keeps it (sessionStorage) before the load.",
        f"Load average during the runs: {loads}. Performance is timed on this machine's CPU (total blocking",
        "time above all): on a busy machine it reads low; accessibility and best practices do not depend on it.",
        "",
        "| page | category | score | target | runs |",
        "|---|---|---|---|---|",
    ]
    for page, runs in measured.items():
        middle = medians(runs)
        for c, target in CATEGORIES.items():
            each = ", ".join(str(r["scores"][c]) for r in runs)
            who = f" (as {page.username})" if page.username else ""
            lines.append(f"| {page.name}{who}, `{page.path}` | {c} | **{middle[c]}** | ≥ {target} | {each} |")
    lines.append("")
    for page, runs in measured.items():
        median_run = sorted(runs, key=lambda r: r["scores"]["performance"])[len(runs) // 2]
        lines.append(f"Metrics of the median run, {page.name}: " + ", ".join(
            f"{m.replace('-', ' ')} {v}" for m, v in median_run["metrics"].items()) + ".")
        below = sorted({a for r in runs for audits in r["below"].values() for a in audits})
        if below:
            lines.append(f"Weighted audits under 0.9 in some run, {page.name}: {', '.join(below)}.")
        lines.append("")
    from bench.web import client_size

    size = client_size()
    lines += [f"The client's JavaScript and CSS as served (every script, lazily loaded screens included, and the "
              f"merged app.css), gzipped: **{size['total_gzip'] / 1000:.1f} KB** of a {size['budget_gzip'] // 1000} KB "
              f"budget ({size['total_bytes'] / 1000:.1f} KB uncompressed; bench/web.py, held by "
              "tests/unit/test_client_size.py).", ""]
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
        measured = {page: measure(stack, page) for page in PAGES}
    text = section(measured)
    write(text)
    print(text)
    met = all(medians(runs)[c] >= t for runs in measured.values() for c, t in CATEGORIES.items())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
