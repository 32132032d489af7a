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
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from ..core import db
from .rules import DISPOSITIONS

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


def add_actions(increments: dict[str, int], labels: dict[str, str] | None = None) -> list[Action]:
    """ADD each figure (creating the item if needed) and SET descriptive labels."""
    actions: list[Action] = [getattr(CounterModel, name).add(value) for name, value in increments.items() if value]
    actions += [getattr(CounterModel, name).set(value) for name, value in (labels or {}).items()]
    return actions


def figures(item: CounterModel | None) -> dict[str, int]:
    return {name: int(getattr(item, name) or 0) if item else 0 for name in FIGURES}


def raw_key(key: tuple[str, str]) -> dict[str, Any]:
    return {"pk": {"S": key[0]}, "sk": {"S": key[1]}}
