"""The sections of a digest, one builder each. A builder computes from what the digest read
(`reads.Reads`), asks for the unit names it will show (`Names.want`), and returns the step that writes
its part of the content once the names are read. Which audience and period gets which section is
decided in one place: `build.SECTIONS`. No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..relay import service as relay
from ..reporting import counters, tallies
from . import answer_rules, rules
from .reads import Names, Reads

Part = Callable[[], dict[str, Any]]  # writes a section's keys of the content, once the names are read


def figures(r: Reads, names: Names) -> Part:
    """The headline, the calls by disposition and the coverage per level (every digest)."""
    day_totals = r.day_totals(r.day)
    prev_totals = None if r.shift else r.day_totals(rules.previous_day(r.day))
    all_time = rules.totals([r.fig(counters.campaign_unit(cid, did)) for cid, did in r.scope])
    shown = day_totals
    if r.shift == "evening":  # the evening shift: the day so far less what the morning digest counted
        morning = r.stored(f"{r.day}.morning")
        shown = rules.minus(day_totals, (morning.snapshot or {}).get("day", {})) if morning else day_totals
    prev_record = r.stored(rules.previous_day(r.day))
    prev_coverage = ((prev_record.content if prev_record else None) or {}).get("coverage")
    headline = {**rules.day_headline(shown, prev_totals), "completed": all_time["completed"],
                "targets": all_time["targets"], "callbacks_pending": r.callbacks}
    part = {"headline": headline, "by_disposition": rules.dispositions(shown, prev_totals),
            "coverage": rules.coverage(r.units, prev_coverage) if not r.shift else []}
    return lambda: part


def campaigns(r: Reads, names: Names) -> Part:
    """Each campaign's calls of the day and its completed targets."""
    rows = [{"campaign_id": c.campaign_id, "title_hi": rules.redact(c.title_hi), "title_en": rules.redact(c.title_en),
             **{k: r.fig(counters.day_unit(r.day, c.campaign_id, c.district_id))[k] for k in ("attempts", "connects")},
             **{k: r.fig(counters.campaign_unit(c.campaign_id, c.district_id))[k] for k in ("completed", "targets")}}
            for c in r.campaigns]
    return lambda: {"campaigns": rows}


def unreached(r: Reads, names: Names) -> Part:
    """Per level, the units targeted where nobody was reached yet (named up to LIST_MAX)."""
    none = [u for u in r.units if u["connects"] == 0]
    listed = []
    for level in rules.LEVELS:
        at_level = [u for u in none if u["level"] == level]
        if at_level:
            listed.append((level, at_level[:rules.LIST_MAX], len(at_level) - rules.LIST_MAX))
            names.want([u["unit_id"] for u in at_level[:rules.LIST_MAX]])
    return lambda: {"unreached": [{"level": lv, "label_hi": rules.LEVEL_LABELS[lv][0],
                                   "label_en": rules.LEVEL_LABELS[lv][1],
                                   "names": [names.label(u["unit_id"], "en") for u in us], "more": max(more, 0)}
                                  for lv, us, more in listed]}


def silent(r: Reads, names: Names) -> Part:
    """Units with no new connected contact for `silent_days`, and whom to call about each (the in-charge
    one level up: their units' parents are read once the units are)."""
    then = r.stored(rules.days_before(r.day, r.silent_days))
    units = rules.silent_units(r.units, (then.snapshot or {}).get("units") if then else None)
    names.want([u["unit_id"] for u in units[:rules.LIST_MAX]])

    def part() -> dict[str, Any]:
        parents = [getattr(names.get(u["unit_id"]), "parent_id", None) for u in units[:rules.LIST_MAX]]
        names.want([p for p in parents if p])
        names.read()
        rows = []
        for u, parent_id in zip(units[:rules.LIST_MAX], parents, strict=True):
            role = rules.call_up(u["level"])
            call = {"role_hi": role[0], "role_en": role[1], "unit_hi": names.label(parent_id, "hi"),
                    "unit_en": names.label(parent_id, "en")} if role and parent_id else None
            rows.append({"unit_id": u["unit_id"], "level": u["level"], "name_hi": names.label(u["unit_id"], "hi"),
                         "name_en": names.label(u["unit_id"], "en"), "call": call})
        return {"silent_days": r.silent_days, "silent": rows,
                "silent_more": max(len(units) - rules.LIST_MAX, 0)}
    return part


def answers(r: Reads, names: Names) -> Part:
    """Each campaign's answer tallies at its district, today and all time, from the counter items read
    already (and, for a per-unit yes/no question, its unit items: the top and bottom units, named)."""
    out = []
    for c in r.campaigns:
        questions = r.questions.get(c.campaign_id) or []
        if not questions:
            continue
        today = tallies.answers_view(r.found.get(counters.day_unit(r.day, c.campaign_id, c.district_id)), questions)
        all_time = tallies.answers_view(r.found.get(counters.campaign_unit(c.campaign_id, c.district_id)), questions)
        units = [(i.unit_id, i.level, tallies.answers_view(i, questions))
                 for i in r.ranked_items.get(c.campaign_id, [])]
        out.append({"campaign_id": c.campaign_id, "title_hi": rules.redact(c.title_hi),
                    "title_en": rules.redact(c.title_en),
                    "questions": answer_rules.answer_questions(questions, today, all_time, units)})
    ranked = [u for a in out for q in a["questions"] if q.get("ranked")
              for u in (*q["ranked"]["top"], *q["ranked"]["bottom"])]
    names.want([u["unit_id"] for u in ranked])

    def part() -> dict[str, Any]:
        for u in ranked:
            u["name_hi"], u["name_en"] = names.label(u["unit_id"], "hi"), names.label(u["unit_id"], "en")
        return {"answers": out} if out else {}
    return part


def relay_progress(r: Reads, names: Names) -> Part:
    """Each programme relay's completion per level and broken links (names redacted like every name)."""
    if not r.relay_items:
        return lambda: {}
    sections = relay.digest_section(r.relay_items, r.day, rules.LIST_MAX)
    for section in sections:
        section["title_hi"], section["title_en"] = rules.redact(section["title_hi"]), rules.redact(section["title_en"])
        for row in section["completion"]:
            row["label_hi"], row["label_en"] = rules.LEVEL_LABELS[row["level"]]
        for b in section["broken"]:
            b["name_hi"], b["name_en"] = rules.redact(b["name_hi"]), rules.redact(b["name_en"])
            b["label_hi"], b["label_en"] = rules.LEVEL_LABELS[b["level"]]
    return lambda: {"relay": sections}


def agents(r: Reads, names: Names) -> Part:
    """The district's agents of the day (or shift) and their open callbacks."""
    return lambda: {"agents": r.agents}
