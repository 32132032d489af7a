"""The performance room's reads at 70 and 1,000 agents over a month, at two call volumes each, and what issue
20 adds to a call's writes: `python -m bench.reports` (JSON on stdout; `--markdown` for the results' section).

Each size in a fresh in-process moto account (bench/moto_account.py): the agents (one firm) written as
POST /agents stores them, the month's rosters generated through chalicelib.shifts.rosters (the clock set
before each period), and every agent's day item of the month as the hot paths leave it (reporting/counters.py:
attempts, connects, talk time, activity, quality figures) written with the counters' own model, its figures
scaled to the call volume; the flagged calls of one day as the call's transaction writes them. Then each
report is run through its service (the function its route calls) and its DynamoDB calls counted
(devtools/call_counter.py): GET /reports/agents (one page of 100, the whole month), GET /reports/vendor,
the monthly vendor job (the email with its CSV), GET /reports/flags (one page of a day). The number of
calls depends on the agents (the pages of a day's items, the staff directory) and never on the calls.

The write units: a call's agent day item before issue 20 and after it (bench/capacity.py's item size, as
DynamoDB bills an update: the larger image, per started KB, doubled in a transaction), and the flag item a
flagged call adds, times the share of flagged calls."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any

MONTH = "2026-11"
SIZES = ((70, 40), (70, 400), (1000, 40), (1000, 400))  # agents, calls per agent per working day
FLAG_SHARE = 0.02  # share of calls flagged (short, rapid or same answers) assumed for the write units
FIRM = {"id": "sewa-bpo", "name_hi": "सेवा कॉल सर्विसेज़", "name_en": "Sewa Call Services"}
RECIPIENT = "district-office@example.org"


def _day_item(day: str, agent: str, calls: int, n: int) -> dict[str, Any]:
    """An agent's day item as the hot paths leave it after `calls` calls (issue 20's attributes included)."""
    connects = calls * 55 // 100
    start = datetime.fromisoformat(f"{day}T02:35:00+00:00") + timedelta(seconds=n % 300)
    return {
        "agent": agent, "attempts": calls, "connects": connects, "talk_s": connects * 140 + calls * 10,
        "d_connected": connects, "d_no_answer": calls - connects, "last_active_at": (start + timedelta(hours=6))
        .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "first_at": start.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "active_s": 5 * 3600 + n % 1800, "idle_n": 2, "idle_s": 2400, "signins": 1, "callbacks_made": calls // 20,
        "callbacks_kept": calls // 25, "ans_asked": connects * 3, "ans_given": connects * 3 - connects // 4,
        "short_n": calls // 100, "rapid_n": calls // 200, "same_n": calls // 150, "flags_n": calls // 50,
        "rapid_min": f"{day}T08:41", "rapid_min_n": 2, "ans_hash": "3f2a9c0d1e4b5a67", "ans_run": 1,
        "verified": calls // 30, "discrepant": calls // 120, "paced": n % 2,
    }


def seed(agents: int, calls_per_day: int) -> dict[str, Any]:
    from chalicelib.core import clock
    from chalicelib.core.clock import IST, iso
    from chalicelib.digests import config as digest_config
    from chalicelib.reporting import counters
    from chalicelib.reporting.counters import CounterModel
    from chalicelib.shifts import config_store, rosters
    from chalicelib.shifts import rules as shift_rules
    from chalicelib.shifts.agent_store import AgentModel
    from chalicelib.shifts.agents import agent_record
    from devtools.demo_month import month_days

    days = month_days(MONTH)
    at = iso(datetime(2026, 10, 20, tzinfo=IST))
    config_store.put_config("employers", {"employers": [FIRM]}, 0, at, "bench")
    digest_config.put_settings({"version": 0, "audiences": {"district": {"recipients": [RECIPIENT]}}})
    names = [f"agent{i:04d}" for i in range(1, agents + 1)]
    with AgentModel.batch_write() as batch:
        for username in names:
            batch.save(agent_record({"username": username, "role": "agent", "name_hi": f"एजेंट {username[5:]}",
                                     "name_en": f"Agent {username[5:]}", "email": f"{username}@example.org",
                                     "phone": None, "languages": ["hi"], "active": True, "employer": FIRM["id"]},
                                    "bench", at))
    starts = sorted({shift_rules.period_start(d, 1) for d in days})
    for start in starts:  # each period's roster, generated the day before it starts
        eve = datetime.combine(start - timedelta(days=1), datetime.min.time(), IST)
        with clock.simulated(lambda eve=eve: eve):  # type: ignore[misc]
            rosters.generate_roster(shift_rules.period_id(start), "bench", {})
    working = [d for d in days if d.weekday() < 6]
    items = 0
    with CounterModel.batch_write() as batch:
        for day in working:
            for n, username in enumerate(names):
                pk, sk = counters.day_agent(day.isoformat(), username)
                batch.save(CounterModel(pk, sk, **_day_item(day.isoformat(), username, calls_per_day, n)))  # type: ignore[arg-type]
                items += 1
    flagged = int(agents * calls_per_day * FLAG_SHARE)  # one day's flagged calls (GET /reports/flags reads a day)
    first = working[0].isoformat()
    with CounterModel.batch_write() as batch:
        for i in range(flagged):
            started = f"{first}T05:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
            flag = _flag(names[i % agents], started, i)
            batch.save(CounterModel(f"flags#{first}", f"{started}#call-{i:06d}", **flag))  # type: ignore[arg-type]
    return {"agents": agents, "calls_per_day": calls_per_day, "calls_in_month": calls_per_day * agents * len(working),
            "day_items": items, "flag_items_of_the_day": flagged, "periods": len(starts)}


def _flag(agent: str, started: str, i: int) -> dict[str, Any]:
    return {"agent": agent, "campaign_id": "cp_" + "0" * 25 + "1", "contact_id": f"ct_{i:020d}",
            "call_id": f"call-{i:06d}", "disposition": "connected", "duration_s": 8, "started_at": started,
            "reasons": ["short"], "name_hi": "राम यादव", "name_en": "Ram Yadav"}


def measure(agents: int, calls_per_day: int) -> dict[str, Any]:
    from chalicelib.core import clock
    from chalicelib.core.clock import IST
    from chalicelib.performance import service, vendor
    from devtools.demo_month import job_time, month_days

    from .moto_account import dynamodb_calls, moto_account

    out: dict[str, Any] = {}
    with moto_account():
        started = time.perf_counter()
        out["seeded"] = seed(agents, calls_per_day)
        out["seed_s"] = round(time.perf_counter() - started, 1)
        days = month_days(MONTH)
        fired = job_time(MONTH)
        runs = {
            "GET /reports/agents (a page of 100, the month)": lambda: service.agents_report(service.AgentsQuery(
                days[0].isoformat(), days[-1].isoformat(), FIRM["id"], None)),
            "GET /reports/vendor": lambda: service.vendor_report(MONTH, True),
            "the monthly vendor job (email + CSV)": lambda: vendor.scheduled(fired),
            "GET /reports/flags (a page of a day)": lambda: service.flags(days[1].isoformat(), None, None, 100),
        }
        for name, run in runs.items():
            with clock.simulated(lambda: datetime.combine(date(2026, 12, 1), datetime.min.time(), IST)
                                 + timedelta(minutes=30)), dynamodb_calls() as seen:
                t0 = time.perf_counter()
                result = run()
                seconds = time.perf_counter() - t0
            out[name] = {"dynamodb_calls": sum(seen.values()), "ops": dict(sorted(seen.items())),
                         "ms": round(seconds * 1000)}
            assert not any(op.endswith(" calls") for op in seen), seen  # never the call logs
            if name.startswith("the monthly"):
                assert result.get("emails") == 1, result
    return out


# ---- what issue 20 adds to a call's writes ------------------------------------------------------------


def _ddb(item: dict[str, Any]) -> dict[str, Any]:
    return {k: ({"N": str(v)} if isinstance(v, int) else {"L": [{"S": x} for x in v]} if isinstance(v, list)
                else {"S": str(v)}) for k, v in item.items()}


def write_units() -> dict[str, Any]:
    from chalicelib.reporting import counters

    from .capacity import item_size
    from .capacity import write_units as units

    day, agent = "2026-11-02", "agent0042"
    pk, sk = counters.day_agent(day, agent)
    after = {"pk": pk, "sk": sk, **_day_item(day, agent, 140, 42),
             "lease_campaign": "cp_" + "0" * 26, "lease_contact": "ct_" + "0" * 26,
             "lease_until": "2026-11-02T08:51:00.000Z", "lease_name_hi": "राम यादव", "lease_name_en": "Ram Yadav",
             "leased_at": "2026-11-02T08:41:00.000Z"}
    added = ("first_at", "active_s", "idle_n", "idle_s", "signins", "callbacks_made", "callbacks_kept", "ans_asked",
             "ans_given", "short_n", "rapid_n", "same_n", "flags_n", "rapid_min", "rapid_min_n", "ans_hash",
             "ans_run", "verified", "discrepant", "paced")
    before = {k: v for k, v in after.items() if k not in added}
    size_before, size_after = item_size(_ddb(before)), item_size(_ddb(after))
    flag = {"pk": f"flags#{day}", "sk": "2026-11-02T08:41:07.000Z#" + "0" * 36,
            **_flag(agent, "2026-11-02T08:41:07.000Z", 1), "call_id": "0" * 36, "reasons": ["short", "same_answers"]}
    flag_size = item_size(_ddb(flag))
    # the call's transaction updates the day item (transactional writes bill double) and, for a flagged
    # call only, puts the flag item
    day_extra = 2 * (units(size_after, size_after) - units(size_before, size_before))
    flag_units = 2 * units(0, flag_size)
    # the call log's leased_at: a few bytes on the log (a transactional put, doubled) and on its two index
    # copies (by_agent_day, by_contact: all attributes); it crosses a KB boundary in that share of logs
    leased_at = item_size(_ddb({"leased_at": "2026-11-02T08:41:00.000Z"}))
    log_extra = (2 + 2) * leased_at / 1024
    per_call = day_extra + FLAG_SHARE * flag_units + log_extra
    # one person at a time: the call's transaction now always updates the contact (the day's count, the lock
    # released), where before only an opt-out or a wrong number did; the lease's check on it became an update
    # (both bill the same). The attributes it writes are in none of the contacts' indexes (LIST_FIELDS).
    contact = {"contact_id": "ct_" + "0" * 26, "district_id": "chw", "unit_id": "chw-a6-m05-k3-b1",
               "tree_key": "chw/chw-a6/chw-a6-m05/chw-a6-m05-k3/chw-a6-m05-k3-b1/ct_" + "0" * 26,
               "district_role": "chw#booth_president", "role": "booth_president", "name_hi": "राम प्रसाद यादव",
               "name_en": "Ram Prasad Yadav", "phone": "+919876543210", "phone_last4": "3210", "language": "hi",
               "consent_source": "district_office_register", "consent_purpose": "party_outreach",
               "consent_at": "2026-01-15T10:00:00.000Z", "opted_out": 0, "wrong_number": 0,
               "created_at": "2026-01-15T10:00:00.000Z", "updated_at": "2026-01-15T10:00:00.000Z",
               "created_by": "import:im_" + "0" * 26, "version": 1, "name_deva_bucket": "chw#र",
               "name_deva_key": "राम प्रसाद यादव#ct_" + "0" * 26, "name_latn_bucket": "chw#r",
               "name_latn_key": "ram prasad yadav#ct_" + "0" * 26, "lock_agent": "agent0042",
               "lock_campaign": "cp_" + "0" * 26, "lock_until": "2026-11-02T08:51:00.000Z",
               "calls_day": "2026-11-02", "calls_n": 1}
    contact_size = item_size(_ddb(contact))
    contact_units = 2 * units(contact_size, contact_size)
    return {"day_item_bytes_before": size_before, "day_item_bytes_after": size_after,
            "day_item_wru_per_call_extra": day_extra, "flag_item_bytes": flag_size, "flag_item_wru": flag_units,
            "flag_share": FLAG_SHARE, "log_leased_at_bytes": leased_at, "log_wru_per_call_extra": round(log_extra, 3),
            "extra_wru_per_call": round(per_call, 2), "contact_item_bytes": contact_size,
            "contact_wru_per_call": contact_units, "with_lock_wru_per_call": round(per_call + contact_units, 2)}


def reports() -> dict[str, Any]:
    runs = {f"{a} agents, {c} calls/agent/day": measure(a, c) for a, c in SIZES}
    return {"month": MONTH, "runs": runs, "write_units": write_units()}


def markdown(r: dict[str, Any]) -> list[str]:
    runs = r["runs"]
    names = [k for k in next(iter(runs.values())) if k not in ("seeded", "seed_s")]
    lines = ["", "## The performance room's reports (issue 20)", "",
             f"DynamoDB calls of each report over a month ({r['month']}) in an in-process moto account "
             "(bench/reports.py): day items and rosters seeded through the stores, each report through the "
             "service its route calls. The calls grow with the agents (pages of a day's items, the staff "
             "directory), not with the calls: the two volumes of each agent count make the same calls.", "",
             "| report | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    lines += [f"| {name} | " + " | ".join(str(run[name]["dynamodb_calls"]) for run in runs.values()) + " |"
              for name in names]
    lines.append("| calls in the month | " + " | ".join(f"{run['seeded']['calls_in_month']:,}"
                                                        for run in runs.values()) + " |")
    w = r["write_units"]
    lines += ["", f"A call's extra write units from issue 20: the agent's day item grows from "
              f"{w['day_item_bytes_before']} to {w['day_item_bytes_after']} bytes "
              f"({w['day_item_wru_per_call_extra']} more WRU per call: it stays within its KB), and a flagged call "
              f"puts a {w['flag_item_bytes']}-byte flag item ({w['flag_item_wru']} WRU in the transaction); at "
              f"{w['flag_share']:.0%} of calls flagged, and the call log's `leased_at` "
              f"({w['log_leased_at_bytes']} bytes on "
              f"the log and its two index copies: {w['log_wru_per_call_extra']} WRU on average), "
              f"**{w['extra_wru_per_call']} WRU per call** more. One person at a time adds the contact's update to "
              f"every call's transaction (its day's count, the lock released; a {w['contact_item_bytes']}-byte "
              f"contact: {w['contact_wru_per_call']} WRU, none on its indexes): "
              f"**{w['with_lock_wru_per_call']} WRU per call** in all."]
    return lines


def main(argv: list[str]) -> int:
    if argv and argv[0] not in ("--markdown",):
        agents, calls = int(argv[0]), int(argv[1])
        print(json.dumps(measure(agents, calls)))
        return 0
    result = reports()  # the app's log lines go to stdout too: the result is the last line
    print("\n".join(markdown(result)) if argv else json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
