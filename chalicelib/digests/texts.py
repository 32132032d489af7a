"""The short texts of a digest: the SMS (ASCII, one message) and the JSON summary its topic carries.
Pure; no AWS, no Chalice."""

from __future__ import annotations

import json
from typing import Any

from .rules import SMS_MAX


def sms_text(content: dict[str, Any]) -> str:
    """ASCII (one SMS is 160 GSM characters; Devanagari would cut it to 70)."""
    h = content["headline"]
    parts = [f"Sampark {content['audience']} {content['period']}:", f"calls {h['attempts']}",
             f"connected {h['connects']}"]
    reach = {c["level"]: c for c in content.get("coverage", [])}
    if "booth" in reach:
        parts.append(f"booths {reach['booth']['reached']}/{reach['booth']['targeted']}")
    parts += [f"opt-outs {h['opt_outs']}", f"callbacks {h['callbacks_pending']}"]
    text = " ".join(parts[:1]) + " " + ", ".join(parts[1:])
    for fix in content.get("corrections", []):  # whole figures only: a cut "8->1" of "8->12" would mislead
        lines = {line["figure"]: line for line in fix["lines"]}
        said = [f"{name} {lines[key]['old']}->{lines[key]['new']}"
                for key, name in (("attempts", "calls"), ("connects", "connected")) if key in lines]
        note = f". Corrected {fix['date']}: " + ", ".join(said or ["see email"])
        if len(text) + len(note) <= SMS_MAX:
            text += note
    return text[:SMS_MAX]


def summary_json(content: dict[str, Any]) -> str:
    h = content["headline"]
    return json.dumps({
        "kind": "sampark.digest", "audience": content["audience"], "period": content["period"],
        "attempts": h["attempts"], "connects": h["connects"], "opt_outs": h["opt_outs"],
        "callbacks_pending": h["callbacks_pending"],
        "by_disposition": {d["disposition"]: d["count"] for d in content["by_disposition"]},
        "coverage": {c["level"]: {"targeted": c["targeted"], "reached": c["reached"]}
                     for c in content.get("coverage", [])},
        "corrections": {fix["date"]: {line["figure"]: [line["old"], line["new"]] for line in fix["lines"]}
                        for fix in content.get("corrections", [])},
        "answers": answers_summary(content),
    }, ensure_ascii=False, separators=(",", ":"), sort_keys=True)




def answers_summary(content: dict[str, Any]) -> dict[str, Any]:
    """The SNS summary's answers: per campaign, per question, today's and all-time tallies (no text,
    no name: numbers and ids only)."""
    def figures(view: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in view.items() if k not in ("kind", "per")}

    return {c["campaign_id"]: {q["id"]: {"kind": q["kind"], "per": q["per"], "today": figures(q["today"]),
                                         "all_time": figures(q["all_time"])} for q in c["questions"]}
            for c in content.get("answers", [])}
