"""`make bench`'s table of DynamoDB calls per route and its gates (issue 18, points 5 and 6), on made-up
recordings so a report bug shows in seconds: every route with mean, p95 and max, the hot routes first with
their budgets met or not, a partial recording refused, and the cold-start ratio failing the run over 1.2."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench import __main__ as bench
from tests import conftest

FULL_RUN: dict[str, Any] = {"collected": 10, "ran": 10, "failed": 0, "interrupted": False, "complete": True,
            "selection": {"args": ["tests"], "testpaths": ["tests"], "keyword": "", "markexpr": "", "deselect": []}}


def _row(histogram: dict[int, int]) -> dict[str, Any]:
    return {"requests": sum(histogram.values()), "max_calls": max(histogram), "ops": {"GetItem": 1},
            "histogram": {str(k): v for k, v in histogram.items()}}


ROUTES = {
    "GET /units": _row({1: 4}),
    "GET /me/calls": _row({1: 3, 3: 1}),  # an agent route: budget 2, max 3 -> not met
    "GET /board": _row({7: 1, 62: 1}),
    "POST /calls": _row({2: 18, 3: 1, 10: 1}),
    "POST /campaigns/{campaign_id}/next": _row({3: 18, 4: 1, 9: 1}),
    "GET /me/shift": _row({2: 5}),
    "POST /rosters/{period}/generate": _row({24: 1}),
}
AGENT_ROUTES = {"GET /me/calls", "GET /me/shift", "POST /calls", "POST /campaigns/{campaign_id}/next"}


def _write(tmp_path: Path, run: dict[str, Any] | None) -> Path:
    path = tmp_path / "dynamodb-calls-main.json"
    data: dict[str, Any] = {"scans": [], "routes": ROUTES}
    if run is not None:
        data["run"] = run
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_every_route_is_listed_hot_first_with_mean_p95_max_and_budgets(tmp_path: Path) -> None:
    calls = bench.calls_per_route(_write(tmp_path, FULL_RUN), AGENT_ROUTES)
    rows = {r["route"]: r for r in calls["rows"]}
    assert [r["route"] for r in calls["rows"]] == [
        "POST /campaigns/{campaign_id}/next", "POST /calls", "GET /board", "GET /me/shift",
        "POST /rosters/{period}/generate", "GET /me/calls", "GET /units"]
    nxt = rows["POST /campaigns/{campaign_id}/next"]
    assert (nxt["requests"], nxt["mean"], nxt["p50"], nxt["p95"], nxt["max"]) == (20, 3.35, 3, 4, 9)
    assert nxt["met"] is False  # median 3 is within the common path's 3, but the max 9 is over 5
    assert rows["POST /calls"]["met"] is True and rows["POST /calls"]["p95"] == 3  # judged on the median
    assert rows["GET /board"]["met"] is False and rows["GET /me/shift"]["met"] is True
    assert rows["GET /me/calls"]["met"] is False and rows["GET /me/calls"]["budget"] == {"max": 2}
    assert "budget" not in rows["GET /units"]  # not an agent route: no budget in issue 18
    assert calls["over_budget"] == ["POST /campaigns/{campaign_id}/next", "GET /board", "GET /me/calls"]
    text = "\n".join(bench.calls_markdown(calls))
    assert ("| **POST /campaigns/{campaign_id}/next** | 20 | 3.35 | 3 | 4 | 9 | ≤ 3 common path (median request), "
            "≤ 5 any request | **no** |") in text
    assert "| **GET /me/shift** | 5 | 2.0 | 2 | 2 | 2 | ≤ 2 any request | yes |" in text
    assert "| GET /units | 4 | 1.0 | 1 | 1 | 1 | — | — |" in text
    assert "10 of 10 tests run" in text


@pytest.mark.parametrize(("run", "why"), [
    (None, "does not say which run"),
    ({**FULL_RUN, "ran": 9, "complete": False}, "9 of 10 collected tests ran"),
    ({**FULL_RUN, "interrupted": True, "complete": False}, "interrupted"),
    ({**FULL_RUN, "complete": False, "selection": {**FULL_RUN["selection"], "args": ["tests/unit/test_x.py"]}},
     "only tests/unit/test_x.py was selected"),
    ({**FULL_RUN, "complete": False, "selection": {**FULL_RUN["selection"], "markexpr": "e2e"}}, "markexpr: e2e"),
    ({**FULL_RUN, "complete": False, "selection": {**FULL_RUN["selection"], "keyword": "budget"}}, "keyword"),
])
def test_a_partial_recording_is_refused(tmp_path: Path, run: dict[str, Any] | None, why: str) -> None:
    with pytest.raises(bench.PartialRecording, match=why):
        bench.calls_per_route(_write(tmp_path, run), AGENT_ROUTES)


def test_no_recording_is_refused(tmp_path: Path) -> None:
    with pytest.raises(bench.PartialRecording, match="run `make test`"):
        bench.calls_per_route(tmp_path / "dynamodb-calls-main.json", AGENT_ROUTES)


def _session(args: list[str], collected: int, **option: Any) -> Any:
    config = SimpleNamespace(args=args, rootpath=conftest.OUT.parent, getini=lambda name: ["tests"],
                             option=SimpleNamespace(keyword=option.get("keyword", ""),
                                                    markexpr=option.get("markexpr", ""), deselect=None))
    return SimpleNamespace(config=config, testscollected=collected, shouldstop=False, shouldfail=False)


def test_the_suite_records_whether_its_run_was_complete() -> None:
    ran = {f"t{i}" for i in range(5)}
    complete = conftest._completeness(_session(["tests"], 5), ran, set())
    assert complete["complete"] is True and bench.check_complete({"run": complete}) == complete
    for session, ran_now in ((_session(["tests"], 6), ran), (_session(["tests/unit/test_gates.py"], 5), ran),
                             (_session(["tests"], 5, markexpr="e2e"), ran), (_session(["tests"], 5), set())):
        partial = conftest._completeness(session, ran_now, set())
        assert partial["complete"] is False
        with pytest.raises(bench.PartialRecording):
            bench.check_complete({"run": partial})


def test_the_cold_start_over_its_ratio_or_with_the_xray_sdk_fails_make_bench() -> None:
    def result(ratio: float, heavy: list[str]) -> dict[str, Any]:
        return {"cold_start": {"ratio": ratio, "target_ratio": bench.TARGET_RATIO, "heavy_on_cold_path": heavy}}

    assert bench.failures(result(1.19, [])) == []
    assert bench.failures(result(1.21, [])) == ["cold start: import of app is 1.21x its dependencies' (target <= 1.2)"]
    assert bench.failures(result(1.0, ["aws_xray_sdk"])) == ["cold start imports aws_xray_sdk"]
    assert "Tracer" not in bench.DEPS and "aws_xray_sdk" in bench.HEAVY


def test_the_whole_report_has_the_cold_start_against_issue_18s_baseline_and_every_route(tmp_path: Path) -> None:
    results = {"machine": "test", "cold_start": {"runs": 9, "app_median_ms": 255.9, "deps_median_ms": 250.3,
                                                 "ratio": 1.022, "target_ratio": 1.2, "heavy_on_cold_path": []},
               "calls_per_route": bench.calls_per_route(_write(tmp_path, FULL_RUN), AGENT_ROUTES),
               "rotation": {"70": {"median_ms": 0.2, "max_ms": 1.0}, "10000": {"median_ms": 150.0, "max_ms": 500.0},
                            "peak_rss_mb": 36.0},
               "import": None, "package": None, "server": None}
    text = bench.markdown(results)
    assert "255.9 ms vs 250.3 ms, ratio **1.022**" in text
    assert all(f"| {route} |" in text or f"| **{route}** |" in text for route in ROUTES)
    assert "chalice, pynamodb, boto3 and Powertools' Logger" in text
    assert "Over budget: POST /campaigns/{campaign_id}/next, GET /board, GET /me/calls." in text
