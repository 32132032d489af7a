"""The board's campaigns: each listed campaign's progress at its target unit (all time), today's answers,
and the open escalations joined to them. Pure; no Chalice, boto3 or PynamoDB."""

from __future__ import annotations

from typing import Any

from ..calls import rules as call_rules
from ..reporting import counters, tallies


def campaign_row(c: Any, item: Any | None, today: Any | None, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """A campaign (as listed) with its counter items at its target unit: all time (`item`) and today."""
    f = counters.figures(item)
    level = item.level if item is not None and item.level in counters.LEVELS else "district"
    return {"campaign_id": c.campaign_id, "title_hi": c.title_hi, "title_en": c.title_en, "kind": c.kind,
            "unit_id": c.target_unit_id, "level": level, "targets": f["targets"], "completed": f["completed"],
            "remaining": max(f["targets"] - f["completed"], 0), "attempts": f["attempts"],
            "connects": f["connects"], "coverage": call_rules.coverage(counters.LEVELS, level, f),
            "open_escalations": 0, "answers_today": _answers_today(questions, today)}


def _answers_today(questions: list[dict[str, Any]], today: Any | None) -> list[dict[str, Any]]:
    """Today's answers at the campaign's target, compact: per question its texts and tallies (yes/no,
    the leading choice, the sum), for a line each on the wall."""
    views = tallies.answers_view(today, questions)
    out = []
    for q in questions:
        row: dict[str, Any] = {"id": q["id"], "text_hi": q["text_hi"], "text_en": q["text_en"], **views[q["id"]]}
        if q["kind"] == "choice":
            row["labels"] = {ch["value"]: {"label_hi": ch["label_hi"], "label_en": ch["label_en"]}
                             for ch in q.get("choices") or []}
        out.append(row)
    return out


def with_escalations(campaigns: list[dict[str, Any]], escalations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The open escalations of the campaigns listed (each counted on its campaign's row), titled."""
    by_id = {c["campaign_id"]: c for c in campaigns}
    shown = []
    for e in escalations:
        campaign = by_id.get(e["campaign_id"])
        if campaign is None:
            continue  # an escalation of a campaign that is no longer active (or on another page)
        campaign["open_escalations"] += 1
        shown.append({**e, "title_hi": campaign["title_hi"], "title_en": campaign["title_en"]})
    return shown
