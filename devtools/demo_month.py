"""`make demo-month`: a month of call-centre activity on the local stack, through the app's own code.

For the previous calendar month (IST) by default, or `--month YYYY-MM`:

* the rosters of the month's rotation periods, generated through chalicelib.shifts.rosters with the
  clock set the day before each period starts (as an admin's `POST /rosters/<period>/generate`);
* one scheme campaign over the district (verification sampled at 15 %), created and activated through
  chalicelib.campaigns with the clock at the month's first morning (the activation's chunks are handed
  to the function in this process instead of through SQS, so that the targets are due at the simulated
  time: the stack's own pump would run them at the real time);
* every rostered agent's working day, one thread per agent (chalicelib.core.clock.simulated: each thread
  has its own clock): most arrive on time, some late, some are absent, some leave early, one relief agent
  works a day with no roster line (a supervisor's duty override); each call is a lease through
  chalicelib.campaigns.leasing.next_call and a record through chalicelib.calls.service.record_call, so
  every counter comes from the writes themselves. A few agents make suspicious calls (a "connected"
  of a few seconds, bursts of calls in one minute, the same answers every time); some calls are
  verification re-calls of sampled reports, a share of them discrepant;
* then the monthly vendor job for that month (chalicelib.performance), and where its email and CSV are.

Against a running `make run` (its moto server, SAMPARK_MOTO_PORT or 5001); if none answers, a local stack
is started here (as the end-to-end tests start one) and kept until Ctrl-C. Not part of `make run`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

from chalicelib.core import clock
from chalicelib.core.clock import IST, iso

ACTOR = "demo-month"
SLICE = timedelta(minutes=10)  # the campaign's lease_minutes (the default)
SUPERVISOR = "supervisor"
RELIEF_AGENT = "relief01"  # works one day with no roster line (a supervisor's duty override)
QUESTIONS: list[dict[str, Any]] = [
    {"id": "received", "kind": "yes_no", "text_hi": "क्या योजना की जानकारी मिली?",
     "text_en": "Did the scheme's news reach you?", "required": True, "verifiable": True},
    {"id": "households", "kind": "number", "text_hi": "कितने परिवारों को बताया?",
     "text_en": "How many households were told?", "min": 0, "max": 500, "verifiable": True},
    {"id": "mood", "kind": "choice", "text_hi": "माहौल कैसा है?", "text_en": "How is the mood?",
     "choices": [{"value": "good", "label_hi": "अच्छा", "label_en": "Good"},
                 {"value": "mixed", "label_hi": "मिला-जुला", "label_en": "Mixed"},
                 {"value": "poor", "label_hi": "खराब", "label_en": "Poor"}]},
]
SAME_ANSWERS = {"received": True, "households": 10, "mood": "good"}


# ---- the plan ----------------------------------------------------------------------------------


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def month_days(month: str) -> list[date]:
    first = date.fromisoformat(f"{month}-01")
    days, day = [], first
    while day.month == first.month:
        days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class Plan:
    month: str  # YYYY-MM
    agents: tuple[str, ...]  # the rostered agents whose days are simulated
    days: tuple[date, ...] | None = None  # None: every day of the month
    calls_per_day: int = 3  # a present agent's calls on an ordinary day (suspicious days make more)
    seed: int = 20
    target_unit: str = "chw"
    target_roles: tuple[str, ...] = ("booth_president", "shakti_kendra_incharge")
    # a day's kind for a rostered agent: shares of late, absent, leaving early (the rest: on time)
    late: float = 0.10
    absent: float = 0.06
    early: float = 0.08
    suspicious: tuple[str, ...] = ()  # default: the plan's 2nd, 5th and 9th agents (short, rapid, same)
    relief: str | None = RELIEF_AGENT
    employer: dict[str, str] = field(default_factory=lambda: {
        "id": "sewa-bpo", "name_hi": "सेवा कॉल सर्विसेज़", "name_en": "Sewa Call Services"})
    verify_rate: float = 0.15
    workers: int = 8  # agents simulated at once (threads)

    def simulated_days(self) -> list[date]:
        return list(self.days) if self.days is not None else month_days(self.month)

    def tricks(self) -> dict[str, str]:
        chosen = self.suspicious or tuple(self.agents[i] for i in (1, 4, 8) if i < len(self.agents))
        return dict(zip(chosen, ("short", "rapid", "same"), strict=False))


@dataclass
class Tally:
    """What the simulation did (the report is recomputed from the call logs, not from this)."""

    calls: Counter[str] = field(default_factory=Counter)  # by disposition, and "verification"
    days: Counter[str] = field(default_factory=Counter)  # on_time, late, absent, early, relief
    refused: Counter[str] = field(default_factory=Counter)  # next_call's refusals by code
    sign_ins: dict[str, list[str]] = field(default_factory=dict)  # username -> when they signed in (UTC ISO)
    skipped_periods: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, counter: str, key: str, n: int = 1) -> None:
        with self.lock:
            getattr(self, counter)[key] += n


class SimClock:
    """One simulated agent's clock: moved by the agent's own steps only."""

    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def step(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@contextlib.contextmanager
def at_time(moment: datetime) -> Iterator[SimClock]:
    sim = SimClock(moment)
    with clock.simulated(sim):
        yield sim


def ist(day: date, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00").replace(tzinfo=IST)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """powertools prints a full set of metrics (EMF) to stdout outside Lambda: dropped here."""
    from chalicelib.core.observability import metrics

    with contextlib.redirect_stdout(io.StringIO()):
        yield
        metrics.clear_metrics()


# ---- set-up: employer, rosters, relief agent, campaign ----------------------------------------------


def set_employer(plan: Plan) -> str:
    """The outside firm (issue 20's employer): the stored one if there is one (`make run` seeds its firm),
    else the plan's, added through the settings' service; every simulated agent who is still the party's
    own staff is moved to it through the agents' service (as PATCH /agents/{username})."""
    from chalicelib.shifts import agents, employers

    current = employers.get_employers()
    firms = [e for e in current["employers"] if e["id"] != "party"]
    if not firms:
        firms = [plan.employer]
        employers.put_employers(ACTOR, {"employers": [*current["employers"], plan.employer],
                                        "version": current["version"]})
    firm = str(firms[0]["id"])
    for username in [*plan.agents, *([plan.relief] if plan.relief else [])]:
        view = agents.get_agent(username)
        if view.get("employer", "party") == "party":
            agents.update_agent(ACTOR, username, {"employer": firm, "version": view["version"]})
    return firm


def generate_rosters(plan: Plan, tally: Tally) -> tuple[dict[date, dict[str, str]], dict[date, dict[str, str]]]:
    """Each period of the month rostered (clock: the day before it starts); the shift of each rostered
    agent, and of each rostered supervisor, per working day. A period that cannot be generated (the one
    before a roster that exists already, e.g. `make run`'s current one) is reported and its days are not
    simulated."""
    from chalicelib.core.errors import Conflict
    from chalicelib.shifts import roster_store, rosters, rules
    from chalicelib.shifts.config import shift_config

    cfg = shift_config()
    days = plan.simulated_days()
    starts = sorted({rules.period_start(d, cfg.period_weeks) for d in days})
    shifts: dict[date, dict[str, str]] = {}
    supervisors: dict[date, dict[str, str]] = {}
    for start in starts:
        period = rules.period_id(start)
        with at_time(ist(start - timedelta(days=1), "12:00")), _quiet():
            try:
                rosters.generate_roster(period, ACTOR, {})
            except Conflict as exc:
                if roster_store.get_head(period) is None:
                    tally.skipped_periods.append(f"{period} ({exc.code})")
                    continue
        head = roster_store.get_head(period)
        assert head is not None and head.set_hash
        lines = [line for line in rosters.roster_of(period, head.set_hash).lines
                 if line.status == "placed" and line.shift]
        for day in rules.period_days(start, cfg.period_weeks):
            if day in days and day.weekday() in cfg.working_days:
                shifts[day] = {line.username: str(line.shift) for line in lines if line.role == "agent"}
                supervisors[day] = {line.username: str(line.shift) for line in lines if line.role == "supervisor"}
    return shifts, supervisors


def sign_in(username: str, at: datetime) -> None:
    """A supervisor's sign-in at `at`, as accounts tells the composition root's listener after Cognito
    accepts the password (app.py: the day's activity; the supervisors' only activity, as the office
    screens they keep open write nothing)."""
    import app  # noqa: F401  (registers the sign-in listener)
    from chalicelib.core import sign_ins

    with at_time(at):
        for listener in sign_ins.listeners():
            listener(username, at)


def supervisors_arrive(day: date, rostered: dict[str, str], rng: random.Random, tally: Tally) -> None:
    """The day's rostered supervisors sign in: most within minutes of their shift's start, one day in ten
    late, now and then not at all."""
    from chalicelib.shifts.config import shift_config

    windows = shift_config().windows
    for username, shift in sorted(rostered.items()):
        roll = rng.random()
        if roll < 0.03:
            tally.add("days", "supervisor_absent")
            continue
        late = roll < 0.13
        start = ist(day, windows[shift][0].strftime("%H:%M"))
        at = start + timedelta(minutes=rng.randint(20, 50) if late else rng.randint(-10, 5))
        sign_in(username, at)
        tally.sign_ins.setdefault(username, []).append(iso(at))
        tally.add("days", "supervisor_late" if late else "supervisor_on_time")


def add_relief(plan: Plan) -> None:
    """An agent taken on after the rosters were made: no roster line this month."""
    if plan.relief is None:
        return
    from chalicelib.shifts import agent_store
    from chalicelib.shifts.agents import agent_record

    if agent_store.get_agent(plan.relief) is None:
        record = {"username": plan.relief, "role": "agent", "name_hi": "राहत एजेंट", "name_en": "Relief Agent",
                  "email": f"{plan.relief}@sampark.example", "phone": None, "languages": ["hi", "en"],
                  "active": True}
        agent_record(record, ACTOR, iso(clock.now_utc())).save()


def create_campaign(plan: Plan) -> str:
    """The month's scheme campaign, created and activated at the month's first morning."""
    from chalicelib.campaigns import activation, activation_queue, definition

    days = month_days(plan.month)
    body = {"title_hi": f"किसान सम्मान निधि ({plan.month})", "title_en": f"Farmer support scheme ({plan.month})",
            "script_hi": "नमस्ते, हम पार्टी कार्यालय से योजना के बारे में बोल रहे हैं।",
            "script_en": "Hello, this is the party office, calling about the scheme.",
            "kind": "scheme", "questions": QUESTIONS,
            "target": {"unit_id": plan.target_unit, "roles": list(plan.target_roles)},
            "starts_on": days[0].isoformat(), "ends_on": days[-1].isoformat(),
            "calling_hours": {"start": "08:00", "end": "21:00"},
            "verification": {"rate": plan.verify_rate, "seed": f"demo-{plan.month}"}}
    queued: list[tuple[str, int]] = []
    with at_time(ist(days[0], "07:00")), _quiet(), \
            mock.patch.object(activation_queue, "enqueue_activation",
                              lambda campaign_id, seq: queued.append((campaign_id, seq))):
        _, view = definition.create_campaign(SUPERVISOR, body, f"demo-month-{plan.month}-{plan.seed}")
        campaign_id = str(view["campaign_id"])
        activation.activate(campaign_id)
        while queued:  # the function the queue would trigger, here and now
            cid, seq = queued.pop(0)
            retried(functools.partial(activation.process_activation_chunk, {"campaign_id": cid, "seq": seq}))
    return campaign_id


def retried(work: Callable[[], Any], attempts: int = 5) -> Any:
    """`work` again after a 503 (a busy local moto server times out), as a Lambda's retry would: the
    activation's chunks and the calls are idempotent."""
    from chalicelib.core.errors import Unavailable

    for attempt in range(attempts):
        try:
            return work()
        except Unavailable:
            if attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)
    return None


# ---- an agent's day ----------------------------------------------------------------------------------


@dataclass
class Day:
    agent: str
    day: date
    start: datetime  # the shift's window
    end: datetime
    kind: str  # on_time | late | absent | early | late_early | relief
    trick: str | None  # short | rapid | same | None
    rng: random.Random


def _answers(rng: random.Random, trick: str | None) -> dict[str, Any]:
    if trick == "same":
        return dict(SAME_ANSWERS)
    answers: dict[str, Any] = {"received": rng.random() < 0.8}
    if rng.random() < 0.85:
        answers["households"] = rng.randint(0, 40)
    if rng.random() < 0.7:
        answers["mood"] = rng.choice(["good", "mixed", "poor"])
    return answers


def _disposition(rng: random.Random) -> str:
    return rng.choices(["connected", "no_answer", "busy", "switched_off", "callback_requested"],
                       [55, 22, 9, 10, 4])[0]


class Agent:
    """One simulated agent's day: leases and records through the services, its clock in its thread."""

    def __init__(self, d: Day, campaign_id: str, verification_id: str, tally: Tally, calls_per_day: int) -> None:
        from chalicelib.core.auth import AGENT, Principal

        self.d, self.campaign_id, self.verification_id, self.tally = d, campaign_id, verification_id, tally
        self.calls_per_day = calls_per_day
        self.user = Principal(d.agent, f"sub-{d.agent}", frozenset({AGENT}))

    def lease(self, sim: SimClock, campaign_id: str) -> dict[str, Any] | None:
        from chalicelib.campaigns import leasing
        from chalicelib.core.errors import AppError

        for _ in range(3):
            try:
                screen = leasing.next_call(self.d.agent, campaign_id)
            except AppError as exc:
                self.tally.add("refused", exc.code)
                if exc.code not in ("queue_busy", "unavailable"):
                    return None
                sim.step(1)
                continue
            return screen if screen.get("status") == "leased" else None
        return None

    def record(self, sim: SimClock, body: dict[str, Any]) -> None:
        from chalicelib.calls import service
        from chalicelib.core.errors import AppError

        for _ in range(3):
            try:
                service.record_call(self.user, body)
                return
            except AppError as exc:
                self.tally.add("refused", f"call:{exc.code}")
                if exc.code not in ("contended", "unavailable"):  # the same call again: idempotent on call_id
                    return
                if exc.code == "unavailable":
                    time.sleep(1)
                sim.step(1)

    def call(self, sim: SimClock, *, burst: bool = False) -> None:
        """One call: lease (a verification re-call first, now and then), dial, talk, record."""
        rng, trick = self.d.rng, self.d.trick
        screen = None
        verifying = rng.random() < 0.25
        if verifying:
            screen = self.lease(sim, self.verification_id)
        if screen is None:
            verifying = False
            screen = self.lease(sim, self.campaign_id)
        if screen is None:
            return
        contact_id = screen["contact"]["contact_id"]
        sim.step(rng.randint(3, 6) if burst else rng.randint(15, 40))  # dialling
        started = sim.now
        disposition = "no_answer" if burst else _disposition(rng)
        body: dict[str, Any] = {"call_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                "campaign_id": screen["campaign"]["campaign_id"], "contact_id": contact_id,
                                "disposition": disposition, "started_at": iso(started), "notes": None}
        if disposition == "connected":
            duration = rng.randint(6, 15) if trick == "short" and rng.random() < 0.7 else rng.randint(45, 320)
            body["answers"] = self.heard(contact_id, rng) if verifying else _answers(rng, trick)
        elif burst:
            duration = rng.randint(2, 5)
        else:
            duration = rng.randint(0, 35)
        if disposition == "callback_requested":
            body["callback_at"] = iso(started + timedelta(hours=rng.choice([2, 3, 24])))
        body["duration_s"] = duration
        sim.step(duration + (rng.randint(2, 4) if burst else rng.randint(10, 45)))  # talk, then the wrap-up
        self.record(sim, body)
        self.tally.add("calls", disposition)
        if verifying:
            self.tally.add("calls", "verification")

    def heard(self, contact_id: str, rng: random.Random) -> dict[str, Any]:
        """What a verification re-call hears: the report, or (a quarter of the time) not quite."""
        from chalicelib.campaigns import store

        target = store.get_target(self.verification_id, contact_id)
        reported = dict((target.verify or {}).get("answers") or {}) if target is not None else {}
        if reported and rng.random() < 0.25:
            if "households" in reported:
                reported["households"] = int(reported["households"]) + rng.randint(5, 20)
            elif "received" in reported:
                reported["received"] = not reported["received"]
        return reported

    def prepare(self) -> None:
        """The day's plan: when the agent arrives and leaves, and the moments of its calls (the first on
        arrival, the last just before leaving, the rest spread between; a burst is five calls at one moment)."""
        d, rng = self.d, self.d.rng
        self.moments: list[tuple[datetime, bool]] = []
        self.next = 0
        if d.kind == "absent":
            self.sim = SimClock(d.start)
            return
        arrive = d.start + timedelta(minutes=rng.randint(0, 6))
        leave = d.end - timedelta(minutes=rng.randint(0, 4))
        if d.kind in ("late", "late_early"):
            arrive = d.start + timedelta(minutes=rng.randint(25, 75))
        if d.kind in ("early", "late_early"):
            leave = d.end - timedelta(minutes=rng.randint(45, 120))
        n = max(2, self.calls_per_day + rng.randint(-1, 1))
        span = max((leave - arrive).total_seconds() - 300, 0.0)  # the last call: about 5 minutes before leaving
        offsets = sorted([0.0, span, *(rng.uniform(0, span) for _ in range(n - 2))])
        burst_at = rng.randrange(1, n) if d.trick == "rapid" else -1
        for i, offset in enumerate(offsets):
            at = arrive + timedelta(seconds=offset)
            self.moments += [(at, True)] * (5 if i == burst_at else 0) + [(at, False)]
        self.sim = SimClock(arrive)

    def run_until(self, end: datetime) -> None:
        """The calls whose lease falls before `end` (a slice of the day: see `simulate`), in this thread, on
        this agent's clock."""
        with clock.simulated(self.sim):
            while self.next < len(self.moments):
                at, burst = self.moments[self.next]
                if self.sim.now < at:
                    self.sim.now = at
                if self.sim.now >= end:
                    return
                self.call(self.sim, burst=burst)
                self.next += 1


def _kind(rng: random.Random, plan: Plan) -> str:
    roll = rng.random()
    if roll < plan.absent:
        return "absent"
    roll -= plan.absent
    if roll < plan.late:
        return "late_early" if rng.random() < 0.2 else "late"
    roll -= plan.late
    if roll < plan.early:
        return "early"
    return "on_time"


def simulate(plan: Plan, *, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """The whole month on whatever the models are bound to (moto's server or moto in-process)."""
    from chalicelib.followup.rules import verification_campaign_id
    from chalicelib.shifts import overrides
    from chalicelib.shifts.config import shift_config

    started = time.perf_counter()
    tally = Tally()
    rng = random.Random(plan.seed)
    shifts, supervisors = generate_rosters(plan, tally)
    with at_time(ist(month_days(plan.month)[0], "06:00")):
        add_relief(plan)  # after the rosters: the relief agent has no roster line this month
        set_employer(plan)
    if tally.skipped_periods:
        progress(f"  periods not rostered (their days are left out): {', '.join(tally.skipped_periods)}")
    campaign_id = create_campaign(plan)
    verification_id = verification_campaign_id(campaign_id)
    progress(f"  campaign {campaign_id} active; {len(shifts)} rostered days to simulate")
    windows = shift_config().windows
    tricks = plan.tricks()
    days = sorted(shifts)
    relief_day = days[len(days) // 2] if days and plan.relief else None
    for day in days:
        supervisors_arrive(day, supervisors.get(day, {}), rng, tally)
        work: list[Day] = []
        for agent in plan.agents:
            shift = shifts[day].get(agent)
            if shift is None:
                continue
            start, end = windows[shift]
            kind = _kind(rng, plan)
            tally.add("days", kind)
            work.append(Day(agent, day, ist(day, start.strftime("%H:%M")), ist(day, end.strftime("%H:%M")), kind,
                            tricks.get(agent), random.Random(rng.getrandbits(64))))
        if day == relief_day and plan.relief:
            start, end = windows["morning"]
            with at_time(ist(day, "07:50")):
                overrides.set_override(f"user-{SUPERVISOR}", plan.relief,
                                       {"until": iso(ist(day, end.strftime("%H:%M"))), "reason": "relief for the day"})
            work.append(Day(plan.relief, day, ist(day, start.strftime("%H:%M")), ist(day, end.strftime("%H:%M")),
                            "relief", None, random.Random(rng.getrandbits(64))))
            tally.add("days", "relief")
        simulated = [Agent(d, campaign_id, verification_id, tally, plan.calls_per_day) for d in work]
        for a in simulated:
            a.prepare()
        # The day in slices as long as a lease (10 minutes): the agents' threads run together within a slice
        # only, so every lease taken in a slice is still live at any other lease of the same slice, whatever
        # order the threads' clocks run in: no agent finds another's lease of the same slice expired (the
        # agents' clocks are theirs; DynamoDB's items are shared).
        slice_at = ist(day, "07:30")
        with _quiet(), ThreadPoolExecutor(max_workers=plan.workers) as pool:
            while any(a.next < len(a.moments) for a in simulated):
                slice_at += SLICE
                for future in [pool.submit(a.run_until, slice_at) for a in simulated if a.next < len(a.moments)]:
                    future.result()
        made = sum(n for k, n in tally.calls.items() if k != "verification")
        progress(f"  {day.isoformat()}: {len(work)} agents on the roster; {made} calls so far "
                 f"({time.perf_counter() - started:.0f} s)")
    return {"campaign_id": campaign_id, "verification_id": verification_id, "days": [d.isoformat() for d in days],
            "calls": sum(v for k, v in tally.calls.items() if k != "verification"), "by_disposition": dict(tally.calls),
            "agent_days": dict(tally.days), "refused": dict(tally.refused), "skipped_periods": tally.skipped_periods,
            "sign_ins": tally.sign_ins,
            "relief_day": relief_day.isoformat() if relief_day else None, "tricks": tricks,
            "seconds": round(time.perf_counter() - started, 1)}


def questions_asked(summary: dict[str, Any]) -> dict[str, int]:
    """How many questions a connected call asks, per campaign of the simulation: all of the scheme
    campaign's, the verifiable ones on its verification re-calls."""
    return {summary["campaign_id"]: len(QUESTIONS),
            summary["verification_id"]: sum(1 for q in QUESTIONS if q.get("verifiable"))}


# ---- the vendor job ----------------------------------------------------------------------------------


def job_time(month: str) -> datetime:
    """When the schedule fires for `month`: 00:30 IST on the 1st of the month after."""
    last = month_days(month)[-1]
    return ist(last + timedelta(days=1), "00:30")


def run_vendor_job(month: str) -> Any:
    """The monthly vendor job as its schedule runs it, at 00:30 IST on the 1st of the month after."""
    from chalicelib.performance import vendor

    with at_time(job_time(month)), _quiet():
        return vendor.scheduled(job_time(month))


def ensure_recipient(address: str = "district-office@sampark.example") -> None:
    """The vendor email goes to the admins' logins and the district digest's recipients: the demo's admin
    login has no address, so the district digest gets one (as an admin sets it at /settings/digests)."""
    from chalicelib.digests import config as digest_config

    if digest_config.recipients("district"):
        return
    view = digest_config.settings_view()
    audiences = {a: {"recipients": list(v.get("recipients", []))} for a, v in view["audiences"].items()}
    audiences["district"] = {"recipients": [address]}
    digest_config.put_settings({"version": view["version"], "audiences": audiences,
                                "silent_days": view.get("silent_days", 3)})


# ---- the command -------------------------------------------------------------------------------------


def attach(endpoint: str) -> None:
    """Bind this process to the running stack's account: the names `make run` gave (devtools/account.py)."""
    import boto3

    from .account import bind
    from .local_stack import LOCAL_SES_SENDER, REGION

    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint,  # type: ignore[call-overload]
                            aws_access_key_id="local", aws_secret_access_key="local")

    cognito = client("cognito-idp")
    pool = next(p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "sampark-local")
    app_client = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=10)["UserPoolClients"][0]
    sqs = client("sqs")
    from chalicelib.campaigns.queues import activation_queue_name
    from chalicelib.imports.blobs import bulk_bucket_name, bulk_queue_name

    topics = {arn.rsplit(":", 1)[-1]: arn for arn in
              (t["TopicArn"] for t in client("sns").list_topics()["Topics"])}
    env = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": REGION,
           "AWS_REGION": REGION, "SAMPARK_STAGE": "local", "SAMPARK_TABLE_PREFIX": "sampark-local",
           "SAMPARK_AWS_ENDPOINT": endpoint, "POWERTOOLS_TRACE_DISABLED": "true",
           "POWERTOOLS_METRICS_DISABLED": "true", "SAMPARK_USER_POOL_ID": pool["Id"],
           "SAMPARK_USER_POOL_CLIENT_ID": app_client["ClientId"], "SAMPARK_SES_SENDER": LOCAL_SES_SENDER,
           "SAMPARK_ACTIVATION_QUEUE_URL": sqs.get_queue_url(QueueName=activation_queue_name("local"))["QueueUrl"],
           "SAMPARK_BULK_BUCKET": bulk_bucket_name("local"),
           "SAMPARK_BULK_QUEUE_URL": sqs.get_queue_url(QueueName=bulk_queue_name("local"))["QueueUrl"],
           **{f"SAMPARK_{w.upper()}_TOPIC_ARN": topics[f"sampark-local-{w}"] for w in ("district", "state", "central",
                                                                                  "ops")}}
    bind(env, os.environ.__setitem__)


def sent_emails(endpoint: str) -> list[dict[str, Any]]:
    """What moto's SES accepted (its state at GET /moto-api/data.json)."""
    import requests

    data = requests.get(f"{endpoint}/moto-api/data.json", timeout=120).json()
    ses = data.get("ses", {})
    return [m for kind in ("RawMessage", "Message") for m in ses.get(kind, [])]


def _answering(endpoint: str) -> bool:
    import requests

    try:
        requests.get(f"{endpoint}/moto-api/", timeout=2)
        return True
    except requests.RequestException:
        return False


def save_email(raw: str, folder: str) -> list[str]:
    """The vendor email as received, and its attachments, into `folder`: their paths."""
    import email
    from email import policy

    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, "vendor-report.eml")]
    with open(paths[0], "w", encoding="utf-8") as out:
        out.write(raw)
    message = email.message_from_string(raw, policy=policy.default)
    for part in message.walk():
        name = part.get_filename()
        if name:
            path = os.path.join(folder, os.path.basename(name))
            payload = part.get_payload(decode=True)
            with open(path, "wb") as out:
                out.write(payload if isinstance(payload, bytes) else str(payload).encode())
            paths.append(path)
    return paths


def check(sent: list[dict[str, Any]], month: str, summary: dict[str, Any]) -> int:
    """The last email's CSV and text against a recomputation from the call logs, rosters and audit trail
    (devtools/vendor_check.py): 0 when every figure is equal, 1 otherwise (the differences printed)."""
    from . import vendor_check

    raw = next((m.get("raw_data") for m in reversed(sent) if m.get("raw_data")), None)
    if raw is None:
        print("no vendor email to check", flush=True)
        return 1
    print("checking the email's CSV and text against a recomputation from the call logs, the rosters and the "
          "audit trail…", flush=True)
    limits = vendor_check.Limits.stored(questions_asked(summary))
    expected, problems = vendor_check.check_email(raw, month, month_days(month), limits, summary["sign_ins"])
    if problems:
        print(f"  {len(problems)} differences:", *problems[:40], sep="\n    ", flush=True)
        return 1
    print(f"  equal: {len(expected)} people x {len(vendor_check.FIGURES)} figures of the CSV, each day's activity "
          "item, and every employer's paragraph of the email", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    from .local_stack import ROOT, LocalStack, free_port

    parser = argparse.ArgumentParser(prog="python -m devtools.demo_month", description=__doc__.split("\n")[0])
    parser.add_argument("--month", help="YYYY-MM (default: the previous calendar month, IST)")
    parser.add_argument("--agents", type=int, default=70, help="agents simulated (agent01 ...; default 70)")
    parser.add_argument("--calls-per-day", type=int, default=2, help="a present agent's ordinary calls a day")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--exit", action="store_true", help="stop a stack started here when done (default: keep it)")
    args = parser.parse_args(argv)
    month = args.month or previous_month(datetime.now(UTC).astimezone(IST).date())
    endpoint = f"http://127.0.0.1:{os.environ.get('SAMPARK_MOTO_PORT', '5001')}"
    stack = None
    if not _answering(endpoint):
        print(f"no local stack answers at {endpoint}: starting one here (as the end-to-end tests do); "
              "Ctrl-C stops it when you are done", flush=True)
        stack = LocalStack(api_port=free_port(), moto_port=free_port(), quiet=True, roster=False,
                           progress=lambda s: print(f"  {s}", flush=True)).start()
        endpoint = stack.endpoint
    else:
        attach(endpoint)
    try:
        from chalicelib.core.settings import get_settings

        from .seed import check_local

        check_local(get_settings())
        agents = tuple(f"agent{i:02d}" for i in range(1, args.agents + 1))
        plan = Plan(month, agents, calls_per_day=args.calls_per_day, seed=args.seed)
        print(f"simulating {month}: {len(agents)} agents and a relief agent, moto at {endpoint}…", flush=True)
        summary = simulate(plan, progress=lambda s: print(s, flush=True))
        print(json.dumps({k: v for k, v in summary.items() if k not in ("days", "sign_ins")}, indent=2,
                         ensure_ascii=False))
        print(f"running the monthly vendor job for {month} (as its schedule does at {iso(job_time(month))})…",
              flush=True)
        ensure_recipient()
        result = run_vendor_job(month)
        print(f"  job: {result}", flush=True)
        sent = [m for m in sent_emails(endpoint) if month in json.dumps(m, ensure_ascii=False)]
        folder = str(ROOT / ".local" / "demo-month" / month)
        for i, message in enumerate(sent):
            raw = message.get("raw_data") or ""
            if raw:
                paths = save_email(raw, os.path.join(folder, str(i)))
                to = ", ".join(sorted(set(message.get("destinations") or [])))
                print(f"  email {i + 1} to {to}: {', '.join(paths)}")
        print(f"SES's sent messages: GET {endpoint}/moto-api/data.json (\"ses\" → RawMessage); "
              f"the report: GET /reports/vendor?month={month} (admin)", flush=True)
        status = check(sent, month, summary)
        if stack is not None and not args.exit:
            print(f"the stack keeps running (API {stack.api_url}); Ctrl-C stops it", flush=True)
            while all(p.poll() is None for p in stack.procs):
                time.sleep(0.5)
        return status
    except KeyboardInterrupt:
        return 0
    finally:
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
