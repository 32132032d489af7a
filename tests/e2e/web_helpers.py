"""What the browser tests of the web client share: Debian's Chromium (installed with apt when
missing), axe-core from the npm registry (installed into test-output/node), the local stack's API
for setting up campaigns, and helpers to drive the client, take screenshots and run axe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.core.clock import IST

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
SHOTS = OUT / "screenshots"
AXE_DIR = OUT / "axe"
NODE_PREFIX = OUT / "node"
AXE_VERSION = "4.14.1"
AXE_JS = NODE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEVICE = "Pixel 5"
SERIOUS = {"serious", "critical"}


@contextmanager
def environment_restored() -> Iterator[None]:
    """The local stack points this process's environment (and so the settings) at its moto server;
    put both back afterwards, so that tests running later in the same process see their own."""
    from chalicelib.core.clients import reset_clients
    from chalicelib.core.settings import reset_settings

    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        reset_clients()


def _run(args: list[str], timeout: float) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def ensure_chromium() -> str:
    """Debian's chromium (and a Devanagari font for readable screenshots), installed with apt if
    missing. Never a browser download of Playwright's own."""
    if not CHROMIUM.exists():
        if not shutil.which("apt-get"):
            pytest.fail("/usr/bin/chromium is missing and apt-get is not available to install it")
        _run(["apt-get", "update"], 600)
        _run(["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-lohit-deva"], 900)
    return str(CHROMIUM)


def ensure_axe() -> str:
    """axe-core from the npm registry, pinned, in a cache under test-output (never committed)."""
    if not AXE_JS.exists():
        if not shutil.which("npm"):
            pytest.fail("npm is needed to install axe-core for the accessibility checks")
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        _run(["npm", "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund", "--no-save", "-E",
              f"axe-core@{AXE_VERSION}"], 300)
    return AXE_JS.read_text(encoding="utf-8")


# ---- the API, for setting the scene --------------------------------------------------------


class Client:
    """A signed-in user of the local stack's API."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        self.session = requests.Session()
        r = self.session.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=30)
        assert r.status_code == 200, r.text
        self.session.headers["authorization"] = f"Bearer {r.json()['id_token']}"

    def call(self, method: str, path: str, body: Any = None, expect: int | tuple[int, ...] = 200) -> Any:
        r = self.session.request(method, f"{self.url}{path}", json=body, timeout=30)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert r.status_code in wanted, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


QUESTIONS = [
    {"id": "received", "kind": "yes_no", "text_hi": "क्या कार्यक्रम की सूचना मिली?",
     "text_en": "Did you receive the programme notice?", "required": True},
    {"id": "households", "kind": "number", "text_hi": "कितने परिवारों तक बात पहुँची?",
     "text_en": "How many households did you reach?", "min": 0, "max": 500},
    {"id": "mood", "kind": "choice", "text_hi": "बूथ का माहौल कैसा है?", "text_en": "How is the mood at the booth?",
     "choices": [{"value": "good", "label_hi": "अच्छा", "label_en": "Good"},
                 {"value": "poor", "label_hi": "खराब", "label_en": "Poor"}]},
]


def ist_today() -> datetime:
    return datetime.now(IST)


def campaign_body(title: str, unit_id: str, *, roles: tuple[str, ...] = ("booth_president",),
                  hours: tuple[str, str] = ("00:00", "24:00"), starts_in_days: int = -1,
                  **extra: Any) -> dict[str, Any]:
    """Calling hours cover the whole day and the window runs from yesterday to tomorrow (IST), so
    the tests do not depend on the wall clock."""
    today = ist_today().date()
    return {
        "title_hi": f"{title} (हिं)", "title_en": title, "kind": "programme_relay",
        "script_hi": "नमस्ते, मैं ज़िला कार्यालय से बोल रहा हूँ। 15 तारीख को मंडल बैठक है।",
        "script_en": "Hello, I am calling from the district office. The mandal meeting is on the 15th.",
        "questions": QUESTIONS, "target": {"unit_id": unit_id, "roles": list(roles)},
        "starts_on": str(today + timedelta(days=starts_in_days)),
        "ends_on": str(today + timedelta(days=max(starts_in_days, 0) + 1)),
        "calling_hours": {"start": hours[0], "end": hours[1]}, **extra,
    }


def hours_excluding_now() -> tuple[str, str]:
    """A one-hour calling window that does not contain the present IST minute."""
    now = ist_today()
    minute = now.hour * 60 + now.minute
    start = minute + 120 if minute < 20 * 60 else minute - 180
    return f"{start // 60:02d}:{start % 60:02d}", f"{(start + 60) // 60:02d}:{(start + 60) % 60:02d}"


def create_active(admin: Client, body: dict[str, Any], *, wait_s: float = 30) -> str:
    campaign_id = str(admin.call("POST", "/campaigns", body, expect=201)["campaign_id"])
    admin.call("POST", f"/campaigns/{campaign_id}/activate", expect=(200, 202))
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if admin.call("GET", f"/campaigns/{campaign_id}")["status"] == "active":
            return campaign_id
        time.sleep(0.3)
    raise AssertionError(f"campaign {campaign_id} was not active within {wait_s} s")


# ---- the browser ---------------------------------------------------------------------------


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium (installed if missing), headless, with the suite's flags."""
    return playwright.chromium.launch(executable_path=ensure_chromium(), args=CHROMIUM_ARGS)


def watch_problems(page: Any, problems: list[str]) -> Any:
    """What the page refuses under its CSP, and its uncaught errors, are appended to `problems` (a test
    asserts the list stays empty). Returns the page."""
    page.on("console", lambda m: problems.append(f"CSP: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return page


def new_page(browser: Any, base_url: str, problems: list[str], *, viewport: dict[str, int] | None = None,
             phone: Any = None, lang: str | None = None) -> Any:
    """A page in a context of its own at `base_url`, watched (`watch_problems`): a desktop at `viewport`,
    or `phone`'s device descriptor (e.g. playwright.devices[DEVICE]) with `viewport` over it; `lang`, the
    browser's language (the client's first choice before anyone picks one)."""
    options: dict[str, Any] = {**(phone or {}), "base_url": base_url}
    if viewport is not None:
        options["viewport"] = viewport
    if lang is not None:
        options["locale"] = lang
    return watch_problems(browser.new_context(**options).new_page(), problems)


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe(page: Any, screen: str, source: str) -> list[dict[str, Any]]:
    """Run axe-core in the page (evaluated through the DevTools protocol, so the page's CSP stays as
    strict as in production) and return its serious and critical violations. Every run's full
    result is kept under test-output/axe/ for review."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))};
    }""")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    (AXE_DIR / f"{screen}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".screen-home h1, .screen-board h1, .screen-dashboard h1")  # agents, office, leaders


def wait_offline_ready(page: Any, timeout_ms: float = 15000) -> None:
    """The service worker controls the page and holds the app's files."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null "
                           "&& document.documentElement.dataset.offline === 'ready'", timeout=timeout_ms)


def outbox_count(page: Any) -> int:
    return int(page.evaluate("""() => new Promise((resolve, reject) => {
        const req = indexedDB.open('sampark', 1);
        req.onsuccess = () => { const tx = req.result.transaction('outbox', 'readonly');
            const c = tx.objectStore('outbox').count(); c.onsuccess = () => resolve(c.result); };
        req.onerror = () => reject(req.error);
    })"""))
