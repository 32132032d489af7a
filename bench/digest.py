"""A district digest at 1,000 and at 50,000 calls: `python -m bench.digest [CALLS]`.

The demo district (2,488 units, 70 agents) in an in-process moto account, one active campaign whose
activation counted every unit as targeted, and the day's calls written to the counters as the call
transaction writes them (ADD on the unit's all-time item and day item for each unit on the path, and
on the agent's day item), summed per key so that 50,000 calls take seconds. Then the district digest
is built (chalicelib.digests.service.build) and measured: its DynamoDB calls, wall time, the peak of
Python memory allocated while it runs (tracemalloc) and the process's peak RSS (a fresh process per
size: `main` runs each in its own interpreter).
"""

from __future__ import annotations

import json
import subprocess  # nosec B404 - fresh interpreters of our own code, fixed arguments
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-03-10"
SIZES = (1_000, 50_000)
DISPOSITIONS = ("connected", "no_answer", "busy", "callback_requested", "declined")


def seed(calls: int) -> dict[str, Any]:
    from chalicelib.campaigns import rules as campaign_rules
    from chalicelib.campaigns.store import CampaignModel
    from chalicelib.org.store import UnitModel
    from chalicelib.reporting import counters
    from chalicelib.reporting.counters import CounterModel
    from devtools.demo_data import generate_district
    from devtools.seed import _batch_put, _unit_models

    district = generate_district(7)
    now = f"{DAY}T03:00:00.000+00:00"
    units = _unit_models(district, now)
    _batch_put(UnitModel, units)
    campaign_id = "cp_" + "0" * 25 + "1"
    CampaignModel(campaign_id, status="active", list_sort=f"chw#{now}#{campaign_id}", kind="programme_relay",
                  title_hi="कार्यक्रम सूचना", title_en="Programme relay", script_hi="नमस्ते", script_en="Hello",
                  questions=[], target_unit_id="chw", target_roles=["booth_president"], target_path="chw/",
                  target_level="district", district_id="chw", starts_on=DAY, ends_on=DAY, calling_start="09:00",
                  calling_end="21:00", max_attempts=3, retry_delay_minutes=120, lease_minutes=10, version=2,
                  created_by="admin", created_at=now, updated_at=now, activated_at=now,
                  targets_created=len([u for u in units if u.level == "booth"])).save()
    booths = [u for u in units if u.level == "booth"]
    paths = {b.unit_id: campaign_rules.path_units(f"{b.path}ct_x", "booth_president") for b in booths}
    sums: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[str, str], dict[str, str]] = {}
    for booth in booths:  # activation: one target per booth, every unit on its path targeted
        for unit in paths[booth.unit_id]:
            key = counters.campaign_unit(campaign_id, unit.unit_id)
            sums[key]["targets"] += 1
            labels[key] = {"unit_id": unit.unit_id, "level": unit.level}
    above = {u.unit_id: p[i:] for p in paths.values() for i, u in enumerate(p)}  # a unit and its ancestors
    for chain in above.values():  # each unit targeted counts once, at itself and every ancestor
        for ancestor in chain:
            sums[counters.campaign_unit(campaign_id, ancestor.unit_id)][f"targeted_{chain[0].level}"] += 1
    agents = [a.username for a in district.agents if a.role == "agent"]
    for i in range(calls):  # the day's calls, spread over every booth and agent
        booth, agent, disposition = booths[i % len(booths)], agents[i % len(agents)], DISPOSITIONS[i % 5]
        base = {"attempts": 1, f"d_{disposition}": 1, "talk_s": 60, "connects": int(disposition == "connected")}
        for unit in paths[booth.unit_id]:
            for key in (counters.campaign_unit(campaign_id, unit.unit_id),
                        counters.day_unit(DAY, campaign_id, unit.unit_id)):
                sums[key].update(base)
                labels[key] = {"unit_id": unit.unit_id, "level": unit.level}
        key = counters.day_agent(DAY, agent)
        sums[key].update(base)
        labels[key] = {"agent": agent}
    # each item as its ADDs leave it (one BatchWriteItem per 25 items: the same items, in far fewer calls)
    with CounterModel.batch_write() as batch:
        for key, figures in sums.items():
            batch.save(CounterModel(key[0], key[1], **labels.get(key, {}), **figures))  # type: ignore[arg-type,misc]
    return {"units": len(units), "agents": len(agents), "counter_items": len(sums)}


def measure(calls: int) -> dict[str, Any]:
    from chalicelib.digests import service

    from .moto_account import dynamodb_calls, moto_account, rss_mb, traced

    with moto_account():
        seeded = seed(calls)
        before = rss_mb()
        with dynamodb_calls() as seen:
            started = time.perf_counter()
            content, _ = service.build("district", DAY)
            seconds = time.perf_counter() - started
        _, peak = traced(lambda: service.build("district", DAY))  # again, under tracemalloc (slower)
        assert content["headline"]["attempts"] == calls, content["headline"]
        assert not any(op.endswith(" calls") for op in seen), seen  # never the call logs
        return {"calls": calls, **seeded, "dynamodb_calls": sum(seen.values()), "ops": dict(sorted(seen.items())),
                "build_ms": round(seconds * 1000, 1), "traced_peak_mb": peak, "rss_before_mb": before,
                "peak_rss_mb": rss_mb()}


def run_fresh(calls: int) -> dict[str, Any]:
    from .moto_account import clean_env

    proc = subprocess.run([sys.executable, "-m", "bench.digest", str(calls)], cwd=ROOT,  # nosec B603
                          env=clean_env(), capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def digest_reads() -> dict[str, Any]:
    """Both sizes, each in a fresh interpreter, side by side."""
    runs = {str(n): run_fresh(n) for n in SIZES}
    small, large = (runs[str(n)] for n in SIZES)
    return {"runs": runs, "equal": small["ops"] == large["ops"]}


def main(argv: list[str]) -> int:
    if argv:
        print(json.dumps(measure(int(argv[0]))))
    else:
        print(json.dumps(digest_reads(), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
