"""The server benchmarks of issue 8 that `make bench` runs after the cold start (bench/__main__.py calls
`measure` and `markdown`): the 35-agent queue, the digest at 1,000 vs 50,000 calls, the peak memory of
each function's heaviest work, the state-scale partition simulation, and (issue 19) progress and the
digest at 1,000 vs 50,000 answered calls with the worst-case counter item's size, in one run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# Configured memory per function (infra/stack.py LAMBDA_MEMORY_MB: one size for every function).
FUNCTIONS = (  # (function, its heaviest work, where the figure comes from)
    ("API (api_handler)", "35 agents leasing and recording calls", "queue"),
    ("digest_day / digest_shift", "district digest, 50,000 calls' counters", "digest"),
    ("roster", "rotation of 10,000 agents", "rotation"),
    ("bulk_worker / import_uploaded", "one import chunk (500 new contacts)", "import_chunk"),
)


def configured_mb() -> int:
    """LAMBDA_MEMORY_MB of infra/stack.py, read from the source (importing it starts the CDK's node)."""
    text = (Path(__file__).resolve().parent.parent / "infra" / "stack.py").read_text(encoding="utf-8")
    match = re.search(r"^LAMBDA_MEMORY_MB = (\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError("infra/stack.py no longer sets LAMBDA_MEMORY_MB")
    return int(match.group(1))


def measure(rotation: dict[str, Any]) -> dict[str, Any]:
    # imported here: bench/__main__.py imports this module before its own fresh-process measurements, and
    # a child's peak RSS counts its parent's at the fork (so the parent stays small until now)
    from . import answers as bench_answers
    from . import digest as bench_digest
    from . import lease_queue
    from . import memory as bench_memory
    from . import state as bench_state

    queue = lease_queue.run()
    digest = bench_digest.digest_reads()
    memory = {name: bench_memory.fresh(name) for name in ("baseline", "import_chunk")}
    lost = float(queue["lost_races_per_lease"] or 0.0)
    shapes = {"per_district": bench_state.Shape(**{**bench_state.STATE.__dict__, "lost_races_per_lease": lost})}
    shapes["one_campaign"] = bench_state.Shape(**{**shapes["per_district"].__dict__, "one_campaign": True})
    state = {name: bench_state.run(shape) for name, shape in shapes.items()}
    answers = bench_answers.run()
    large = digest["runs"][str(bench_digest.SIZES[-1])]
    peaks = {"queue": {"peak_rss_mb": queue["api_peak_rss_mb"], "traced_peak_mb": None},
             "digest": {"peak_rss_mb": large["peak_rss_mb"], "traced_peak_mb": large["traced_peak_mb"]},
             "rotation": {"peak_rss_mb": rotation.get("peak_rss_mb"), "traced_peak_mb": None},
             "import_chunk": {"peak_rss_mb": memory["import_chunk"]["peak_rss_mb"],
                              "traced_peak_mb": memory["import_chunk"]["traced_peak_mb"]}}
    return {"queue": queue, "digest": digest, "memory": {**memory, "functions": [
        {"function": f, "work": w, **peaks[k], "configured_mb": configured_mb()} for f, w, k in FUNCTIONS]},
        "state": state, "answers": answers}


def _state_lines(name: str, s: dict[str, Any]) -> list[str]:
    shape = s["shape"]
    campaigns = "one campaign" if shape["one_campaign"] else f"one campaign per district ({shape['districts']})"
    lines = [f"### {name.replace('_', ' ')}: {shape['peak_calls']:,} calls in the peak hour "
             f"({shape['peak_share']:.0%} of {shape['calls_per_day']:,}), "
             f"{campaigns}, "
             f"{shape['lost_races_per_lease']} lost races per lease", "",
             "| table / index | kind | busiest partition key | mean /s | busiest second | limit | share | headroom |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for space, rows in s["busiest"].items():
        for kind in ("write", "read"):
            top = [r for r in rows if r["kind"] == kind][:1]  # the table keeps the top one; the JSON the top 5
            lines += [f"| {space} | {kind} | `{r['pk']}` | {r['per_s']} | {r['peak_s']} | {r['limit']} | "
                      f"{r['share_of_limit']:.1%} | {r['headroom']}x |" for r in top]
    h = s["hottest"]
    lines += ["", f"Hottest: {h['space']} `{h['pk']}` ({h['kind']}s), {h['peak_s']} units in its busiest second, "
              f"{h['share_of_limit']:.1%} of the {h['limit']} per-partition limit.", ""]
    return lines


def markdown(r: dict[str, Any]) -> list[str]:
    q, d, m = r["queue"], r["digest"], r["memory"]
    runs = d["runs"]
    lines = ["", "## Next-call queue, 35 agents (local stack)", "",
             f"{q['agents']} agents for {q['seconds']} s against `chalice local` + the moto server, {q['targets']} "
             f"targets: **{q['leases_per_s']} leases/s** ({q['leases']} leases, {q['recorded']} calls recorded, "
             f"{q['nothing_due']} nothing-due answers, {q.get('queue_busy', 0)} queue_busy answers asked again after "
             f"Retry-After); **{q['lost_races_per_lease']} lost races per lease** "
             f"({q['lost_races']} failed conditional lease writes of {q['lease_writes']}); **double leases: "
             f"{q['double_leases']}**; POST /next p50 {q['next_ms_p50']} ms, p95 {q['next_ms_p95']} ms; "
             f"API peak RSS {q['api_peak_rss_mb']} MB. Errors: {len(q['errors'])}.", "",
             "## Digest reads at 1,000 vs 50,000 calls", "",
             "| calls | DynamoDB calls | build (ms, moto in-process) | tracemalloc peak (MB) | process peak RSS (MB) |",
             "|---:|---:|---:|---:|---:|"]
    lines += [f"| {int(n):,} | {x['dynamodb_calls']} | {x['build_ms']} | {x['traced_peak_mb']} | {x['peak_rss_mb']} |"
              for n, x in runs.items()]
    first = next(iter(runs.values()))
    ops = ", ".join(f"{k} {v}" for k, v in first["ops"].items())
    lines += ["", f"Equal: **{'yes' if d['equal'] else 'NO'}** ({ops}; {first['units']} units, "
              f"{first['agents']} agents: the reads grow with units and agents, not calls).",
              "", "## Peak memory per function", "",
              f"A fresh interpreter that imports `app`: {m['baseline']['peak_rss_mb']} MB.", "",
              "| function | heaviest work | peak RSS (MB) | tracemalloc peak (MB) | configured (MB) |",
              "|---|---|---:|---:|---:|"]
    lines += [f"| {f['function']} | {f['work']} | {f['peak_rss_mb']} | {f['traced_peak_mb'] or '—'} | "
              f"{f['configured_mb']} |" for f in m["functions"]]
    lines += ["", "The digest and import figures are in-process under moto (its code and data count in the RSS).",
              "", "## State scale (simulation)", ""]
    for name, s in r["state"].items():
        lines += _state_lines(name, s)
    if "answers" in r:
        lines += _answers_lines(r["answers"])
    return lines


def _answers_lines(a: dict[str, Any]) -> list[str]:
    """Issue 19 point 5: reads that do not grow with answered calls, and the counter item's worst case."""
    runs = a["runs"]
    names = list(next(iter(runs.values()))["dynamodb_calls"])
    lines = ["## Answer tallies: reads at 1,000 vs 50,000 answered calls", "",
             "| answered calls | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    lines += [f"| {int(n):,} | " + " | ".join(str(x["dynamodb_calls"][k]) for k in names) + " |"
              for n, x in runs.items()]
    lines += ["", f"Equal: **{'yes' if a['equal'] else 'NO'}** (DynamoDB calls per operation and table, a "
              "BatchGetItem counted once per table it reads; the demo district, a per-unit yes/no, a choice and "
              "a number question).", "", "Counter item `c#<campaign>`/`u#<unit>` at the worst case (every "
              "figure and tally present, counts of 99,999,999, sums of 21 significant digits):", "",
              "| questions | attributes | bytes |", "|---|---:|---:|"]
    limits = a["worst_case_item"]["limits"]
    for kind, x in a["worst_case_item"].items():
        if kind != "limits":
            label = kind if kind == "no questions" else f"{limits['questions']} × {kind}" + (
                f" ({limits['choices']} choices)" if kind == "choice" else "")
            lines.append(f"| {label} | {x['attributes']} | {x['bytes']:,} |")
    return [*lines, ""]
