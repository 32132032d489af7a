"""The supervisors' wall board, and an agent's own figures of the day, in one read each.

A board is one request and at most 8 DynamoDB calls whatever the number of agents and campaigns
(one district's call centre: the escalations are one Query per district of the active campaigns):
1. the active campaigns (one Query on the campaigns' status index; a page of CAMPAIGNS_PAGE);
2. one BatchGetItem across tables: the seat, shift and calling settings, the roster heads of the period in
   force (one key per period length an admin may choose), and each listed campaign's counters at its
   target unit, all time and today (its progress and coverage, today's answers) and its questions;
3. the roster revision's lines (one Query; none when this container has read that revision before:
   lines are immutable);
4. leave overlapping today (one Query);
5. every agent's counter item of the day: calls, connects, talk time, live lease, last activity, and the
   attendance and quality figures written with the activity (first activity, time active, idle gaps,
   calls flagged) (one Query);
6. the agents slowed down today for asking for contacts too fast (one Query);
7. the district's unresolved escalations of every campaign (one Query on a sparse index).
8. every agent's open callbacks (one Query: the calls feature keeps them as a map per agent on one
   partition); each agent's live lease and last activity ride on item 5 (chalicelib/reporting/counters.py).
The budget is asserted in tests/api/test_board_budget.py (cold 8; 7 once this container has the
roster revision's lines). Reads 2-8 run in parallel after 1 (3 after 2). Nothing here reads call logs.

The agents' rows and states are board/agents.py, the campaigns' board/campaigns.py.
No Chalice, boto3 or PynamoDB here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ..campaigns import rules as campaign_rules
from ..core import clock
from ..core.clock import iso
from ..core.paging import PageRequest, encode_cursor
from ..followup import service as followup
from ..reporting import counters
from ..shifts import calling
from ..shifts import rules as shift_rules
from . import agents, store
from .campaigns import campaign_row, with_escalations

T = TypeVar("T")
REFRESH_S = 15  # how often the client reads the board (it pauses while the tab is hidden)
CONFIG_NAMES = ("seats", "shifts", calling.NAME)  # calling: the late grace (issue 20)
# one BatchGetItem: per campaign its all-time and today's counters at its target and its questions (3 keys)
CAMPAIGNS_PAGE = (store.MAX_KEYS - len(CONFIG_NAMES) - len(shift_rules.PERIOD_WEEKS)) // 3
MAX_ESCALATIONS = 10  # open escalations listed on the board
READERS = 8  # reads in parallel


def my_day(username: str) -> dict[str, Any]:
    """GET /me/today: the agent's calls, connects and talk time of the IST day (one GetItem)."""
    day = campaign_rules.ist_date(clock.now_utc())
    figures = counters.figures(store.day_agent_figures(day, username))
    return {"date": day, "calls": figures["attempts"], "connects": figures["connects"], "talk_s": figures["talk_s"]}


@dataclass(frozen=True)
class BoardRequest:
    agents: PageRequest  # start_key {"after": {"S": <sort key>}}
    campaigns: PageRequest  # the campaigns' status index's key; at most CAMPAIGNS_PAGE


AGENT_KEYS = ("after",)


class _Pool:
    """Reads in parallel, each in a copy of the caller's context (the recorder and the logger see it)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=READERS)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True)

    def run(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self.pool.submit(contextvars.copy_context().run, fn, *args)


def _configs(snap: store.Snapshot) -> tuple[shift_rules.SeatConfig, shift_rules.ShiftConfig]:
    seats = snap.config.get("seats")
    shifts = snap.config.get("shifts")
    return (shift_rules.seat_config_from(*seats) if seats else shift_rules.DEFAULT_SEATS,
            shift_rules.shift_config_from(*shifts) if shifts else shift_rules.DEFAULT_SHIFTS)


def _periods(now: datetime) -> dict[int, str]:
    day = shift_rules.ist_date(now)
    return {w: shift_rules.period_id(shift_rules.period_start(day, w)) for w in shift_rules.PERIOD_WEEKS}


@dataclass
class _Read:
    """What one board read (the reads of the module's docstring)."""

    floor: agents.Floor
    shift: dict[str, Any]
    campaigns: list[dict[str, Any]]
    campaigns_next: Any
    escalations: list[dict[str, Any]]
    escalations_more: bool


def _read(req: BoardRequest, now: datetime, day: str) -> _Read:
    periods = _periods(now)
    with _Pool() as pool:
        f_day = pool.run(counters.agent_day_states, day, iso(now))
        f_callbacks = pool.run(counters.open_callbacks)
        f_slowed = pool.run(store.day_slowdowns, day)
        f_leave = pool.run(store.on_leave, day)
        listed = store.active_campaigns(PageRequest(min(req.campaigns.limit, CAMPAIGNS_PAGE), req.campaigns.start_key))
        keys = {c.campaign_id: counters.campaign_unit(c.campaign_id, c.target_unit_id) for c in listed.items}
        day_keys = {c.campaign_id: counters.day_unit(day, c.campaign_id, c.target_unit_id) for c in listed.items}
        f_esc = pool.run(followup.open_in_districts, [c.district_id for c in listed.items], MAX_ESCALATIONS)
        snap = store.snapshot(list(CONFIG_NAMES), list(periods.values()), [*keys.values(), *day_keys.values()],
                              [c.campaign_id for c in listed.items])
        seats, cfg = _configs(snap)
        window = shift_rules.shift_window(now, cfg)
        period = periods[cfg.period_weeks]
        head = snap.heads.get(period)
        lines = store.roster_lines(period, head.set_hash) if head and head.set_hash else []
        stored_calling = snap.config.get(calling.NAME)
        grace = (calling.calling_from(*stored_calling) if stored_calling else calling.DEFAULT).late_grace_minutes
        floor = agents.Floor(lines, window, seats, f_day.result(), f_callbacks.result(), f_leave.result(),
                             f_slowed.result(), late_grace_min=grace)
        escalations, esc_more = f_esc.result()
    campaigns = [campaign_row(c, snap.counters.get(keys[c.campaign_id]), snap.counters.get(day_keys[c.campaign_id]),
                              snap.questions.get(c.campaign_id, [])) for c in listed.items]
    shift = {"period": period, "rostered": bool(head and head.set_hash),
             "window": window.to_dict() if window else None}
    return _Read(floor, shift, campaigns, listed.next_key, escalations, esc_more)


def board(req: BoardRequest) -> dict[str, Any]:
    """GET /board: the seat map of the shift in progress, every agent's state and figures of the day
    (a page of rows; the states and totals count everyone), campaigns' progress, open escalations and
    pacing events."""
    now = clock.now_utc()
    day = campaign_rules.ist_date(now)
    read = _read(req, now, day)
    rows = agents.agent_rows(read.floor, now)
    states, totals = agents.totals(rows)
    shown = with_escalations(read.campaigns, read.escalations)
    return {"at": iso(now), "date": day, "refresh_s": REFRESH_S, "break_after_min": agents.BREAK_AFTER_MIN,
            "shift": read.shift, "rooms": agents.seat_map(read.floor.seats, rows), "states": states,
            "totals": totals, **agents.agent_page(rows, req.agents), "pacing": agents.pacing(read.floor.slowed, rows),
            "campaigns": read.campaigns, "campaigns_cursor": encode_cursor(read.campaigns_next),
            "escalations": {"items": shown, "more": read.escalations_more}}
