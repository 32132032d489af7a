"""The server part of `make bench` reports what it measured: the configured memory comes from infra, and
the report names every figure (checked here on made-up measurements, so a report bug shows in seconds,
not after a ten-minute run)."""

from __future__ import annotations

import re
from pathlib import Path

from bench import server as bench_server
from bench import state as bench_state

ROOT = Path(__file__).resolve().parents[2]


def test_the_configured_memory_is_infra_s() -> None:
    text = (ROOT / "infra" / "stack.py").read_text(encoding="utf-8")
    assert bench_server.configured_mb() == int(re.findall(r"^LAMBDA_MEMORY_MB = (\d+)", text, re.MULTILINE)[0])


def test_the_report_shows_each_measurement() -> None:
    tiny = bench_state.Shape(districts=1, assemblies=1, mandals=1, kendras=1, booths=1, contacts=10, agents=1,
                             calls_per_day=100, peak_share=0.1)
    ops = {"Query campaigns": 1, "Query call_targets": 3}
    run = {"calls": 0, "units": 7, "agents": 3, "dynamodb_calls": 4, "ops": ops, "build_ms": 1.5,
           "traced_peak_mb": 2.0, "peak_rss_mb": 90.0}
    result = {
        "queue": {"agents": 35, "seconds": 45.0, "targets": 1287, "leases": 270, "recorded": 270, "nothing_due": 2,
                  "leases_per_s": 6.0, "lease_writes": 320, "lost_races": 50, "lost_races_per_lease": 0.185,
                  "double_leases": 0, "errors": [], "next_ms_p50": 1.0, "next_ms_p95": 2.0,
                  "api_peak_rss_mb": 118.0},
        "digest": {"runs": {"1000": {**run, "calls": 1000}, "50000": {**run, "calls": 50000}}, "equal": True},
        "memory": {"baseline": {"peak_rss_mb": 57.0}, "functions": [
            {"function": "roster", "work": "rotation", "peak_rss_mb": 36.0, "traced_peak_mb": None,
             "configured_mb": 512}]},
        "state": {"tiny": bench_state.run(tiny)},
    }
    text = "\n".join(bench_server.markdown(result))
    assert "**6.0 leases/s**" in text and "**0.185 lost races per lease**" in text and "double leases: 0" in text
    assert "| 50,000 | 4 |" in text and "Equal: **yes**" in text
    assert "| roster | rotation | 36.0 | — | 512 |" in text
    assert "10 calls in the peak hour" in text and "`c#cp_d00" in text
