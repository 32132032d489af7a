"""Pure rules of campaigns and the call queue: questions, answers, date windows and calling hours in
IST, queue shards, and the units on a contact's path. No AWS, no Chalice."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..core.clock import IST
from ..core.errors import ValidationError
from ..org import rules as org_rules

KINDS = ("programme_relay", "scheme", "feedback")
STATUSES = ("draft", "activating", "active", "closed")
QUESTION_KINDS = ("yes_no", "number", "choice", "text")
QUESTION_ID = r"[a-z][a-z0-9_]{0,31}"
HHMM = r"([01]\d|2[0-3]):[0-5]\d|24:00"
# Limits that bound a counter item's answer tallies (docs/data-model.md: the worst case).
MAX_QUESTIONS = 20
MAX_CHOICES = 12
QUESTION_PER = ("person", "unit")
# A number answer (and a number question's min/max) lies within ±NUMBER_LIMIT with at most
# NUMBER_DECIMALS decimals, so the sums of a whole state's calls stay exact in DynamoDB's 38 digits.
NUMBER_LIMIT = 1_000_000_000
NUMBER_DECIMALS = 4
TEXT_ANSWER_MAX = 300

# The queue was spread over this many index partitions per campaign; it is one partition now
# (queue_key). Kept for targets queued under the old keys (`<campaign>#<shard>`).
QUEUE_SHARDS = 8
# A call target's statuses: one that can still be called, and one whose work is finished.
OPEN = frozenset({"queued", "callback"})
FINAL = frozenset({"done", "closed"})
# Levels that carry report counters: every unit on a contact's path from the district down.
COUNTED_LEVELS = org_rules.LEVELS[1:]  # district, assembly, mandal, shakti_kendra, booth


# ---- questions and answers -----------------------------------------------------------------


def check_questions(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate the shape of a campaign's questions; return them normalised."""
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError(f"a campaign may ask at most {MAX_QUESTIONS} questions", field="questions")
    seen: set[str] = set()
    out = []
    for i, q in enumerate(questions):
        name = f"questions[{i}]"
        qid = q["id"]
        if not re.fullmatch(QUESTION_ID, qid):
            raise ValidationError("a question id is lower-case letters, digits and '_'", field=f"{name}.id")
        if qid in seen:
            raise ValidationError(f"question id {qid} is used twice", field=f"{name}.id")
        seen.add(qid)
        clean: dict[str, Any] = {"id": qid, "kind": q["kind"], "text_hi": q["text_hi"], "text_en": q["text_en"],
                                 "required": bool(q.get("required", False))}
        if q.get("per") == "unit":  # counted once per unit (counters.answer_increments)
            clean["per"] = "unit"
        if q.get("verifiable"):  # a field report that may be sampled for verification (chalicelib/followup)
            clean["verifiable"] = True
        if q["kind"] == "choice":
            choices = q.get("choices") or []
            if len(choices) < 2:
                raise ValidationError("a choice question needs at least two choices", field=f"{name}.choices")
            values = [c["value"] for c in choices]
            if len(set(values)) != len(values):
                raise ValidationError("choice values must differ", field=f"{name}.choices")
            clean["choices"] = [{"value": c["value"], "label_hi": c["label_hi"], "label_en": c["label_en"]}
                                for c in choices]
        elif q.get("choices"):
            raise ValidationError("only a choice question has choices", field=f"{name}.choices")
        if len(q.get("choices") or []) > MAX_CHOICES:
            raise ValidationError(f"a question may offer at most {MAX_CHOICES} choices", field=f"{name}.choices")
        if q["kind"] == "number":
            lo, hi = q.get("min"), q.get("max")
            for key, bound in (("min", lo), ("max", hi)):
                if bound is not None and not _plain_number(bound):
                    raise ValidationError(f"{key} must be a number within ±{NUMBER_LIMIT:,} with at most "
                                          f"{NUMBER_DECIMALS} decimals", field=f"{name}.{key}")
            if lo is not None and hi is not None and lo > hi:
                raise ValidationError("min must not exceed max", field=f"{name}.min")
            clean.update(min=lo, max=hi)
        out.append(clean)
    return out


def check_answers(questions: list[dict[str, Any]], answers: Any, connected: bool) -> dict[str, Any]:
    """Answers are {question id: value}, checked against the campaign's questions. Only a connected
    call carries answers, and a connected call must answer every required question."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationError("answers must be an object of question id to answer", field="answers")
    if answers and not connected:
        raise ValidationError("only a connected call carries answers", field="answers")
    by_id = {q["id"]: q for q in questions}
    out: dict[str, Any] = {}
    for qid, value in answers.items():
        q = by_id.get(qid)
        field = f"answers.{qid}"
        if q is None:
            raise ValidationError(f"the campaign has no question {qid}", field=field, code="unknown_field")
        out[qid] = _answer(q, value, field)
    if connected:
        for q in questions:
            if q["required"] and q["id"] not in out:
                raise ValidationError(f"question {q['id']} must be answered", field=f"answers.{q['id']}",
                                      code="required")
    return out


def _answer(q: dict[str, Any], value: Any, field: str) -> Any:
    kind = q["kind"]
    if kind == "yes_no":
        if not isinstance(value, bool):
            raise ValidationError("answer yes/no with true or false", field=field)
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _plain_number(value):
            raise ValidationError(f"this answer must be a number within ±{NUMBER_LIMIT:,} with at most "
                                  f"{NUMBER_DECIMALS} decimals", field=field)
        if q.get("min") is not None and value < q["min"]:
            raise ValidationError(f"this answer must be at least {q['min']:g}", field=field)
        if q.get("max") is not None and value > q["max"]:
            raise ValidationError(f"this answer must be at most {q['max']:g}", field=field)
        return value
    if kind == "choice":
        values = [c["value"] for c in q["choices"]]
        if value not in values:
            raise ValidationError(f"this answer must be one of: {', '.join(values)}", field=field)
        return value
    if not isinstance(value, str) or len(value.strip()) > TEXT_ANSWER_MAX:
        raise ValidationError(f"this answer must be text of at most {TEXT_ANSWER_MAX} characters", field=field)
    return value.strip()


def _plain_number(value: float) -> bool:
    """Finite, within ±NUMBER_LIMIT, at most NUMBER_DECIMALS decimals (JSON's NaN and Infinity, and
    numbers DynamoDB cannot store, are refused)."""
    if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
        return False
    return isinstance(value, int) or round(value, NUMBER_DECIMALS) == value


def localise_questions(questions: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Questions as the agent reads them to a contact: text (and choice labels) in one language."""
    out = []
    for q in questions:
        item = {"id": q["id"], "kind": q["kind"], "required": q["required"],
                "text": q.get(f"text_{language}") or q["text_hi"]}
        if q["kind"] == "choice":
            item["choices"] = [{"value": c["value"], "label": c.get(f"label_{language}") or c["label_hi"]}
                               for c in q["choices"]]
        if q["kind"] == "number":
            item.update(min=q.get("min"), max=q.get("max"))
        out.append(item)
    return out


# ---- time in IST ---------------------------------------------------------------------------


def ist_date(moment: datetime) -> str:
    return moment.astimezone(IST).date().isoformat()


def parse_date(value: str, field: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{field} must be a date YYYY-MM-DD", field=field) from exc


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def check_window(starts_on: str, ends_on: str) -> None:
    if parse_date(ends_on, "ends_on") < parse_date(starts_on, "starts_on"):
        raise ValidationError("ends_on must not be before starts_on", field="ends_on")


def check_hours(start: str, end: str) -> None:
    if minutes_of(end) <= minutes_of(start):
        raise ValidationError("calling hours must end after they start", field="calling_hours.end")


@dataclass(frozen=True)
class Closed:
    """Why no call may be made now, and when calling opens again (None: never)."""

    code: str
    message: str
    opens_at: datetime | None


def calling_closed(starts_on: str, ends_on: str, start: str, end: str, now: datetime) -> Closed | None:
    """None when a call may be made at `now`; otherwise why not. The window is whole IST days,
    starts_on to ends_on inclusive; calling hours are [start, end) in IST each day."""
    local = now.astimezone(IST)
    today = local.date()
    first, last = date.fromisoformat(starts_on), date.fromisoformat(ends_on)
    if today > last:
        return Closed("campaign_ended", f"the campaign ended on {ends_on}", None)
    opens_today = datetime.combine(today, datetime.min.time(), IST) + timedelta(minutes=minutes_of(start))
    if today < first:
        starts = datetime.combine(first, datetime.min.time(), IST) + timedelta(minutes=minutes_of(start))
        return Closed("campaign_not_started", f"the campaign starts on {starts_on}", starts)
    minute = local.hour * 60 + local.minute
    if minute < minutes_of(start):
        return Closed("outside_calling_hours", f"calling hours are {start}-{end} IST", opens_today)
    if minute >= minutes_of(end):
        tomorrow = opens_today + timedelta(days=1) if today < last else None
        return Closed("outside_calling_hours", f"calling hours are {start}-{end} IST", tomorrow)
    return None


# ---- the queue -----------------------------------------------------------------------------


def stable_shard(value: str, shards: int = QUEUE_SHARDS) -> int:
    """The same value always lands in the same shard, on every machine and Python run."""
    return int(hashlib.sha256(value.encode()).hexdigest()[:8], 16) % shards


def shard_order(username: str, shards: int = QUEUE_SHARDS) -> list[int]:
    """Agents start at different shards so that they rarely race for the same target."""
    first = stable_shard(username, shards)
    return [(first + i) % shards for i in range(shards)]


def queue_key(campaign_id: str, contact_id: str) -> str:
    """The campaign's queue: one index partition, so that one Query finds the oldest due targets of
    the whole campaign (POST /next reads it once). Agents spread over its head by a random choice
    among the candidates instead of by shard. (`stable_shard`/`shard_order` are what the queue used
    when it was spread over QUEUE_SHARDS partitions; targets queued then keep `<campaign>#<shard>`.)"""
    return f"{campaign_id}#q"


def sort_at(moment: str, contact_id: str) -> str:
    return f"{moment}#{contact_id}"


# ---- the units on a contact's path ---------------------------------------------------------


@dataclass(frozen=True)
class PathUnit:
    unit_id: str
    level: str
    prefix: str  # the unit's own materialised path: every contact below it has a tree_key starting so


def path_units(tree_key: str, role: str) -> list[PathUnit]:
    """Units on a contact's path that carry counters, the contact's own unit first, up to the district.
    The tree is strict (a parent is exactly one level up), so levels follow from the contact's role."""
    ids = [part for part in tree_key.split("/")[:-1] if part]  # the last part is the contact id
    own_level = org_rules.ROLE_LEVEL[role]
    depth = org_rules.LEVELS.index(own_level)
    units = []
    for i in range(len(ids) - 1, -1, -1):
        level_index = depth - (len(ids) - 1 - i)
        if level_index < 0:
            break
        level = org_rules.LEVELS[level_index]
        if level in COUNTED_LEVELS:
            units.append(PathUnit(ids[i], level, "/".join(ids[: i + 1]) + "/"))
    return units


def new_units(previous_tree_key: str, units: list[PathUnit]) -> list[PathUnit]:
    """Units seen for the first time when contacts are read in tree_key order: a unit's contacts are
    contiguous in that order, so a unit is new exactly when the previous contact is outside it."""
    return [u for u in units if not previous_tree_key.startswith(u.prefix)]


def unit_path_of(units: dict[str, Any], tree_key: str) -> list[dict[str, str]]:
    """The call screen's unit path (the contact's unit up to its district) from unit items by id."""
    path: list[dict[str, str]] = []
    for unit_id in org_rules.ancestor_ids(tree_key.rsplit("/", 1)[0] + "/"):
        unit = units.get(unit_id)
        if unit is None or (unit.level in ("district", "state") and path):
            break
        path.append({"unit_id": unit_id, "level": unit.level, "name_hi": unit.name_hi, "name_en": unit.name_en})
    return path
