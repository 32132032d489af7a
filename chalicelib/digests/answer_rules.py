"""The answers section's rules (issue 19): what the people called said, counted per question, and for a
per-unit yes/no question the units with the highest and the lowest share of yes. Pure; no AWS, no Chalice."""

from __future__ import annotations

from typing import Any

from .rules import LEVEL_LABELS, redact

RANK_MAX = 3  # units named at the top and at the bottom of a per-unit yes/no question
RANK_LEVELS = ("mandal", "assembly", "shakti_kendra", "booth")  # the level ranked: the first with 2 answering


def answer_questions(questions: list[dict[str, Any]], today: dict[str, dict[str, Any]],
                     all_time: dict[str, dict[str, Any]],
                     units: list[tuple[str, str, dict[str, dict[str, Any]]]]) -> list[dict[str, Any]]:
    """One campaign's questions with their tallies today and all time (counters.answers_view at the
    scope's unit), choice labels, and for a yes/no question asked per unit the units (unit id, level,
    all-time answers_view) with the highest and the lowest share of yes at the first level of
    RANK_LEVELS where at least two units answered."""
    out = []
    for q in questions:
        qid = q["id"]
        row: dict[str, Any] = {"id": qid, "kind": q["kind"], "per": "unit" if q.get("per") == "unit" else "person",
                               "text_hi": redact(q["text_hi"]), "text_en": redact(q["text_en"]),
                               "today": today[qid], "all_time": all_time[qid], "ranked": None}
        if q["kind"] == "choice":
            row["choices"] = [{"value": c["value"], "label_hi": redact(c["label_hi"]),
                               "label_en": redact(c["label_en"]),
                               "today": today[qid]["choices"].get(c["value"], 0),
                               "all_time": all_time[qid]["choices"].get(c["value"], 0)}
                              for c in q.get("choices") or []]
        if q["kind"] == "yes_no" and row["per"] == "unit":
            row["ranked"] = rank_units(qid, units)
        out.append(row)
    return out


def rank_units(qid: str, units: list[tuple[str, str, dict[str, dict[str, Any]]]]) -> dict[str, Any] | None:
    for level in RANK_LEVELS:
        answering = [{"unit_id": unit_id, "yes": view[qid]["yes"], "answered": view[qid]["answered"],
                      "share": round(view[qid]["yes"] / view[qid]["answered"], 4)}
                     for unit_id, lv, view in units if lv == level and view[qid]["answered"]]
        if len(answering) < 2:
            continue
        best = sorted(answering, key=lambda u: (-u["share"], -u["yes"], u["unit_id"]))
        top = best[:min(RANK_MAX, (len(answering) + 1) // 2)]  # a unit is named at the top or the bottom
        shown = {u["unit_id"] for u in top}
        bottom = [u for u in sorted(answering, key=lambda u: (u["share"], -u["answered"], u["unit_id"]))
                  if u["unit_id"] not in shown][:RANK_MAX]
        label_hi, label_en = LEVEL_LABELS[level]
        return {"level": level, "label_hi": label_hi, "label_en": label_en, "units": len(answering),
                "top": top, "bottom": bottom}
    return None
