"""The supervisor's live shift board, and an agent's own figures of the day, in one read each.

A board is one request: who is rostered on the shift in progress and at which seat (the roster of
the period, one Query), each agent's calls and connects today (the day's agent counters, one
Query), the agents slowed down today for asking for contacts too fast (one Query), what each agent
holds (leases and callbacks: one Query per agent on the board), and each active campaign's progress
by level (counters, two reads a campaign). Nothing here reads call logs, so its cost depends on the
number of agents and campaigns, never on the number of calls.
Agents work one shift a day, so an agent's figures of the IST day are those of their shift.
No Chalice, boto3 or PynamoDB here.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from ..calls import counters
from ..calls import service as calls
from ..campaigns import rules as campaign_rules
from ..campaigns import store as campaign_store
from ..core import clock
from ..core.auth import Principal
from ..core.clock import iso
from ..core.paging import PageRequest
from ..followup import service as followup
from ..shifts import rotation
from ..shifts import rules as shift_rules
from ..shifts import service as shifts
from ..shifts import store as shift_store
from . import store

REFRESH_S = 30  # how often the client reads the board (it pauses while the tab is hidden)
MAX_AGENTS = 100  # rows on one board: a shift has 35 seats
MAX_CAMPAIGNS = 10
READERS = 8  # agents' holdings read in parallel
MAX_ESCALATIONS = 10  # open escalations listed per campaign


def my_day(username: str) -> dict[str, Any]:
    """GET /me/today: the agent's calls, connects and talk time of the IST day (one GetItem)."""
    day = campaign_rules.ist_date(clock.now_utc())
    figures = counters.figures(store.day_agent_figures(day, username))
    return {"date": day, "calls": figures["attempts"], "connects": figures["connects"], "talk_s": figures["talk_s"]}


def _duty(now: datetime) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The shift in progress and the people rostered on it, by username."""
    cfg, seats = shifts.shift_config(), shifts.seat_config()
    window = shift_rules.shift_window(now, cfg)
    day = shift_rules.ist_date(now)
    period = shift_rules.period_id(shift_rules.period_start(day, cfg.period_weeks))
    head = shift_store.get_head(period)
    shift = {"period": period, "rostered": bool(head and head.set_hash),
             "window": window.to_dict() if window else None}
    if window is None or head is None or not head.set_hash:
        return shift, {}
    on_leave = {username for username, _, _ in shift_store.leaves_overlapping(day.isoformat(), day.isoformat())}
    people = {}
    for line in shift_store.lines(period, head.set_hash):
        if line.status != rotation.PLACED or line.shift != window.shift or not line.username:
            continue
        view = shifts.line_view(line, seats)
        people[line.username] = {"name_hi": line.name_hi, "name_en": line.name_en, "role": line.role,
                                 "seat": view["seat"], "room": view["room"], "rostered": True,
                                 "on_leave": line.username in on_leave}
    return shift, people


def _holdings(username: str, now_s: str) -> dict[str, Any]:
    leases, pending, due = [], 0, 0
    for target in store.held_by(username):
        sort = target.agent_sort or ""
        if sort.startswith("0#") and target.lease_agent == username and (target.lease_until or "") > now_s:
            leases.append({"campaign_id": target.campaign_id, "contact_id": target.contact_id,
                           "name_hi": target.name_hi, "name_en": target.name_en, "leased_at": target.leased_at,
                           "until": target.lease_until})
        elif sort.startswith("1#"):
            pending += 1
            due += 1 if (target.callback_at or "") <= now_s else 0
    capped = len(leases) + pending >= store.HELD_READ
    return {"leases": leases, "callbacks": {"pending": pending, "due": due, "more": capped}}


def _in_parallel(usernames: list[str], now_s: str) -> dict[str, dict[str, Any]]:
    if not usernames:
        return {}
    with ThreadPoolExecutor(max_workers=min(READERS, len(usernames))) as pool:
        futures = {u: pool.submit(contextvars.copy_context().run, _holdings, u, now_s) for u in usernames}
        return {u: f.result() for u, f in futures.items()}


def _escalations(campaign_id: str) -> dict[str, Any]:
    """The campaign's open escalations (one Query): units nobody could reach, and whom to call."""
    items, more = followup.open_escalations(campaign_id, MAX_ESCALATIONS)
    return {"items": items, "more": more}


def _campaigns(user: Principal) -> list[dict[str, Any]]:
    out = []
    for campaign in campaign_store.list_campaigns("active", None, PageRequest(MAX_CAMPAIGNS, None)).items:
        p = calls.progress(user, campaign.campaign_id, None, None)
        out.append({"campaign_id": campaign.campaign_id, "title_hi": campaign.title_hi,
                    "title_en": campaign.title_en, "kind": campaign.kind, "unit": p["unit"],
                    "targets": p["targets"], "completed": p["completed"], "remaining": p["remaining"],
                    "attempts": p["attempts"], "connects": p["connects"], "coverage": p["coverage"],
                    "escalations": _escalations(campaign.campaign_id)})
    return out


def board(user: Principal) -> dict[str, Any]:
    """GET /board."""
    now = clock.now_utc()
    now_s = iso(now)
    day = campaign_rules.ist_date(now)
    shift, people = _duty(now)
    figures = {c.agent or (c.sk or "")[2:]: counters.figures(c) for c in store.day_agents(day)}
    slowed = {c.agent or (c.sk or "")[2:]: c for c in store.day_slowdowns(day)}
    usernames = sorted(set(people) | set(figures) | set(slowed))[:MAX_AGENTS]
    missing = [u for u in usernames if u not in people]
    profiles = shift_store.get_agents(missing) if missing else {}
    held = _in_parallel(usernames, now_s)
    rows = []
    for username in usernames:
        person = people.get(username)
        if person is None:
            profile = profiles.get(username)
            person = {"name_hi": profile.name_hi if profile else None, "name_en": profile.name_en if profile else None,
                      "role": profile.role if profile else None, "seat": None, "room": None, "rostered": False,
                      "on_leave": False}
        f = figures.get(username) or counters.figures(None)
        rows.append({"username": username, **person, "calls": f["attempts"], "connects": f["connects"],
                     "talk_s": f["talk_s"], "slowed": int(getattr(slowed.get(username), "slowed", 0) or 0),
                     **held[username]})
    rows.sort(key=lambda r: (not r["rostered"], r["seat"] is None, r["seat"] or "", r["username"]))
    totals = {"on_duty": sum(1 for r in rows if r["rostered"] and not r["on_leave"]),
              "calls": sum(r["calls"] for r in rows), "connects": sum(r["connects"] for r in rows),
              "leases": sum(len(r["leases"]) for r in rows),
              "callbacks_pending": sum(r["callbacks"]["pending"] for r in rows),
              "callbacks_due": sum(r["callbacks"]["due"] for r in rows)}
    return {"at": now_s, "date": day, "refresh_s": REFRESH_S, "shift": shift, "totals": totals, "agents": rows,
            "pacing": _pacing(slowed, rows), "campaigns": _campaigns(user)}


def _pacing(slowed: dict[str, counters.CounterModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Agents slowed down today for asking for new contacts too fast (chalicelib/campaigns/pacing.py):
    how many times and when last, latest first."""
    names = {r["username"]: r for r in rows}
    out = [{"username": username, "name_hi": names.get(username, {}).get("name_hi"),
            "name_en": names.get(username, {}).get("name_en"), "count": int(item.slowed or 0),
            "last_at": item.slowed_at} for username, item in slowed.items()]
    return sorted(out, key=lambda p: p["last_at"] or "", reverse=True)
