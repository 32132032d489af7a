"""Report counters: one table of numbers maintained by ADD in the same transaction as the writes they
count (call logs, activation chunks). Progress pages and digests read these, never the call logs.

Items (pk / sk):
* `c#<campaign>` / `u#<unit>`: the campaign at a unit, all time: targets and targeted units per level
  below (written by activation), attempts, connects, counts by disposition, completed targets, and
  reached units per level below (units with at least one connected contact); for a programme relay,
  relay_received / relay_passed_on (the unit's own contacts' facts) and received units per level below.
* `d#<IST day>#u#<unit>` / `c#<campaign>`: the same call figures for one day (digests).
* `d#<IST day>#agents` / `a#<username>`: an agent's calls of one day.
* `d#<IST day>#pacing` / `a#<username>`: how often an agent was slowed down that day for asking for
  new contacts too fast (chalicelib/campaigns/pacing.py), and when last; the supervisors' board reads it.
* `pace#<username>` / `w#<window start>`: new contacts handed to an agent in one pacing window, and
  whether the agent was already slowed in it. Short-lived: `expires_at` is the table's TTL attribute.
* The agent's live lease rides on `d#<IST day>#agents` / `a#<username>` too: `lease_campaign`,
  `lease_contact`, `lease_name_hi`, `lease_name_en`, `leased_at`, `lease_until` (UTC ISO), set by the
  transaction that leases (POST /campaigns/{id}/next) and removed by the transaction that records the
  call on that contact (only while they still name it); `last_active_at` is the last lease or call.
  A lease whose `lease_until` has passed is over (it went back to the queue by itself).
* Answer tallies (issue 19) ride on `c#<campaign>` / `u#<unit>` and `d#<IST day>#u#<unit>` / `c#<campaign>`
  as top-level numbers named by the question's position in the campaign's list (frozen once the
  campaign leaves draft): `a<i>_n` answered, `a<i>_yes` / `a<i>_no`, `a<i>_c<j>` (the j-th choice),
  `a<i>_sum`, and on the all-time items only `a<i>_min` / `a<i>_max`; `a<i>_unit` marks, on the
  contact's own unit's all-time item, that a per-unit question's answer was counted for that unit.
  `answers_view(item, questions)` reads them back per question id.
* Attendance and quality (issue 20) ride on the agent's day item too, written with the activity itself
  (the rules: reporting/activity.py): `first_at`, `last_active_at`, `active_s`, `idle_n`, `idle_s` (every
  sign-in, lease and call recorded: the gap from last_active_at as read, conditioned on it unchanged),
  `signins`; with each call `callbacks_made`/`callbacks_kept`, `ans_asked`/`ans_given`, `short_n`, `rapid_n`
  (`rapid_min`/`rapid_min_n` keep the minute), `same_n` (`ans_hash`/`ans_run` keep the run), `flags_n`;
  `verified`/`discrepant` (verdicts on the agent's reports, on the day of the verification call) and `paced`
  (pacing slow-downs). `agent_day(item)` reads them back.
* `flags#<IST day>` / `<started_at>#<call_id>`: one flagged call (reasons short, rapid, same_answers), put
  by the call's own transaction; `flags_of_day` lists a day's, a page at a time.
* `agents#callbacks` / `a#<username>`: the callbacks an agent owns, open (status callback), as a map
  `callbacks` of `<campaign>#<contact>` -> callback time (UTC ISO), kept by the transactions that create,
  keep, close or hand over a callback. SET and REMOVE of a map key are idempotent, so a retried write
  cannot count twice; the count is the map's size. Every agent's in one Query (the board).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from ..core import db
from ..core.paging import Page
from .activity import Step, step
from .dispositions import DISPOSITIONS

# the tallies' pure rules are named here too (every feature reads them as counters.<name>)
from .tallies import PER as PER
from .tallies import TALLY_NAME as TALLY_NAME
from .tallies import Extreme as Extreme
from .tallies import answer_increments as answer_increments
from .tallies import answers_view as answers_view
from .tallies import extremes as extremes
from .tallies import number as number
from .tallies import per_of as per_of
from .tallies import tallies_of as tallies_of
from .tallies import tally as tally

LEVELS = ("district", "assembly", "mandal", "shakti_kendra", "booth")


@db.table("counters")
class CounterModel(Model):
    class Meta:
        table_name = "counters"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    unit_id = UnicodeAttribute(null=True)
    level = UnicodeAttribute(null=True)
    agent = UnicodeAttribute(null=True)
    attempts = NumberAttribute(null=True)
    connects = NumberAttribute(null=True)
    talk_s = NumberAttribute(null=True)
    completed = NumberAttribute(null=True)
    targets = NumberAttribute(null=True)
    held = NumberAttribute(null=True)  # a day item (d#<day>#u#<unit>): targets held that day, contact at the daily cap
    d_connected = NumberAttribute(null=True)
    d_no_answer = NumberAttribute(null=True)
    d_busy = NumberAttribute(null=True)
    d_switched_off = NumberAttribute(null=True)
    d_wrong_number = NumberAttribute(null=True)
    d_callback_requested = NumberAttribute(null=True)
    d_declined = NumberAttribute(null=True)
    d_do_not_call = NumberAttribute(null=True)
    targeted_district = NumberAttribute(null=True)
    targeted_assembly = NumberAttribute(null=True)
    targeted_mandal = NumberAttribute(null=True)
    targeted_shakti_kendra = NumberAttribute(null=True)
    targeted_booth = NumberAttribute(null=True)
    reached_district = NumberAttribute(null=True)
    reached_assembly = NumberAttribute(null=True)
    reached_mandal = NumberAttribute(null=True)
    reached_shakti_kendra = NumberAttribute(null=True)
    reached_booth = NumberAttribute(null=True)
    # a programme relay (chalicelib/relay): the unit's own contacts who acknowledged it / passed it on,
    # and units per level below (itself included) with at least one acknowledgement
    relay_received = NumberAttribute(null=True)
    relay_passed_on = NumberAttribute(null=True)
    received_district = NumberAttribute(null=True)
    received_assembly = NumberAttribute(null=True)
    received_mandal = NumberAttribute(null=True)
    received_shakti_kendra = NumberAttribute(null=True)
    received_booth = NumberAttribute(null=True)
    # follow-up (chalicelib/followup): the last connected call at a unit (a label, set by a connected
    # call), verification results per agent / reporter, and the reporter's role (a label)
    last_connect_at = UnicodeAttribute(null=True)
    verified = NumberAttribute(null=True)
    discrepant = NumberAttribute(null=True)
    role = UnicodeAttribute(null=True)
    # pacing (chalicelib/campaigns/pacing.py): leases in a window, a slow-down marker, the day's slow-downs
    leases = NumberAttribute(null=True)
    slowed = NumberAttribute(null=True)
    slowed_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds: DynamoDB's TTL (only pacing windows carry it)
    # an agent's live lease, on the agent's day item (d#<day>#agents / a#<username>)
    lease_campaign = UnicodeAttribute(null=True)
    lease_contact = UnicodeAttribute(null=True)
    lease_name_hi = UnicodeAttribute(null=True)
    lease_name_en = UnicodeAttribute(null=True)
    leased_at = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    last_active_at = UnicodeAttribute(null=True)
    # an agent's open callbacks (agents#callbacks / a#<username>): `<campaign>#<contact>` -> callback_at
    callbacks = MapAttribute(null=True)  # type: ignore[var-annotated]
    # attendance and quality on the agent's day item (issue 20; reporting/activity.py)
    first_at = UnicodeAttribute(null=True)
    active_s = NumberAttribute(null=True)
    idle_n = NumberAttribute(null=True)
    idle_s = NumberAttribute(null=True)
    signins = NumberAttribute(null=True)
    callbacks_made = NumberAttribute(null=True)
    callbacks_kept = NumberAttribute(null=True)
    ans_asked = NumberAttribute(null=True)
    ans_given = NumberAttribute(null=True)
    short_n = NumberAttribute(null=True)
    rapid_n = NumberAttribute(null=True)
    rapid_min = UnicodeAttribute(null=True)
    rapid_min_n = NumberAttribute(null=True)
    same_n = NumberAttribute(null=True)
    ans_hash = UnicodeAttribute(null=True)
    ans_run = NumberAttribute(null=True)
    flags_n = NumberAttribute(null=True)
    paced = NumberAttribute(null=True)
    # a flagged call (flags#<IST day> / <started_at>#<call_id>)
    campaign_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute(null=True)
    call_id = UnicodeAttribute(null=True)
    disposition = UnicodeAttribute(null=True)
    duration_s = NumberAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    reasons = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]
    name_hi = UnicodeAttribute(null=True)
    name_en = UnicodeAttribute(null=True)
    # answer tallies: top-level numbers `a<i>_...` (not declared: their names depend on the campaign's
    # questions), kept by from_raw_data as `tallies` (name -> number)
    tallies: dict[str, int | float]

    @classmethod
    def from_raw_data(cls, data: dict[str, Any]) -> CounterModel:  # type: ignore[override]
        item = super().from_raw_data(data)
        item.tallies = {name: number(value["N"]) for name, value in data.items()
                        if TALLY_NAME.fullmatch(name) and isinstance(value, dict) and "N" in value}
        return item


assert all(hasattr(CounterModel, f"d_{d}") for d in DISPOSITIONS)
FIGURES = ("attempts", "connects", "talk_s", "completed", "targets",
           *(f"d_{d}" for d in DISPOSITIONS), *(f"targeted_{lv}" for lv in LEVELS),
           *(f"reached_{lv}" for lv in LEVELS), "relay_received", "relay_passed_on",
           *(f"received_{lv}" for lv in LEVELS))


def campaign_unit(campaign_id: str, unit_id: str) -> tuple[str, str]:
    return f"c#{campaign_id}", f"u#{unit_id}"


def day_unit(day: str, campaign_id: str, unit_id: str) -> tuple[str, str]:
    return f"d#{day}#u#{unit_id}", f"c#{campaign_id}"


def day_agent(day: str, username: str) -> tuple[str, str]:
    return f"d#{day}#agents", f"a#{username}"


def day_pacing(day: str, username: str) -> tuple[str, str]:
    return f"d#{day}#pacing", f"a#{username}"


def pace_window(username: str, start: str) -> tuple[str, str]:
    return f"pace#{username}", f"w#{start}"


CALLBACKS_PK = "agents#callbacks"


def agent_callbacks(username: str) -> tuple[str, str]:
    return CALLBACKS_PK, f"a#{username}"


def callback_key(campaign_id: str, contact_id: str) -> str:
    """The key of one callback in its owner's `callbacks` map."""
    return f"{campaign_id}#{contact_id}"


LEASE_FIELDS = ("lease_campaign", "lease_contact", "lease_name_hi", "lease_name_en", "leased_at", "lease_until")


def lease_actions(*, agent: str, campaign_id: str, contact_id: str, name_hi: str, name_en: str, leased_at: str,
                  until: str, activity: Step | None = None) -> list[Action]:
    """SET the agent's live lease on their day item (and the agent label, and last_active_at; with
    `activity`, the lease's attendance figures instead: `activity_update`, whose condition is the caller's)."""
    actions = [CounterModel.agent.set(agent), CounterModel.lease_campaign.set(campaign_id),
               CounterModel.lease_contact.set(contact_id), CounterModel.lease_name_hi.set(name_hi),
               CounterModel.lease_name_en.set(name_en), CounterModel.leased_at.set(leased_at),
               CounterModel.lease_until.set(until)]
    if activity is None:
        return [*actions, CounterModel.last_active_at.set(leased_at)]
    return actions + activity_update(activity)[0]


def activity_update(step: Step) -> tuple[list[Action], Condition]:
    """One activity on the agent's day item: first_at if there is none, last_active_at moved on, the gap
    ADDed as active or idle; the condition: last_active_at still as read (absent if it was), so the gap is
    counted once (a lost race is read again, or lost)."""
    actions: list[Action] = [CounterModel.first_at.set(CounterModel.first_at | step.at)]
    if step.moves_last:
        actions.append(CounterModel.last_active_at.set(step.at))
    actions += [_path(name).add(value) for name, value in step.increments().items() if value]
    return actions, activity_condition(step)


def activity_condition(step: Step) -> Condition:
    condition: Condition = (CounterModel.last_active_at.does_not_exist() if step.last_before is None
                            else CounterModel.last_active_at == step.last_before)
    return condition


def unchanged(expected: Mapping[str, Any]) -> list[Condition]:
    """Conditions: each attribute still as read (None: absent) — a kept run or minute of the day item."""
    out: list[Condition] = []
    for name, value in expected.items():
        attr = getattr(CounterModel, name)
        out.append(attr.does_not_exist() if value is None else attr == value)
    return out


def lease_clear_actions() -> list[Action]:
    """REMOVE the live lease from the agent's day item (the condition saying it still names the contact
    is the caller's: `names_lease`)."""
    return [getattr(CounterModel, name).remove() for name in LEASE_FIELDS]


def names_lease(campaign_id: str, contact_id: str) -> Any:
    """Condition: the day item's live lease is this target."""
    return (CounterModel.lease_campaign == campaign_id) & (CounterModel.lease_contact == contact_id)


def callback_set(key: str, at: str) -> Action:
    return CounterModel.callbacks[key].set(at)  # type: ignore[index,no-any-return]


def callback_remove(key: str) -> Action:
    return CounterModel.callbacks[key].remove()  # type: ignore[index,no-any-return]


def ensure_callbacks_map() -> Action:
    """SET an empty `callbacks` map unless there is one: a map key can only be set inside a map."""
    return CounterModel.callbacks.set(CounterModel.callbacks | {})  # type: ignore[arg-type]


def add_actions(increments: Mapping[str, float], labels: Mapping[str, Any] | None = None) -> list[Action]:
    """ADD each figure (creating the item if needed) and SET descriptive labels. Answer tallies
    (`a<i>_...`) are top-level numbers too: ADD creates them."""
    actions: list[Action] = [_path(name).add(value) for name, value in increments.items() if value]
    actions += [getattr(CounterModel, name).set(value) for name, value in (labels or {}).items()]
    return actions


def figures(item: CounterModel | None) -> dict[str, int]:
    return {name: int(getattr(item, name) or 0) if item else 0 for name in FIGURES}


def raw_key(key: tuple[str, str]) -> dict[str, Any]:
    return {"pk": {"S": key[0]}, "sk": {"S": key[1]}}


# ---- attendance, performance and quality (issue 20) ------------------------------------------------

AGENT_DAY = ("attempts", "connects", "talk_s", *(f"d_{d}" for d in DISPOSITIONS), "active_s", "idle_n", "idle_s",
             "signins", "callbacks_made", "callbacks_kept", "ans_asked", "ans_given", "short_n", "rapid_n",
             "same_n", "flags_n", "verified", "discrepant", "paced")


def agent_day(item: CounterModel | None) -> dict[str, Any]:
    """An agent's day item read back: every figure of AGENT_DAY (0 when absent) and `first_at`,
    `last_active_at` (UTC ISO or None)."""
    out: dict[str, Any] = {name: int(getattr(item, name) or 0) if item else 0 for name in AGENT_DAY}
    out["first_at"] = item.first_at if item else None
    out["last_active_at"] = item.last_active_at if item else None
    return out


def flag_key(day: str, started_at: str, call_id: str) -> tuple[str, str]:
    return f"flags#{day}", f"{started_at}#{call_id}"


def flag_item(key: tuple[str, str], fields: Mapping[str, Any]) -> CounterModel:
    """A flagged call's item (put by the call's transaction): agent, campaign_id, contact_id, call_id,
    disposition, duration_s, started_at, reasons, name_hi, name_en — never a phone number."""
    return CounterModel(*key, **fields)


FLAG_FIELDS = ("agent", "campaign_id", "contact_id", "call_id", "disposition", "duration_s", "started_at",
               "reasons", "name_hi", "name_en")
FLAG_PAGE_KEYS = ("pk", "sk")


def flag_view(item: CounterModel) -> dict[str, Any]:
    out = {name: getattr(item, name) for name in FLAG_FIELDS}
    out["duration_s"] = int(item.duration_s or 0)
    out["reasons"] = list(item.reasons or [])
    return out


def flags_of_day(day: str, agent: str | None = None, start_key: dict[str, Any] | None = None,
                 limit: int = 50) -> Page[dict[str, Any]]:
    """A page of the IST `day`'s flagged calls in the order they started (one Query; `agent`: only that
    agent's, as the Query's filter, so a page may hold fewer than `limit`). Items are `flag_view`s;
    `next_key` is the Query's LastEvaluatedKey (pk, sk) or None."""
    result = CounterModel.query(f"flags#{day}", filter_condition=(CounterModel.agent == agent) if agent else None,
                                limit=limit, page_size=limit, last_evaluated_key=start_key)
    items = [flag_view(item) for item in result]
    return Page(items, result.last_evaluated_key)


def record_sign_in(username: str, at: str, day: str, idle_limit_s: Callable[[dict[Any, Any]], int],
                   extra_keys: list[Any], attempts: int = 3) -> bool:
    """A sign-in on the user's day item: one BatchGetItem (the item and `extra_keys`: the calling settings,
    which `idle_limit_s(found)` reads the idle limit from), then one UpdateItem (signins + 1 and the
    activity from last_active_at as read, conditioned on it unchanged); read again if it moved meanwhile.
    False if it kept moving (another sign-in, lease or call of the same user each time)."""
    key = day_agent(day, username)
    item_key = (CounterModel, key[0], key[1])
    for _ in range(attempts):
        found = db.batch_get([item_key, *extra_keys])
        item = found.get(item_key)
        last = item.last_active_at if isinstance(item, CounterModel) else None
        actions, condition = activity_update(step(last, at, idle_limit_s(found)))
        actions += [_path("signins").add(1), CounterModel.agent.set(username)]
        try:
            CounterModel(*key).update(actions=actions, condition=condition)
            return True
        except UpdateError as exc:
            if not db.is_condition_failure(exc):
                raise db.translate(exc) from exc
    return False


# ---- reads for the supervisors' board --------------------------------------------------------


def _lease(item: CounterModel, now: str | None) -> dict[str, Any] | None:
    if not item.lease_contact or not item.lease_until or (now is not None and item.lease_until <= now):
        return None
    return {"campaign_id": item.lease_campaign, "contact_id": item.lease_contact, "name_hi": item.lease_name_hi,
            "name_en": item.lease_name_en, "leased_at": item.leased_at, "until": item.lease_until}


def agent_day_states(day: str, now: str | None = None) -> dict[str, dict[str, Any]]:
    """Every agent with an item on the IST `day` (a lease or a call that day), in one Query (paged by
    DynamoDB only past 1 MB: ~3,000 agents). username -> {"figures": figures(...) (attempts, connects,
    talk_s, d_<disposition>, ...), "lease": {campaign_id, contact_id, name_hi, name_en, leased_at, until}
    or None (no lease, or it ended before `now` when `now` is given), "last_active_at": UTC ISO or None}."""
    out: dict[str, dict[str, Any]] = {}
    for item in CounterModel.query(f"d#{day}#agents", page_size=1000):
        username = item.agent or item.sk[2:]
        out[username] = {"figures": figures(item), "lease": _lease(item, now), "last_active_at": item.last_active_at}
    return out


def open_callbacks() -> dict[str, dict[str, Any]]:
    """Every agent's open callbacks, in one Query: username -> {"callbacks_open": n, "next_callback_at":
    the earliest callback time (UTC ISO) or None, "callbacks": {"<campaign>#<contact>": callback_at}}.
    Agents who never owned a callback are absent (read them as 0)."""
    out: dict[str, dict[str, Any]] = {}
    for item in CounterModel.query(CALLBACKS_PK, page_size=1000):
        entries = callbacks_of(item)
        out[item.sk[2:]] = {"callbacks_open": len(entries), "next_callback_at": min(entries.values(), default=None),
                            "callbacks": entries}
    return out


def callbacks_of(item: CounterModel | None) -> dict[str, str]:
    """The `callbacks` map of an agent's callbacks item, as plain strings."""
    raw = item.callbacks if item is not None else None
    if raw is None:
        return {}
    data = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    return {str(k): str(v) for k, v in data.items()}


def agent_states(day: str, now: str | None = None) -> dict[str, dict[str, Any]]:
    """The board's per-agent line in two Queries: `agent_day_states(day, now)` merged with
    `open_callbacks()`. username -> {"figures", "lease", "last_active_at", "callbacks_open",
    "next_callback_at"}; an agent with callbacks but no item that day gets zero figures and no lease."""
    states = agent_day_states(day, now)
    for username, cb in open_callbacks().items():
        row = states.setdefault(username, {"figures": figures(None), "lease": None, "last_active_at": None})
        row["callbacks_open"], row["next_callback_at"] = cb["callbacks_open"], cb["next_callback_at"]
    for row in states.values():
        row.setdefault("callbacks_open", 0)
        row.setdefault("next_callback_at", None)
    return states


# ---- answer tallies: their update expressions (their names and reading them: reporting/tallies.py) ----

def _path(name: str) -> Path:
    declared = getattr(CounterModel, name, None)
    if isinstance(declared, NumberAttribute):
        return Path(declared)
    if not TALLY_NAME.fullmatch(name):
        raise ValueError(f"not a counter figure: {name}")
    return Path(NumberAttribute(attr_name=name))


def extreme_update(e: Extreme) -> tuple[Action, Condition]:
    path = _path(e.name)
    lower = e.name.endswith("_min")
    if e.new:
        keep = (path >= e.value) if lower else (path <= e.value)
        return path.set(e.value), path.does_not_exist() | keep
    holds = (path <= e.value) if lower else (path >= e.value)
    return path.set(path | e.value), path.does_not_exist() | holds


def marker_set(name: str) -> tuple[Action, Condition]:
    """The per-unit marker, set once: condition it is absent (two racing first answers count once)."""
    path = _path(name)
    return path.set(1), path.does_not_exist()


def marker_seen(name: str) -> Condition:
    """Condition: the per-unit marker is there already (assumed without reading)."""
    return _path(name).exists()
