"""Pure rules of digests: audiences, periods, figures from counters, the change since the previous
period, silent units, corrections, and the redaction of phone numbers. The short texts (SMS, JSON) are
digests/texts.py, the answers section's rules digests/answer_rules.py. No AWS, no Chalice."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta
from typing import Any

from ..core.auth import ADMIN, CENTRAL_LEADER, STATE_LEADER, SUPERVISOR
from ..core.clock import IST
from ..org.rules import INCHARGE_ROLE
from ..reporting.dispositions import DISPOSITIONS

AUDIENCES = ("district", "state", "central")
ROLE_AUDIENCES = {ADMIN: set(AUDIENCES), SUPERVISOR: {"district"}, STATE_LEADER: {"state"},
                  CENTRAL_LEADER: {"central"}}
LEVELS = ("district", "assembly", "mandal", "shakti_kendra", "booth")
SHIFTS = (("morning", "14:30"), ("evening", "21:00"))  # shift ends, IST (the default shifts)
DAY_AFTER = timedelta(hours=21)  # a day is digested once its evening shift (to 21:00 IST) is over
SMS_MAX = 160
LIST_MAX = 20  # names listed per section; the rest is counted
FIGURES = ("attempts", "connects", "talk_s", "completed", "targets", *(f"d_{d}" for d in DISPOSITIONS))

LEVEL_LABELS = {"district": ("ज़िला", "District"), "assembly": ("विधानसभा", "Assembly"),
                "mandal": ("मंडल", "Mandal"), "shakti_kendra": ("शक्ति केंद्र", "Shakti kendra"),
                "booth": ("बूथ", "Booth")}
DISPOSITION_LABELS = {
    "connected": ("बात हुई", "Connected"), "no_answer": ("उत्तर नहीं", "No answer"), "busy": ("व्यस्त", "Busy"),
    "switched_off": ("बंद", "Switched off"), "wrong_number": ("गलत नंबर", "Wrong number"),
    "callback_requested": ("फिर से कॉल", "Callback requested"), "declined": ("मना किया", "Declined"),
    "do_not_call": ("कॉल न करें", "Do not call"),
}
ROLE_LABELS = {"district_office_bearer": ("ज़िला पदाधिकारी", "district office-bearer"),
               "assembly_incharge": ("विधानसभा प्रभारी", "assembly in-charge"),
               "mandal_president": ("मंडल अध्यक्ष", "mandal president"),
               "shakti_kendra_incharge": ("शक्ति केंद्र प्रभारी", "shakti kendra in-charge"),
               "booth_president": ("बूथ अध्यक्ष", "booth president")}
ROLE_NAMES = {**ROLE_LABELS, "mandal_office_bearer": ("मंडल पदाधिकारी", "mandal office-bearer"),
              "booth_committee_member": ("बूथ समिति सदस्य", "booth committee member"),
              "panna_pramukh": ("पन्ना प्रमुख", "panna pramukh")}  # every contact role (a reporter's)
AUDIENCE_LABELS = {"district": ("ज़िला", "District"), "state": ("प्रदेश", "State"), "central": ("केंद्र", "Central")}
PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.(morning|evening))?")
# Days a digest can be asked for: none before the product existed, none after tomorrow (IST; a
# digest of tomorrow is empty but harmless, later ones are typos). Outside, a date is refused (400).
EARLIEST_DAY = date(2020, 1, 1)
LATEST_AHEAD = timedelta(days=1)
CORRECTION_DAYS = 3  # earlier days a day digest checks for late calls: correction_days()


def audiences_for(roles: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for role in roles:
        out |= ROLE_AUDIENCES.get(role, set())
    return out


def day_of(fired_utc: datetime) -> str:
    """The IST day a day-digest firing at this time reports: the last day whose evening shift is over."""
    return (fired_utc.astimezone(IST) - DAY_AFTER).date().isoformat()


def shift_of(fired_utc: datetime) -> str:
    """The period (`<day>.<shift>`) of the last shift that ended at or before this time."""
    local = fired_utc.astimezone(IST)
    for day in (local.date(), local.date() - timedelta(days=1)):
        for name, end in reversed(SHIFTS):
            hh, mm = map(int, end.split(":"))
            if datetime(day.year, day.month, day.day, hh, mm, tzinfo=IST) <= local:
                return f"{day.isoformat()}.{name}"
    raise AssertionError("unreachable: a shift ended in the last two days")


def day_in_range(day: str, today: date) -> bool:
    """A real calendar day (not 2026-02-30) from EARLIEST_DAY to tomorrow."""
    try:
        value = date.fromisoformat(day)
    except ValueError:
        return False
    return EARLIEST_DAY <= value <= today + LATEST_AHEAD


def correction_days(day: str) -> list[str]:
    """The earlier days whose figures the digest of `day` checks against their counters: a call may be
    recorded up to two days after it started (calls/service.py OLDEST_CALL) and a day is digested from
    21:00 IST, so a call of day X started late in the evening can still arrive after the digest of
    X + 2 was built (till X + 2, 24:00): the digests of X + 1, X + 2 and X + 3 each look back at X."""
    return [days_before(day, n) for n in range(1, CORRECTION_DAYS + 1)]


def previous_day(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def days_before(day: str, n: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=n)).isoformat()


def totals(items: list[dict[str, int]]) -> dict[str, int]:
    out = dict.fromkeys(FIGURES, 0)
    for figures in items:
        for name in FIGURES:
            out[name] += int(figures.get(name) or 0)
    return out


def minus(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: int(now.get(k, 0)) - int(before.get(k, 0)) for k in FIGURES}


def change(now: int, before: int | None) -> int | None:
    return None if before is None else now - before


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def coverage(unit_rows: list[dict[str, Any]], previous: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Per level: targeted units (any campaign targets someone there) and reached ones (a connected
    contact in any campaign), with the change in reached units since the previous digest."""
    before = {row["level"]: row["reached"] for row in previous or []}
    out = []
    for level in LEVELS:
        rows = [u for u in unit_rows if u["level"] == level]
        targeted = len(rows)
        reached = sum(1 for u in rows if u["connects"] > 0)
        if not targeted:
            continue
        hi, en = LEVEL_LABELS[level]
        out.append({"level": level, "label_hi": hi, "label_en": en, "targeted": targeted, "reached": reached,
                    "not_reached": targeted - reached, "share": share(reached, targeted),
                    "change": change(reached, before.get(level))})
    return out


def silent_units(unit_rows: list[dict[str, Any]], connects_then: dict[str, int] | None) -> list[dict[str, Any]]:
    """Units with no new connected contact since the snapshot taken N days ago (none without one)."""
    if connects_then is None:
        return []
    return [u for u in unit_rows if u["unit_id"] in connects_then and u["connects"] == connects_then[u["unit_id"]]]


def call_up(level: str) -> tuple[str, str] | None:
    """Who to call about a silent unit: the in-charge of the unit one level up."""
    index = LEVELS.index(level)
    if index == 0:
        return None
    return ROLE_LABELS[INCHARGE_ROLE[LEVELS[index - 1]]]


def dispositions(day: dict[str, int], prev: dict[str, int] | None) -> list[dict[str, Any]]:
    return [{"disposition": d, "label_hi": DISPOSITION_LABELS[d][0], "label_en": DISPOSITION_LABELS[d][1],
             "count": day[f"d_{d}"], "change": change(day[f"d_{d}"], prev[f"d_{d}"] if prev else None)}
            for d in DISPOSITIONS]


# ---- the day figures, and their corrections --------------------------------------------------

DAY_HEADLINE = {"attempts": ("कॉल किए", "Calls attempted"), "connects": ("बात हुई", "Calls connected"),
                "opt_outs": ("ऑप्ट-आउट", "Opt-outs"), "talk_min": ("बातचीत के मिनट", "Talk minutes")}
AGENT_FIGURES = {"attempts": ("कॉल", "calls"), "connects": ("बात हुई", "connected"), "talk_min": ("मिनट", "minutes")}


def day_headline(figures: dict[str, int], prev: dict[str, int] | None) -> dict[str, Any]:
    """The headline figures a day's call counters give (and their change since the day before)."""
    out: dict[str, Any] = {"attempts": figures["attempts"], "connects": figures["connects"],
                           "opt_outs": figures["d_do_not_call"], "talk_min": round(figures["talk_s"] / 60)}
    if prev is not None:
        out["change"] = {"attempts": figures["attempts"] - prev["attempts"],
                         "connects": figures["connects"] - prev["connects"],
                         "opt_outs": figures["d_do_not_call"] - prev["d_do_not_call"]}
    return out


def agent_row(username: str, figures: dict[str, int]) -> dict[str, Any]:
    return {"agent": redact(username), "attempts": figures["attempts"], "connects": figures["connects"],
            "talk_min": round(figures["talk_s"] / 60)}


def corrected(stored: dict[str, Any], fresh: dict[str, Any], by: str) -> dict[str, Any]:
    """A sent day digest with its day figures as the day's counters give them now (`fresh`: headline,
    by_disposition, campaigns' day figures by id, agents' rows); what was "as of" the build (completed
    targets, reach, pending callbacks) is kept. `by` is the period of the digest that carried the change."""
    out = copy.deepcopy(stored)
    out["headline"].update(fresh["headline"])
    out["by_disposition"] = fresh["by_disposition"]
    for row in out.get("campaigns", []):
        row.update(fresh["campaigns"].get(row["campaign_id"], {}))
    if "agents" in out and fresh.get("agents") is not None:
        pending = {a["agent"]: a.get("callbacks_pending") for a in out["agents"]}
        rows = [{**a, "callbacks_pending": pending.get(a["agent"])} for a in fresh["agents"]]
        seen = {a["agent"] for a in rows}
        out["agents"] = rows + [a for a in out["agents"] if a["agent"] not in seen]
    out["corrected_in"] = by
    return out


def figure_lines(content: dict[str, Any]) -> dict[str, tuple[str, str, int]]:
    """Every day figure a digest states, by a stable key: (label in Hindi, in English, value)."""
    h = content["headline"]
    out = {key: (hi, en, int(h.get(key) or 0)) for key, (hi, en) in DAY_HEADLINE.items()}
    for d in content.get("by_disposition", []):
        out[f"d:{d['disposition']}"] = (d["label_hi"], d["label_en"], int(d["count"]))
    for c in content.get("campaigns", []):
        out[f"c:{c['campaign_id']}:attempts"] = (f"{c['title_hi']}: कॉल किए", f"{c['title_en']}: calls attempted",
                                                 int(c["attempts"]))
        out[f"c:{c['campaign_id']}:connects"] = (f"{c['title_hi']}: बात हुई", f"{c['title_en']}: calls connected",
                                                 int(c["connects"]))
    for a in content.get("agents", []):
        for key, (hi, en) in AGENT_FIGURES.items():
            out[f"a:{a['agent']}:{key}"] = (f"एजेंट {a['agent']}: {hi}", f"agent {a['agent']}: {en}", int(a[key]))
    return out


def changed_lines(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures of a day that differ between what was sent and what the counters say now."""
    old = figure_lines(before)
    lines = []
    for key, (hi, en, value) in figure_lines(after).items():
        was = old[key][2] if key in old else 0
        if value != was:
            lines.append({"figure": key, "label_hi": hi, "label_en": en, "old": was, "new": value})
    return lines


# ---- no phone numbers, anywhere ----------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def has_phone(text: str) -> bool:
    """A digit run that parses as an Indian phone number (mobile or landline), with or without +91."""
    import phonenumbers  # here, not at module level: off the API's cold start

    for match in _DIGIT_RUN.finditer(text):
        try:
            number = phonenumbers.parse(match.group(0), "IN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
            return True
    return False


def redact(text: str) -> str:
    """User-supplied text (unit names, titles, agent names) with any phone number replaced."""
    def replace(match: re.Match[str]) -> str:
        return "[•••]" if has_phone(match.group(0)) else match.group(0)
    return _DIGIT_RUN.sub(replace, text or "")
