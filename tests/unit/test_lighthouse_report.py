"""devtools/lighthouse.py without a browser: the session it signs a page in with is the one api.js keeps,
and the report replaces the "Web client" section of docs/performance.md and nothing else."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from devtools import lighthouse


def jwt(claims: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{body}.sig"


def test_the_session_is_shaped_as_api_js_keeps_it() -> None:
    api = object.__new__(lighthouse.Api)
    api.tokens = {"id_token": jwt({"exp": 1_900_000_000, "sub": "s-1", "cognito:username": "supervisor",
                                   "cognito:groups": ["supervisor"]}), "refresh_token": "r"}
    session = json.loads(api.session())
    assert session == {"id_token": api.tokens["id_token"], "refresh_token": "r", "exp": 1_900_000_000_000,
                       "username": "supervisor", "roles": ["supervisor"]}
    js = (Path(lighthouse.ROOT) / "chalicelib" / "web" / "static" / "api.js").read_text(encoding="utf-8")
    assert "const SESSION_KEY = 'sampark.session'" in js and "sessionStorage.setItem(SESSION_KEY" in js
    assert "sampark.session" in lighthouse.DRIVER.read_text(encoding="utf-8")


def test_the_report_replaces_the_web_client_section_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Web client\n\nold scores\n\n## Server benchmarks\n\nkept\n", encoding="utf-8")
    monkeypatch.setattr(lighthouse, "DOC", doc)
    run = {"scores": {"performance": 93, "accessibility": 100, "best-practices": 100},
           "metrics": {m: "1 s" for m in lighthouse.METRICS}, "below": {c: [] for c in lighthouse.CATEGORIES}}
    text = lighthouse.section({page: [run, run, run] for page in lighthouse.PAGES})
    lighthouse.write(text)
    out = doc.read_text(encoding="utf-8")
    assert "old scores" not in out and out.endswith("## Server benchmarks\n\nkept\n")
    assert "| campaign page (as supervisor), `/#/campaign/{campaign_id}` | performance | **93** | ≥ 90 |" in out
    assert "gzipped: **" in out and "KB budget" in out
