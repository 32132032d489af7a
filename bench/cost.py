"""What a call costs in DynamoDB, end to end, and the month's DynamoDB bill at district and state scale:
the capacity units bench/latency.py counted per call made (bench/capacity.py, in the moto
server), priced by infra/cost.py (on-demand list prices), for bench/results.md."""

from __future__ import annotations

from typing import Any

PARTS = (("hot", "lease and record (POST /next, POST /calls)"),
         ("lists", "the agent's two lists refreshed (GET /me/calls, /me/callbacks)"))


def per_call(capacity: dict[str, Any]) -> dict[str, float]:
    """Read and write units per call made, from a metered round's figures."""
    return {"rru": float(capacity["rru_per_call"]), "wru": float(capacity["wru_per_call"])}


def drift(measured: dict[str, float], assumed: dict[str, float], tolerance: float = 0.1) -> list[str]:
    """Where infra/cost.py's stated units per call are more than `tolerance` off the measured ones."""
    return [f"{k.upper()}_PER_CALL is {assumed[k]:g}, measured {measured[k]:g}" for k in ("rru", "wru")
            if abs(assumed[k] - measured[k]) > tolerance * measured[k]]


def markdown(latency: dict[str, Any]) -> list[str]:
    from infra import cost
    from infra.load import DISTRICT, STATE

    measured = latency["capacity"]
    # a tree whose round recorded no call (its errors are in bench/latency.json) has no figure per call
    failed = [lb for lb, c in measured.items() if not c.get("calls") or c.get("rru_per_call") is None]
    capacity = {lb: c for lb, c in measured.items() if lb not in failed}
    if not capacity:
        return ["", "## What a call costs in DynamoDB", "", "No call was recorded in the metered rounds of "
                f"{', '.join(failed)}: see their errors in bench/latency.json."]
    labels = list(capacity)
    first = capacity[labels[0]]
    lines = ["", "## What a call costs in DynamoDB", "",
             f"Capacity units counted as on-demand DynamoDB bills them (item sizes before and after each request, "
             f"eventually consistent reads at half a unit per 4 KB, transactional writes double, every index "
             f"write: bench/capacity.py, in the moto server), while {first['calls']} calls were made "
             f"by 35 agents (measured {latency['measured_at']}, the same run as the latency above). A call is its "
             "lease (which carries the number's reveal) and its record, and the agent's two lists refreshed once."
             + (f" No figure for {', '.join(failed)}: no call was recorded in its metered round." if failed else ""),
             "", "| per call made | " + " | ".join(f"{lb} reads (RRU) | {lb} writes (WRU)" for lb in labels) + " |",
             "|---|" + "---:|---:|" * len(labels)]
    for key, what in PARTS:
        cells = (f"{capacity[lb][key]['rru_per_call']} | {capacity[lb][key]['wru_per_call']}" for lb in labels)
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines.append("| **a call, end to end** | " + " | ".join(
        f"**{capacity[lb]['rru_per_call']}** | **{capacity[lb]['wru_per_call']}**" for lb in labels) + " |")
    lines.append("| DynamoDB requests per call | " + " | ".join(
        f"{round(capacity[lb]['hot']['requests_per_call'] + capacity[lb]['lists']['requests_per_call'], 2)} | "
        for lb in labels) + "|")
    for lb in labels:
        calls = capacity[lb]["calls"] or 1
        tables = capacity[lb]["hot"].get("by_table", {})
        if tables:
            top = ", ".join(f"{name.removeprefix('sampark-local-')} {units / calls:.1f}"
                            for name, units in list(tables.items())[:6])
            lines += ["", f"Write units per call by table ({lb}, lease and record): {top}."]
    p = cost.PRICES
    lines += ["", "### The month's DynamoDB bill", "",
              f"On-demand list prices (infra/cost.py: ${p['ddb_per_million_rru']} per million reads, "
              f"${p['ddb_per_million_wru']} per million writes, storage and PITR "
              f"${p['ddb_per_gb_month'] + p['pitr_per_gb_month']:.2f} per GB-month), {cost.DAYS} days; besides "
              "the calls, the supervisors' screens and four campaign activations a month per district, as "
              "infra/cost.py counts them.", "",
              "| scale | calls a day | " + " | ".join(f"calls' units, {lb} ($)" for lb in labels)
              + f" | all requests, {labels[-1]} ($) | storage + PITR ($) | DynamoDB in all, {labels[-1]} ($/month) |",
              "|---|---:|" + "---:|" * len(labels) + "---:|---:|---:|"]
    last = labels[-1]
    for load in (DISTRICT, STATE):
        months = {lb: cost.dynamodb_month(load, per_call(capacity[lb])["rru"], per_call(capacity[lb])["wru"])
                  for lb in labels}
        lines.append(f"| {load.name} | {load.calls_per_day:,} | "
                     + " | ".join(f"{months[lb]['calls_usd']:,.2f}" for lb in labels)
                     + f" | {months[last]['requests_usd']:,.2f} | {months[last]['storage_usd']:,.2f} | "
                     f"**{months[last]['total_usd']:,.2f}** |")
    assumed = {"rru": float(cost.RRU_PER_CALL), "wru": float(cost.WRU_PER_CALL)}
    off = drift(per_call(capacity[last]), assumed)
    lines += ["", "infra/cost.py (the README's cost table) states " + f"{assumed['rru']:g} read and "
              f"{assumed['wru']:g} write units per call: "
              + ("within 10 % of the measured figures." if not off else "**off the measured figures**: "
                 + "; ".join(off) + ".")]
    return lines
