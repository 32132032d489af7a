"""The campaign page's one read (GET /campaigns/{id}/overview?unit=): the campaign's facts, its figures
at the unit in view, one row per child unit, the relay view of a programme relay, and escalations, all
from the report counters (never a call log), the answer tallies among them (`answers` per question id, at the
unit in view, today there, and per child row: reporting/counters.py answers_view). No Chalice, boto3 or PynamoDB here.

DynamoDB calls, whatever the campaign's size (tests/api/test_campaign_overview.py holds it):
  (GetItem of the campaign when no unit is named)
  1 BatchGetItem: campaign, unit in view, its all-time and today's counters
  1 Query: one page of the unit's children (org's by_parent index, at most CHILDREN_MAX)
  1 BatchGetItem: the children's counters and the units between the target and the unit in view
  1 Query: one page of the campaign's escalations (no filter: one request)
  1 BatchGetItem: the in-charges' call targets (whom to call) — supervisors and admins only,
    and only when an escalation names one
so at most 6. Leaders get aggregates only: no person's name or phone, no login names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..calls import rules as call_rules
from ..campaigns import read_store as campaign_read_store
from ..campaigns import rules
from ..campaigns.reads import campaign_at_unit
from ..core import clock
from ..core.auth import ADMIN, SUPERVISOR, Principal
from ..core.clock import iso
from ..core.errors import ValidationError
from ..core.paging import PageRequest, page_body
from ..followup import service as followup_service
from ..followup import store as followup_store
from ..org import rules as org_rules
from ..org import store as org_store
from ..relay import rules as relay_rules
from ..relay.service import STATE_LABELS
from ..reporting import counters

CHILDREN_MAX = 90  # children per page: with the (at most 5) units of the breadcrumb, one BatchGetItem
ESCALATIONS_MAX = 50  # escalations listed (one Query page); the full list is GET /campaigns/{id}/escalations
REFRESH_S = 30  # how often the page reads again while the campaign is activating or active
LIVE = ("activating", "active")


def _unit(u: org_store.UnitModel) -> dict[str, Any]:
    return {"unit_id": u.unit_id, "level": u.level, "name_hi": u.name_hi, "name_en": u.name_en}


def _figures(f: dict[str, int]) -> dict[str, Any]:
    return {"targets": f["targets"], "completed": f["completed"], "remaining": max(f["targets"] - f["completed"], 0),
            "attempts": f["attempts"], "connects": f["connects"], "talk_s": f["talk_s"]}


def _campaign(c: Any, relay: dict[str, Any] | None) -> dict[str, Any]:
    programme = c.programme or {}
    return {"campaign_id": c.campaign_id, "status": c.status, "kind": c.kind, "title_hi": c.title_hi,
            "title_en": c.title_en, "target_unit_id": c.target_unit_id, "target_level": c.target_level,
            "target_roles": list(c.target_roles), "starts_on": c.starts_on, "ends_on": c.ends_on,
            "calling_hours": {"start": c.calling_start, "end": c.calling_end},
            "targets_created": int(c.targets_created or 0), "activated_at": c.activated_at,
            "closed_at": c.closed_at, "source": programme.get("source"),
            "deadline": relay["deadline"] if relay else None, "questions": questions_view(c.questions)}


def questions_view(questions: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The campaign's questions as the charts label them (texts and choice labels in both languages,
    whether counted per person or per unit): never an answer of a person."""
    out = []
    for q in questions or []:
        item = {"id": q["id"], "kind": q["kind"], "per": counters.per_of(q), "text_hi": q["text_hi"],
                "text_en": q["text_en"]}
        if q["kind"] == "choice":
            item["choices"] = [{"value": c["value"], "label_hi": c["label_hi"], "label_en": c["label_en"]}
                               for c in q.get("choices") or []]
        out.append(item)
    return out


def overview(user: Principal, campaign_id: str, unit_id: str | None, cursor: PageRequest) -> dict[str, Any]:
    now = clock.now_utc()
    today = rules.ist_date(now)

    def keys_of(unit: str) -> list[tuple[str, str]]:
        return [counters.campaign_unit(campaign_id, unit), counters.day_unit(today, campaign_id, unit)]

    found = campaign_at_unit(campaign_id, unit_id, keys_of)
    campaign, unit = found.campaign, found.unit
    if not unit.path.startswith(campaign.target_path):
        raise ValidationError("that unit is outside the campaign's target", field="unit")
    own_key, day_key = keys_of(unit.unit_id)
    own, day = counters.figures(found.items.get(own_key)), counters.figures(found.items.get(day_key))
    page = PageRequest(min(cursor.limit, CHILDREN_MAX), cursor.start_key)
    children = org_store.children(unit.unit_id, page) if unit.level != "booth" else None
    kids = children.items if children else []
    kid_keys = [counters.campaign_unit(campaign_id, k.unit_id) for k in kids]
    trail = org_rules.ancestor_ids(unit.path)[::-1]  # root first, the unit in view last
    between = trail[len(org_rules.ancestor_ids(campaign.target_path)) - 1:-1]  # the target down to the parent
    snap = campaign_read_store.read_figures(counters=kid_keys, units=between) if kid_keys or between else None
    below, names = (snap.counters, snap.units) if snap else ({}, {})
    breadcrumb = [_unit(names[u]) if u in names else {"unit_id": u, "level": None, "name_hi": u, "name_en": u}
                  for u in between] + [_unit(unit)]
    relay = _Relay(campaign, now) if campaign.kind == "programme_relay" else None
    questions = list(campaign.questions or [])
    rows = [_row(kid, below.get(key), questions, relay) for kid, key in zip(kids, kid_keys, strict=True)]
    relay_view = relay.view(unit, own, rows) if relay else None
    level = unit.level if unit.level in counters.LEVELS else "district"
    return {
        "at": iso(now), "refresh_s": REFRESH_S if campaign.status in LIVE else None,
        "campaign": _campaign(campaign, relay_view),
        "unit": _unit(unit), "breadcrumb": breadcrumb,
        "progress": {**_figures(own), "by_disposition": {d: own[f"d_{d}"] for d in call_rules.DISPOSITIONS},
                     "coverage": call_rules.coverage(counters.LEVELS, level, own)},
        "answers": counters.answers_view(found.items.get(own_key), questions),
        "today": {"date": today, "attempts": day["attempts"], "connects": day["connects"],
                  "completed": day["completed"], "answers": counters.answers_view(found.items.get(day_key), questions),
                  "held_today": _held(found.items.get(day_key))},
        "children": {**page_body(rows, children.next_key if children else None),
                     "level": kids[0].level if kids else None},
        "relay": relay_view,
        "escalations": escalations(user, campaign_id),
    }


class _Relay:
    """A programme relay's levels and deadline, and each unit's relay state from its counters."""

    def __init__(self, campaign: Any, now: datetime) -> None:
        self.levels = relay_rules.levels_of(campaign.programme,
                                            [org_rules.ROLE_LEVEL[r] for r in campaign.target_roles])
        self.deadline = relay_rules.deadline_of(campaign.programme, campaign.ends_on)
        self.now = now

    def node(self, figures: dict[str, int], level: str) -> dict[str, Any]:
        state = relay_rules.node_state(figures, level, self.levels, self.deadline, self.now)
        return {"state": state.state, "state_label": STATE_LABELS[state.state],
                "received": figures["relay_received"], "passed_on": figures["relay_passed_on"],
                "confirmed_below": state.confirmed_below, "broken_link": state.broken_link}

    def view(self, unit: Any, own: dict[str, int], rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"levels": self.levels, "deadline": iso(self.deadline), "deadline_passed": self.now > self.deadline,
                "unit": self.node(own, unit.level), "completion": relay_rules.completion(unit.level, self.levels, own),
                "broken_links_on_page": sum(1 for r in rows if r["relay"]["broken_link"])}


def _held(day_item: Any) -> int:
    """Targets held today at the unit because their contact was called up to the daily cap (issue 20):
    they come back at the start of the next IST day ("held: called today")."""
    return int(getattr(day_item, "held", None) or 0) if day_item is not None else 0


def _row(kid: Any, item: Any, questions: list[dict[str, Any]], relay: _Relay | None) -> dict[str, Any]:
    """One child unit's row: its figures, outcomes, answers, and its relay state in a programme relay."""
    f = counters.figures(item)
    row = {**_unit(kid), **_figures(f), "by_disposition": {d: f[f"d_{d}"] for d in call_rules.DISPOSITIONS},
           "answers": counters.answers_view(item, questions)}
    if relay is not None:
        row["relay"] = relay.node(f, kid.level)
    return row


def escalations(user: Principal, campaign_id: str) -> dict[str, Any]:
    """The campaign's escalations (one Query page), open first; for supervisors and admins each open
    one names whom to call (the in-charge's call target: name, role, phone's last four digits). For
    leaders the in-charge is left out: the unit, the reason and the dates only."""
    result = followup_store.escalations(campaign_id, None, PageRequest(ESCALATIONS_MAX, None))
    views = [followup_service.escalation_view(e) for e in result.items]
    office = user.has(SUPERVISOR, ADMIN)
    wanted = [(campaign_id, v["incharge_contact_id"]) for v in views
              if office and v["status"] != "resolved" and v["incharge_contact_id"]]
    targets = {t.contact_id: t for t in followup_store.targets(wanted)} if wanted else {}
    items = []
    for v in views:
        item = {k: v[k] for k in ("unit_id", "level", "parent_unit_id", "trigger", "reason_hi", "reason_en",
                                  "status", "created_at", "resolved_at")}
        if office:
            target = targets.get(v["incharge_contact_id"] or "")
            item["call"] = None if target is None else {
                "contact_id": target.contact_id, "name_hi": target.name_hi, "name_en": target.name_en,
                "role": target.role, "phone_last4": target.phone_last4, "target_status": target.status,
                "attempts": int(target.attempts or 0), "last_disposition": target.last_disposition}
        items.append(item)
    items.sort(key=lambda i: (i["status"] == "resolved", i["unit_id"]))
    return {"open": sum(1 for i in items if i["status"] != "resolved"),
            "resolved": sum(1 for i in items if i["status"] == "resolved"),
            "items": items, "more": result.next_key is not None}
