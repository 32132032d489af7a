"""Issue 15: the web client's JavaScript and CSS together stay under 150 KB gzipped, as served (catalogue and
CSS fragments merged into app.css). A new screen that pushes the total over the budget fails here."""

from __future__ import annotations

import os
from typing import Any

import pytest

from bench import web as bench_web
from chalicelib.web import routes


def test_the_clients_scripts_and_stylesheet_fit_in_150_kb_gzipped() -> None:
    size = bench_web.client_size()
    assert size["budget_gzip"] == 150_000
    over = sorted(size["files"].items(), key=lambda item: -item[1]["gzip"])[:5]
    assert size["total_gzip"] <= size["budget_gzip"], f"{size['total_gzip']:,} bytes gzipped; largest: {over}"
    assert size["within_budget"]


def test_every_script_and_the_merged_stylesheet_are_counted() -> None:
    size = bench_web.client_size()
    scripts = {p.name for p in routes.STATIC.glob("*.js")}
    assert set(size["files"]) == scripts | {"app.css"}
    fragments = [p.name for p in routes.STATIC.glob("app.*.css")]
    for name in fragments:  # counted inside app.css, as the browser receives it
        assert name not in size["files"]
        assert len(routes.assets()["app.css"].body) > len((routes.STATIC / name).read_text(encoding="utf-8"))
    assert size["total_gzip"] == sum(row["gzip"] for row in size["files"].values())
    assert all(0 < row["gzip"] <= row["bytes"] + 40 for row in size["files"].values())


def test_a_client_over_the_budget_is_reported_over(monkeypatch: pytest.MonkeyPatch) -> None:
    real = routes.assets()
    heavy = os.urandom(160_000).hex()  # random: gzip cannot shrink it below the budget
    fake: dict[str, Any] = {**real, "heavy.js": routes.Asset(heavy, "text/javascript", '"x"')}
    monkeypatch.setattr(routes, "assets", lambda: fake)
    size = bench_web.client_size()
    assert "heavy.js" in size["files"] and size["total_gzip"] > 150_000
    assert not size["within_budget"]
    assert bench_web.main([]) == 1
