"""Answer tallies (issue 19 point 5): `python -m bench.answers [CALLS]`.

The demo district (2,488 units) in an in-process moto account, one active scheme campaign with a per-unit
yes/no, a choice and a number question, and CALLS answered calls written to the counters as the call
transaction leaves them (figures and answer tallies ADDed on the all-time and day item of every unit on
the path, min/max on the all-time items, each booth's per-unit answer once), summed per key. Then
progress is read (the district with its children; a mandal on the day with its children) and the
district digest is built, counting their DynamoDB calls. And the worst-case counter item: a campaign of
MAX_QUESTIONS choice questions of MAX_CHOICES choices, every figure and tally present with large values,
written through the same ADD actions, read back raw and sized by DynamoDB's item-size rules.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from decimal import Decimal
from typing import Any

DAY = "2026-03-10"
SIZES = (1_000, 50_000)
CAMPAIGN = "cp_" + "0" * 25 + "9"
QUESTIONS: list[dict[str, Any]] = [
    {"id": "held", "kind": "yes_no", "text_hi": "बैठक हुई?", "text_en": "Meeting held?", "required": False,
     "per": "unit"},
    {"id": "scheme", "kind": "choice", "text_hi": "योजना?", "text_en": "Scheme?", "required": False,
     "choices": [{"value": v, "label_hi": v, "label_en": v} for v in ("awas", "ladli", "other")]},
    {"id": "beneficiaries", "kind": "number", "text_hi": "लाभार्थी?", "text_en": "Beneficiaries?",
     "required": False, "min": 0, "max": 1000},
]


def _raw(value: Any) -> dict[str, str]:
    return {"S": value} if isinstance(value, str) else {"N": str(value)}


def _put_raw(items: list[dict[str, Any]]) -> None:
    from chalicelib.core import db
    from chalicelib.reporting.counters import CounterModel

    for i in range(0, len(items), 25):
        puts = [{"PutRequest": {"Item": {k: _raw(v) for k, v in item.items()}}} for item in items[i:i + 25]]
        request: dict[str, Any] | None = {CounterModel.Meta.table_name: puts}
        while request:
            request = db.connection().dispatch("BatchWriteItem", {"RequestItems": request}).get("UnprocessedItems")


def seed(calls: int) -> dict[str, Any]:
    from chalicelib.campaigns import rules as campaign_rules
    from chalicelib.campaigns.store import CampaignModel
    from chalicelib.org.store import UnitModel
    from chalicelib.reporting import counters
    from devtools.demo_data import generate_district
    from devtools.seed import _batch_put, _unit_models

    units = _unit_models(generate_district(7), f"{DAY}T03:00:00.000+00:00")
    _batch_put(UnitModel, units)
    now = f"{DAY}T03:00:00.000Z"
    CampaignModel(CAMPAIGN, status="active", list_sort=f"chw#{now}#{CAMPAIGN}", kind="scheme",
                  title_hi="योजना", title_en="Scheme", script_hi="नमस्ते", script_en="Hello", questions=QUESTIONS,
                  target_unit_id="chw", target_roles=["booth_president"], target_path="chw/",
                  target_level="district", district_id="chw", starts_on=DAY, ends_on=DAY, calling_start="09:00",
                  calling_end="21:00", max_attempts=3, retry_delay_minutes=120, lease_minutes=10, version=2,
                  created_by="admin", created_at=now, updated_at=now, activated_at=now,
                  targets_created=len(units)).save()
    booths = [u for u in units if u.level == "booth"]
    paths = {b.unit_id: campaign_rules.path_units(f"{b.path}ct_x", "booth_president") for b in booths}
    items: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    answered_booths: set[str] = set()
    for i in range(calls):
        booth = booths[i % len(booths)]
        answers = {"held": i % 3 != 0, "scheme": ("awas", "ladli", "other")[i % 3], "beneficiaries": i % 97}
        counted = set() if booth.unit_id in answered_booths else {"held"}
        answered_booths.add(booth.unit_id)
        increments, numbers = counters.answer_increments(QUESTIONS, answers, counted)
        base = {"attempts": 1, "connects": 1, "d_connected": 1, "talk_s": 60, **increments}
        for unit in paths[booth.unit_id]:
            for key, all_time in ((counters.campaign_unit(CAMPAIGN, unit.unit_id), True),
                                  (counters.day_unit(DAY, CAMPAIGN, unit.unit_id), False)):
                item = items[key]
                item.update(pk=key[0], sk=key[1], unit_id=unit.unit_id, level=unit.level)
                for name, value in base.items():
                    item[name] = item.get(name, 0) + value
                for index, value in numbers.items() if all_time else ():
                    lo, hi = counters.tally(index, "min"), counters.tally(index, "max")
                    item[lo], item[hi] = min(item.get(lo, value), value), max(item.get(hi, value), value)
    _put_raw(list(items.values()))
    return {"units": len(units), "counter_items": len(items)}


def measure(calls: int) -> dict[str, Any]:
    from chalicelib.core.auth import STATE_LEADER, Principal
    from chalicelib.core.paging import PageRequest
    from chalicelib.digests import service as digests
    from chalicelib.progress import service as progress_service

    from .moto_account import dynamodb_calls, moto_account

    leader = Principal(username="leader", sub="leader", roles=frozenset({STATE_LEADER}))
    with moto_account():
        seeded = seed(calls)
        reads: dict[str, Any] = {}
        with dynamodb_calls() as seen:
            top = progress_service.progress(leader, CAMPAIGN, None, None, PageRequest(45, None))
        reads["progress district"] = dict(sorted(seen.items()))
        with dynamodb_calls() as seen:
            progress_service.progress(leader, CAMPAIGN, "chw-a1-m01", DAY, PageRequest(45, None))
        reads["progress mandal, day"] = dict(sorted(seen.items()))
        with dynamodb_calls() as seen:
            digests.build("district", DAY)
        reads["district digest"] = dict(sorted(seen.items()))
        assert top["answers"]["scheme"]["answered"] == calls, top["answers"]
        assert not any(op.endswith(" calls") for ops in reads.values() for op in ops), reads  # never the logs
        return {"calls": calls, **seeded, "reads": reads,
                "dynamodb_calls": {name: sum(ops.values()) for name, ops in reads.items()},
                "answers_at_district": top["answers"]}


def _number_size(text: str) -> int:
    """DynamoDB's size of a number: about one byte per two significant digits, plus one."""
    digits = Decimal(text).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


def item_size(raw: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it (names in UTF-8 + values), for strings and numbers."""
    size = 0
    for name, value in raw.items():
        size += len(name.encode())
        if "S" in value:
            size += len(value["S"].encode())
        elif "N" in value:
            size += _number_size(value["N"])
        else:
            raise ValueError(f"unsized attribute type in {name}")
    return size


def worst_case() -> dict[str, Any]:
    """The largest `c#/u#` item answer tallies can make, written through the call's own ADD actions."""
    from chalicelib.campaigns.rules import MAX_CHOICES, MAX_QUESTIONS, NUMBER_LIMIT
    from chalicelib.core import db
    from chalicelib.reporting import counters
    from chalicelib.reporting.counters import CounterModel

    from .moto_account import moto_account

    big = 99_999_999  # a count far above any campaign's (a whole state's calls over a year)
    out: dict[str, Any] = {}
    with moto_account():
        for kind in ("choice", "number", "yes_no"):
            key = counters.campaign_unit(CAMPAIGN, f"shape-{kind}")
            increments: dict[str, Any] = {name: big for name in counters.FIGURES}
            for i in range(MAX_QUESTIONS):
                increments[counters.tally(i, "n")] = big
                if kind == "choice":
                    increments.update({counters.tally(i, f"c{j}"): big for j in range(MAX_CHOICES)})
                elif kind == "yes_no":
                    increments.update({counters.tally(i, "yes"): big, counters.tally(i, "no"): big})
                else:
                    # a sum of `big` answers of NUMBER_LIMIT with 4 decimals has 21 significant digits
                    increments[counters.tally(i, "sum")] = int("9" * (len(str(NUMBER_LIMIT * big)) + 4))
            actions = counters.add_actions(increments, {
                "unit_id": "chw-a1-m10-k100-b1000", "level": "shakti_kendra",
                "last_connect_at": "2026-03-10T10:00:00.000Z"})
            for i in range(MAX_QUESTIONS):
                if kind == "number":
                    for suffix in ("min", "max"):
                        action, _ = counters.extreme_update(counters.Extreme(counters.tally(i, suffix),
                                                                             -NUMBER_LIMIT + 0.1234, new=True))
                        actions.append(action)
                actions.append(counters.marker_set(counters.tally(i, "unit"))[0])
            for i in range(0, len(actions), 25):  # a call writes its own answers' few; here all, in parts
                CounterModel(*key).update(actions=actions[i:i + 25])
            raw = db.connection().dispatch("GetItem", {
                "TableName": CounterModel.Meta.table_name, "Key": counters.raw_key(key)})["Item"]
            out[kind] = {"attributes": len(raw), "bytes": item_size(raw)}
        baseline = {name: big for name in counters.FIGURES}
        key = counters.campaign_unit(CAMPAIGN, "shape-none")
        CounterModel(*key).update(actions=counters.add_actions(baseline, {"unit_id": "chw-a1-m10-k100-b1000",
                                                                          "level": "shakti_kendra"}))
        raw = db.connection().dispatch("GetItem", {"TableName": CounterModel.Meta.table_name,
                                                   "Key": counters.raw_key(key)})["Item"]
        out["no questions"] = {"attributes": len(raw), "bytes": item_size(raw)}
    out["limits"] = {"questions": MAX_QUESTIONS, "choices": MAX_CHOICES}
    return out


def run() -> dict[str, Any]:
    """Both sizes side by side (one process: only call counts are compared) and the worst-case item."""
    runs = {str(n): measure(n) for n in SIZES}
    small, large = (runs[str(n)] for n in SIZES)
    return {"runs": {n: {k: v for k, v in r.items() if k != "answers_at_district"} for n, r in runs.items()},
            "equal": small["reads"] == large["reads"], "worst_case_item": worst_case()}


def main(argv: list[str]) -> int:
    print(json.dumps(measure(int(argv[0])) if argv else run(), indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
