"""The DynamoDB delay of the local stack (devtools/ddb_latency.py, SAMPARK_DDB_DELAY_MS) and the latency
bench's arithmetic (bench/latency.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from bench import latency as bench_latency
from devtools.ddb_latency import DELAY_ENV, delay_ms
from devtools.local_stack import ROOT, LocalStack, free_port


@pytest.mark.parametrize("raw, expected", [(None, 0.0), ("", 0.0), ("  ", 0.0), ("0", 0.0), ("6", 6.0),
                                           ("2.5", 2.5), ("1000", 1000.0)])
def test_the_delay_setting_reads_milliseconds_and_is_off_by_default(raw: str | None, expected: float) -> None:
    assert delay_ms({} if raw is None else {DELAY_ENV: raw}) == expected


@pytest.mark.parametrize("raw", ["six", "6ms", "-1", "1001", "nan", "inf"])
def test_a_bad_delay_is_refused_naming_the_setting(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=DELAY_ENV):
        delay_ms({DELAY_ENV: raw})
    monkeypatch.setenv(DELAY_ENV, raw)
    with pytest.raises(ValueError, match=DELAY_ENV):
        LocalStack()  # `make run` and the e2e stacks refuse it before starting anything


class Spawned(Exception):
    pass


def _moto_spawn(monkeypatch: pytest.MonkeyPatch, env_value: str | None,
                **kwargs: Any) -> tuple[list[str], dict[str, str]]:
    """What the stack would start as its moto server (stopped at that point: nothing is started)."""
    seen: dict[str, Any] = {}

    class Probe(LocalStack):
        def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Any:
            seen.update(name=name, args=args, env=env)
            raise Spawned

    if env_value is None:
        monkeypatch.delenv(DELAY_ENV, raising=False)
    else:
        monkeypatch.setenv(DELAY_ENV, env_value)
    saved = dict(os.environ)
    try:
        with pytest.raises(Spawned):
            Probe(**kwargs).start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert seen["name"] == "moto"
    return seen["args"], seen["env"]


def test_the_stack_starts_moto_through_the_delay_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    args, env = _moto_spawn(monkeypatch, "6")
    assert args[1:3] == ["-m", "devtools.ddb_latency"] and env[DELAY_ENV] == "6"
    args, env = _moto_spawn(monkeypatch, None, ddb_delay_ms=12.5)
    assert args[1:3] == ["-m", "devtools.ddb_latency"] and env[DELAY_ENV] == "12.5"


def test_without_the_setting_the_stack_starts_plain_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    args, env = _moto_spawn(monkeypatch, None)
    assert args[1:3] == ["-m", "devtools.moto_local"] and DELAY_ENV not in env
    args, _ = _moto_spawn(monkeypatch, "0")
    assert args[1:3] == ["-m", "devtools.moto_local"]


def _fastest(call: Any, n: int = 4) -> float:
    best = float("inf")
    for _ in range(n):
        started = time.perf_counter()
        call()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


@pytest.mark.parametrize("by_path", [False, True])
def test_the_server_answers_every_dynamodb_request_after_the_delay(by_path: bool) -> None:
    """The real server process: DynamoDB requests take at least the delay, other services do not wait.
    By path is how the bench starts it against another checkout."""
    port = free_port()
    env = {**os.environ, DELAY_ENV: "300", "PYTHONPATH": str(ROOT)}
    env.pop("SAMPARK_PARENT_PID", None)
    target = [str(ROOT / "devtools" / "ddb_latency.py")] if by_path else ["-m", "devtools.ddb_latency"]
    proc = subprocess.Popen([sys.executable, *target, "-H", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                requests.get(f"{url}/moto-api/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        kw: dict[str, Any] = {"region_name": "ap-south-1", "endpoint_url": url, "aws_access_key_id": "x",
                              "aws_secret_access_key": "x"}
        ddb, sqs = boto3.client("dynamodb", **kw), boto3.client("sqs", **kw)
        ddb.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        assert _fastest(lambda: ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})) >= 300
        assert _fastest(lambda: ddb.list_tables()) >= 300
        assert _fastest(lambda: sqs.list_queues()) < 300
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _round(agents: int, p50: float, p95: float) -> dict[str, Any]:
    return {"agents": agents, "routes": {route: {"p50_ms": p50, "p95_ms": p95, "requests": 10}
                                         for route in (bench_latency.NEXT, bench_latency.CALLS)},
            "loadavg_before": [2.0, 1.0, 1.0], "error_count": 0, "double_leases": 0}


def test_the_table_shows_the_median_of_the_repetitions_per_tree() -> None:
    rounds = [_round(35, 10, 20), _round(35, 30, 90), _round(35, 20, 40), _round(350, 500, 900)]
    med = bench_latency.medians(rounds)
    assert med["35"][bench_latency.NEXT] == {"p50_ms": 20, "p95_ms": 40}
    assert med["350"][bench_latency.CALLS] == {"p50_ms": 500, "p95_ms": 900}
    result = {"delay_ms": 6.0, "measured_at": "2026-12-03T14:30:00+00:00", "reps": 3, "sizes": [[35, 6], [350, 2]],
              "machine": "x86_64, 2 cores", "median": {"before": med, "after": bench_latency.medians(rounds[:1])},
              "rounds": {"before": rounds, "after": rounds[:1]},
              "trees": {"before": {"commit": "0bd7102", "uncommitted_files": 0},
                        "after": {"commit": "abc1234", "uncommitted_files": 2}}}
    with pytest.raises(KeyError):  # the after tree has no 350 round: nothing is made up for it
        bench_latency.markdown(result)
    result["median"]["after"] = med
    text = "\n".join(bench_latency.markdown(result))
    assert "| `POST /campaigns/{campaign_id}/next` | 35 | 20 | 40 | 20 | 40 |" in text
    assert "6 ms" in text and "0bd7102" in text and "2 files uncommitted" in text


def test_percentiles_are_nearest_rank() -> None:
    assert bench_latency.pct([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert bench_latency.pct(list(map(float, range(1, 101))), 0.95) == 96.0
    assert bench_latency.pct([], 0.5) is None


def test_the_extra_agents_are_named_after_the_seeded_ones() -> None:
    names = bench_latency.agent_names(350)
    assert names[0] == "agent01" and names[69] == "agent70" and names[70] == "bench071" and len(set(names)) == 350


def test_the_backlog_shim_is_a_sitecustomize() -> None:
    assert (Path(bench_latency.__file__).with_name("backlog") / "sitecustomize.py").exists()


def _capacity(rru: float, wru: float) -> dict[str, Any]:
    part = {"rru_per_call": rru / 2, "wru_per_call": wru / 2, "requests_per_call": 5.0, "by_table": {}}
    return {"calls": 140, "hot": {**part, "by_table": {"sampark-local-calls": 140 * 3.0}}, "lists": part,
            "rru_per_call": rru, "wru_per_call": wru}


def test_the_cost_of_a_call_is_priced_at_both_scales() -> None:
    from bench import cost as bench_cost
    from infra import cost
    from infra.load import DISTRICT, STATE

    latency = {"measured_at": "2026-12-03T14:30:00+00:00",
               "capacity": {"before": _capacity(8.0, 36.0), "after": _capacity(4.0, 20.0)}}
    text = "\n".join(bench_cost.markdown(latency))
    assert "| **a call, end to end** | **8.0** | **36.0** | **4.0** | **20.0** |" in text
    assert "calls 3.0" in text  # write units per call by table
    district = cost.dynamodb_month(DISTRICT, rru_per_call=4.0, wru_per_call=20.0)
    # 300,000 calls a month: 1.2 M reads at $0.125 and 6 M writes at $0.625 per million
    assert district["calls_usd"] == pytest.approx(300_000 * (4 * 0.125 + 20 * 0.625) / 1e6)
    assert f"| district | 10,000 | {300_000 * (8 * 0.125 + 36 * 0.625) / 1e6:,.2f} | " \
           f"{district['calls_usd']:,.2f} |" in text
    state = cost.dynamodb_month(STATE, rru_per_call=4.0, wru_per_call=20.0)
    assert f"**{state['total_usd']:,.2f}**" in text and state["calls_usd"] == pytest.approx(30 * district["calls_usd"])


def test_cost_py_stating_other_units_than_measured_is_shown() -> None:
    from bench import cost as bench_cost

    assert bench_cost.drift({"rru": 4.0, "wru": 20.0}, {"rru": 4.2, "wru": 20.0}) == []
    assert bench_cost.drift({"rru": 4.0, "wru": 20.0}, {"rru": 6.0, "wru": 19.0}) == [
        "RRU_PER_CALL is 6, measured 4"]


def test_the_report_places_the_latency_the_cost_and_the_web_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import __main__ as bench

    rounds = [_round(35, 10, 20), _round(350, 500, 900)]
    latency = {"delay_ms": 6.0, "measured_at": "2026-12-03T14:30:00+00:00", "reps": 1, "sizes": [[35, 4], [350, 1]],
               "machine": "x86_64, 2 cores", "median": {"before": bench_latency.medians(rounds),
                                                        "after": bench_latency.medians(rounds)},
               "rounds": {"before": rounds, "after": rounds},
               "trees": {"before": {"commit": "0bd7102", "uncommitted_files": 0},
                         "after": {"commit": "abc1234", "uncommitted_files": 0}},
               "capacity": {"before": _capacity(8.0, 36.0), "after": _capacity(4.0, 20.0)}}
    base = {"machine": "m", "cold_start": {"runs": 9, "app_median_ms": 1.0, "deps_median_ms": 1.0, "ratio": 1.0,
                                           "target_ratio": 1.2, "heavy_on_cold_path": []},
            "calls_per_route": {"run": {"ran": 1, "collected": 1, "failed": 0}, "rows": [], "over_budget": [],
                                "scans": []},
            "rotation": {"70": {"median_ms": 0.2, "max_ms": 1.0}, "10000": {"median_ms": 1.0, "max_ms": 2.0},
                         "peak_rss_mb": 1.0}, "import": None, "package": None, "server": None}
    text = bench.markdown({**base, "latency": latency, "web": {"gzip_bytes": 41234, "files": ["app.js", "ui.js"]}})
    assert "| `POST /calls` | 350 | 500 | 900 | 500 | 900 |" in text
    assert "| **a call, end to end** | **8.0** | **36.0** | **4.0** | **20.0** |" in text
    assert "## Web client size" in text and "| gzip_bytes | 41,234 |" in text
    assert "Not measured: `python -m bench.latency" in bench.markdown({**base, "latency": None, "web": None})
    monkeypatch.setattr(bench, "BENCH", Path("/nonexistent"))
    assert bench.latency() is None

