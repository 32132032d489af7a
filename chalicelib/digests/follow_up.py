"""The district day digest's follow-up sections: escalated units with their reasons, and verification
rates per agent and per reporter (the reporter named by role and unit: digests carry no person's name
or number). Reads: each campaign's escalations (1 Query per 100) and each district's verification rates
per agent and per reporter (2 Queries), through chalicelib/followup. No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

from typing import Any

from ..followup import service as followup
from . import rules
from .reads import Names, Reads
from .sections import Part


def follow_up(r: Reads, names: Names) -> Part:
    sections = followup.digest_sections(r.campaigns, rules.LIST_MAX)
    esc, ver = sections["escalations"], sections["verification"]
    names.want([e["unit_id"] for e in esc["items"]] + [e["parent_unit_id"] for e in esc["items"] if e["parent_unit_id"]]
               + [row["unit_id"] for row in ver["reporters"] if row["unit_id"]])
    return lambda: {
        "escalations": {"open": esc["open"], "no_incharge": esc["no_incharge"], "resolved": esc["resolved"],
                        "items": [_escalation(e, names) for e in esc["items"]], "more": esc["more"]},
        "verification": {"verified": ver["verified"], "discrepant": ver["discrepant"],
                         "rate": rules.share(ver["discrepant"], ver["verified"]),
                         "agents": [{"agent": rules.redact(row["key"]), "verified": row["verified"],
                                     "discrepant": row["discrepant"], "rate": row["rate"]} for row in ver["agents"]],
                         "reporters": [_reporter(row, names) for row in ver["reporters"]]},
    }


def _escalation(e: dict[str, Any], names: Names) -> dict[str, Any]:
    role = rules.call_up(e["level"])
    return {"unit_id": e["unit_id"], "name_hi": names.label(e["unit_id"], "hi"),
            "name_en": names.label(e["unit_id"], "en"),
            "reason_hi": rules.redact(e["reason_hi"]), "reason_en": rules.redact(e["reason_en"]),
            "trigger": e["trigger"], "status": e["status"],
            "call_hi": f"{role[0]}, {names.label(e['parent_unit_id'], 'hi')}" if role else None,
            "call_en": f"{role[1]}, {names.label(e['parent_unit_id'], 'en')}" if role else None}


def _reporter(row: dict[str, Any], names: Names) -> dict[str, Any]:
    role = rules.ROLE_NAMES.get(row["role"] or "", (row["role"] or "", row["role"] or ""))
    return {"role_hi": role[0], "role_en": role[1], "unit_hi": names.label(row["unit_id"], "hi"),
            "unit_en": names.label(row["unit_id"], "en"), "verified": row["verified"],
            "discrepant": row["discrepant"], "rate": row["rate"]}
