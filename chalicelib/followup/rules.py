"""Pure rules of follow-up: when a unit is escalated and why (in Hindi and English), which field
reports are sampled for verification, and how a verification call is compared with the report.
No AWS, no Chalice."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any

from ..campaigns.settings import DEFAULT_ESCALATE_AFTER_DAYS as DEFAULT_ESCALATE_AFTER_DAYS
from ..campaigns.settings import VERIFICATION_KIND as VERIFICATION_KIND
from ..campaigns.settings import verifiable_ids as verifiable_ids
from ..org import rules as org_rules

# A target whose contact must not be called again is not reopened for an escalation.
NOT_REOPENED = frozenset({"do_not_call", "wrong_number", "opted_out", "erased"})
LEVEL_NAMES = {"district": ("ज़िला", "district"), "assembly": ("विधानसभा", "assembly"),
               "mandal": ("मंडल", "mandal"), "shakti_kendra": ("शक्ति केंद्र", "shakti kendra"),
               "booth": ("बूथ", "booth")}
TOP = 10  # rows per verification table in a digest


# ---- escalation --------------------------------------------------------------------------


def unreachable(figures: dict[str, int]) -> bool:
    """Trigger 1: every target at the unit is finished and none was connected."""
    return figures.get("targets", 0) > 0 and figures.get("completed", 0) >= figures["targets"] \
        and figures.get("connects", 0) == 0


def silent_since(last_connect_at: str | None, activated_at: str | None) -> str | None:
    """When the unit was last heard from: its last connected call, else the campaign's start."""
    return last_connect_at or activated_at


def silent(last_connect_at: str | None, activated_at: str | None, now: datetime, days: int) -> bool:
    """Trigger 2: no connected call at the unit for `days` days of an active campaign."""
    since = silent_since(last_connect_at, activated_at)
    if since is None:
        return False
    return datetime.fromisoformat(since.replace("Z", "+00:00")) <= now - timedelta(days=days)


def sweep_levels(target_roles: list[str]) -> set[str]:
    """The levels the sweep looks at: those of the contacts the campaign calls (their own units)."""
    return {org_rules.ROLE_LEVEL[r] for r in target_roles if r in org_rules.ROLE_LEVEL}


def incharge_role(level: str) -> str | None:
    """The role that answers for a unit at `level` (the escalation goes to the parent's one)."""
    return org_rules.INCHARGE_ROLE.get(level)


def reason(trigger: str, level: str, name_hi: str, name_en: str, *, attempts: int = 0,
           days: int = 0) -> dict[str, str]:
    lv_hi, lv_en = LEVEL_NAMES.get(level, (level, level))
    if trigger == "unreachable":
        return {"hi": f"{lv_hi} {name_hi} में {attempts} प्रयासों के बाद भी किसी से संपर्क नहीं हुआ",
                "en": f"no contact reachable at {lv_en} {name_en} after {attempts} attempts"}
    return {"hi": f"{lv_hi} {name_hi} में {days} दिन से किसी से बात नहीं हुई",
            "en": f"no connected call at {lv_en} {name_en} for {days} days"}


# ---- verification ------------------------------------------------------------------------


def sampled(seed: str, call_id: str, rate: float) -> bool:
    """Deterministic: the same seed and call always give the same answer; rate 0 none, 1 all."""
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    digest = hashlib.sha256(f"{seed}#{call_id.lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64 < rate


def report(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """The verifiable part of a connected call's answers (empty: nothing to verify)."""
    return {qid: answers[qid] for qid in verifiable_ids(questions) if qid in answers}


def compare(reported: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    """Per reported question: `match`, `mismatch`, or `unanswered` (the verifier got no answer)."""
    out = {}
    for qid, value in reported.items():
        if qid not in answers:
            out[qid] = "unanswered"
        else:
            out[qid] = "match" if _same(value, answers[qid]) else "mismatch"
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    return bool(a == b and type(a) is type(b)) or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                                   and not isinstance(a, bool) and not isinstance(b, bool)
                                                   and float(a) == float(b))


def discrepant(result: dict[str, str]) -> bool:
    return any(v == "mismatch" for v in result.values())


def verification_campaign_id(parent_id: str) -> str:
    """One verification campaign per parent campaign, with an id anyone can derive."""
    digest = hashlib.sha256(f"verification#{parent_id}".encode()).digest()
    return "cp_" + base64.b32encode(digest).decode().lower()[:26]


def verification_questions(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The verifier asks the reported questions again (none required: the reporter may not answer)."""
    return [{**q, "required": False} for q in questions if q.get("verifiable")]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def top_rows(rows: list[dict[str, Any]], n: int = TOP) -> list[dict[str, Any]]:
    """Highest discrepancy rate first (then most verified), at most n."""
    ranked = sorted(rows, key=lambda r: (-(r["rate"] or 0.0), -r["verified"], r["key"]))
    return ranked[:n]
