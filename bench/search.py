"""Benchmark of finding a person (`GET /contacts/search`, issue 16 points 1 and 10):
`python -m bench.search [--sizes 20000,200000] [--json]`.

A district (7 assemblies, 70 mandals, 350 shakti kendras, 1,750 booths) is loaded into an in-process
moto account with N contacts (names drawn from common Hindi names, each with its Devanagari and Latin
spelling; unique mobile numbers) and their phone claims: each item serialised by the store's model (so
a contact carries its name-index keys, as every put does) and handed to moto's backend directly. Then the search
service, as the route calls it (no district named: the deployment's only district is found too), is
asked for: a phone written as people write it (`098765 43210`, `+91-98765-43210`, Devanagari digits),
a Devanagari name prefix (one letter, a first name, a full name without its nukta), a Latin prefix
(lower case, a full name with a capital and a space), and a name nobody has. For each: the DynamoDB
calls of one search (counted as they are made) and the latency, p50 and p95.

The calls are the figure that carries over to DynamoDB: they do not depend on the district's size. The
latency is moto's in this process, and moto answers a Query of an index by walking every item of the
table, so here it grows with N; DynamoDB reads one partition of the index, whatever N is.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

FIRST = [("राम", "Ram"), ("श्याम", "Shyam"), ("सीता", "Sita"), ("गीता", "Geeta"), ("मोहन", "Mohan"),
         ("सुरेश", "Suresh"), ("रमेश", "Ramesh"), ("ज़ाकिर", "Zakir"), ("अनिल", "Anil"), ("सुनीता", "Sunita"),
         ("प्रकाश", "Prakash"), ("कमला", "Kamla"), ("दिनेश", "Dinesh"), ("लक्ष्मी", "Lakshmi"),
         ("विजय", "Vijay"), ("अशोक", "Ashok"), ("पूजा", "Pooja"), ("महेश", "Mahesh"), ("राजेश", "Rajesh"),
         ("किरण", "Kiran"), ("भगवती", "Bhagwati"), ("हरि", "Hari"), ("नरेंद्र", "Narendra"), ("उषा", "Usha")]
LAST = [("यादव", "Yadav"), ("वर्मा", "Verma"), ("पटेल", "Patel"), ("साहू", "Sahu"), ("ठाकुर", "Thakur"),
        ("ख़ान", "Khan"), ("मालवीय", "Malviya"), ("उइके", "Uikey"), ("धुर्वे", "Dhurve"), ("रघुवंशी", "Raghuvanshi"),
        ("शर्मा", "Sharma"), ("चौहान", "Chouhan"), ("सोनी", "Soni"), ("कुशवाहा", "Kushwaha"), ("मरावी", "Maravi")]
ROLES = ["booth_committee_member", "panna_pramukh", "booth_president"]
DISTRICT = "chw"
SHAPE = (7, 10, 5, 5)  # assemblies, mandals per assembly, kendras per mandal, booths per kendra
SEARCHES = 15  # of each kind, at each size
LIMIT = 25  # the page the search screen asks for


def _units() -> list[Any]:
    from chalicelib.org.store import ROOT, UnitModel

    at = "2026-01-01T00:00:00.000Z"

    def unit(unit_id: str, level: str, parent: str | None, path: str) -> Any:
        return UnitModel(unit_id, level=level, name_hi=unit_id, name_en=unit_id, parent_id=parent,
                         parent_key=parent or ROOT, child_sort=f"{unit_id}#{unit_id}", path=path,
                         district_id=DISTRICT, created_at=at, updated_at=at)

    units = [unit(DISTRICT, "district", None, f"{DISTRICT}/")]
    a_n, m_n, k_n, b_n = SHAPE
    for a in range(1, a_n + 1):
        aid = f"{DISTRICT}-a{a}"
        units.append(unit(aid, "assembly", DISTRICT, f"{DISTRICT}/{aid}/"))
        for m in range(1, m_n + 1):
            mid = f"{aid}-m{m:02d}"
            units.append(unit(mid, "mandal", aid, f"{DISTRICT}/{aid}/{mid}/"))
            for k in range(1, k_n + 1):
                kid = f"{mid}-k{k}"
                units.append(unit(kid, "shakti_kendra", mid, f"{DISTRICT}/{aid}/{mid}/{kid}/"))
                for b in range(1, b_n + 1):
                    bid = f"{kid}-b{b}"
                    units.append(unit(bid, "booth", kid, f"{DISTRICT}/{aid}/{mid}/{kid}/{bid}/"))
    return units


def phone_of(i: int) -> str:
    return f"+9198{i:08d}"


def _put(model: Any) -> None:
    """An item as the store serialises it (a contact's put carries its name-index keys), handed to moto's
    DynamoDB backend directly: the request path of 400,000 BatchWriteItem entries (botocore, JSON,
    moto's parsing) would take most of an hour on a busy machine and measures nothing here."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from bench.moto_account import REGION

    dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].put_item(model.Meta.table_name, model.serialize())


def load(start: int, stop: int, booths: list[Any], rng: random.Random) -> None:
    """Contacts start..stop-1 and their phone claims."""
    from chalicelib.core.ids import new_id
    from chalicelib.org.store import ContactModel, PhoneClaimModel, claim_key

    at = "2026-01-01T00:00:00.000Z"
    for i in range(start, stop):
        (first_hi, first_en), (last_hi, last_en) = rng.choice(FIRST), rng.choice(LAST)
        booth = booths[i % len(booths)]
        role = ROLES[i % len(ROLES)]
        contact_id, phone = new_id("ct"), phone_of(i)
        _put(ContactModel(
            contact_id, district_id=DISTRICT, unit_id=booth.unit_id, tree_key=f"{booth.path}{contact_id}",
            district_role=f"{DISTRICT}#{role}", role=role, name_hi=f"{first_hi} {last_hi}",
            name_en=f"{first_en} {last_en}", phone=phone, phone_last4=phone[-4:], language="hi",
            consent_source="party_register", consent_purpose="party outreach", consent_at=at, opted_out=False,
            wrong_number=False, created_at=at, updated_at=at, created_by="bench", version=1))
        _put(PhoneClaimModel(claim_key(DISTRICT, phone), contact_id=contact_id))


def _devanagari_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "०१२३४५६७८९"))


def queries(n: int, rng: random.Random) -> dict[str, list[str]]:
    """SEARCHES texts of each kind, as people type them."""

    def local(i: int) -> str:
        return phone_of(i)[3:]

    picks = [rng.randrange(n) for _ in range(SEARCHES)]
    firsts = [rng.choice(FIRST) for _ in range(SEARCHES)]
    fulls = [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(SEARCHES)]
    return {
        "phone 098765 43210": [f"0{local(i)[:5]} {local(i)[5:]}" for i in picks],
        "phone +91-98765-43210": [f"+91-{local(i)[:5]}-{local(i)[5:]}" for i in picks],
        "phone in Devanagari digits": [_devanagari_digits(local(i)) for i in picks],
        "Devanagari, one letter": [f[0][0] for f in firsts],
        "Devanagari, first name": [f[0] for f in firsts],
        "Devanagari, full name without nukta": [f"{a[0]} {b[0]}".replace("\u093c", "") for a, b in fulls],
        "Latin, first name lower case": [f[1].lower() for f in firsts],
        "Latin, full name": [f"{a[1]} {b[1]}" for a, b in fulls],
        "a name nobody has": ["Xyzzy"] * SEARCHES,
    }


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def measure_size(n: int, search: Callable[[str], dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    from bench.moto_account import dynamodb_calls

    rows: list[dict[str, Any]] = []
    for kind, texts in queries(n, rng).items():
        calls, ms, found = [], [], []
        for text in texts:
            with dynamodb_calls() as seen:
                started = time.perf_counter()
                body = search(text)
                ms.append((time.perf_counter() - started) * 1000)
            calls.append(sum(seen.values()))
            found.append(len(body["items"]))
            ops = dict(sorted(seen.items()))
        rows.append({"kind": kind, "searches": len(texts), "calls_min": min(calls), "calls_max": max(calls),
                     "ops": ops, "found_median": statistics.median(found),
                     "p50_ms": round(_pct(ms, 0.5), 1), "p95_ms": round(_pct(ms, 0.95), 1)})
    return {"contacts": n, "rows": rows, "calls_max": max(r["calls_max"] for r in rows)}


def run(sizes: list[int], seed: int = 16) -> dict[str, Any]:
    from bench.moto_account import moto_account, rss_mb
    from chalicelib.org import search as service

    rng = random.Random(seed)
    out: dict[str, Any] = {"sizes": [], "searches_per_kind": SEARCHES, "page": LIMIT,
                           "where": "moto in-process; the search service as the route calls it (no district named)"}
    with moto_account():
        units = _units()
        for unit in units:
            _put(unit)
        booths = [u for u in units if u.level == "booth"]
        loaded = 0
        for n in sorted(sizes):
            started = time.perf_counter()
            load(loaded, n, booths, rng)
            load_s = time.perf_counter() - started
            loaded = n
            figures = measure_size(n, lambda q: service.search_contacts(q, None, LIMIT, None), rng)
            figures["load_s"] = round(load_s, 1)
            out["sizes"].append(figures)
            print(f"search: {n:,} contacts loaded in {load_s:.0f} s; at most {figures['calls_max']} DynamoDB calls "
                  "a search", file=sys.stderr)
    calls = [s["calls_max"] for s in out["sizes"]]
    out["calls_grow"] = calls != sorted(calls)[:1] * len(calls)
    out["booths"] = len(booths)
    out["peak_rss_mb"] = rss_mb()
    return out


def markdown(r: dict[str, Any]) -> list[str]:
    sizes = r["sizes"]
    head = " | ".join(f"{s['contacts']:,}: calls | p50 ms | p95 ms" for s in sizes)
    most = ", ".join(f"at most {s['calls_max']} at {s['contacts']:,}" for s in sizes)
    lines = ["", "## Finding a person (search)", "",
             f"`GET /contacts/search` through its service in {r['where']}: a district of {r['booths']:,} booths, "
             f"{r['searches_per_kind']} searches of each kind at each size, pages of {r['page']} "
             "(bench/search.py). DynamoDB calls per search do "
             f"{'**grow**' if r['calls_grow'] else 'not grow'} with the district "
             f"({most}). "
             "The latency is moto's: it answers a Query of an index by walking the whole table, so it grows with "
             "the contacts here; DynamoDB reads one partition of the index whatever their number.", "",
             f"| search | {head} | operations |",
             "|---|" + "---:|---:|---:|" * len(sizes) + "---|"]
    for i, row in enumerate(sizes[0]["rows"]):
        cells = []
        for s in sizes:
            x = s["rows"][i]
            span = str(x["calls_max"]) if x["calls_min"] == x["calls_max"] else f"{x['calls_min']}–{x['calls_max']}"
            cells.append(f"{span} | {x['p50_ms']} | {x['p95_ms']}")
        ops = ", ".join(f"{op} {n}" for op, n in sizes[-1]["rows"][i]["ops"].items())
        lines.append(f"| {row['kind']} | {' | '.join(cells)} | {ops} |")
    before = [0] + [s["contacts"] for s in sizes[:-1]]
    loads = "; ".join(f"{s['contacts'] - b:,} contacts in {s['load_s']} s" for s, b in zip(sizes, before, strict=True))
    lines += ["", "Loading (the models' items straight into moto's backend, each size adding to the one before): "
              + loads +
              f"; peak RSS {r['peak_rss_mb']} MB. Latencies are wall-clock on the machine above, shared with other "
              "runs at the time; compare the calls, not the milliseconds."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (make bench reads them)")
    args = parser.parse_args()
    result = run([int(s) for s in args.sizes.split(",")])
    print(json.dumps(result) if args.json else "\n".join(markdown(result)))


if __name__ == "__main__":
    main()
