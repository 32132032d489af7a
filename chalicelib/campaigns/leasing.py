"""Leasing the next call to an agent (POST /campaigns/{id}/next) and the call screen it returns.
No Chalice, boto3 or PynamoDB here: the store leases, this module decides what to try and in which order."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NoReturn

from ..core import access, clock
from ..core.clock import IST, iso
from ..core.errors import Conflict, TooManyRequests, ValidationError
from ..core.ids import new_id
from ..core.observability import count, logger
from ..core.paging import decode_cursor, encode_cursor
from ..org import rules as org_rules
from ..org import store as org_store
from ..reporting import activity
from ..reporting.counters import agent_callbacks, callbacks_of, campaign_unit, day_agent, day_unit, pace_window
from ..shifts import duty as shifts_duty
from ..shifts.calling import calling_key, calling_of
from . import lease_store, pacing, rules, store
from .settings import CAMPAIGN_ID


class CallingClosed(Conflict):
    pass


def _closed_error(campaign: store.CampaignModel, now: datetime) -> Conflict | None:
    if campaign.status != "active":
        messages = {"draft": "the campaign has not been activated", "activating": "the campaign is still being "
                    "activated; try again in a minute", "closed": "the campaign is closed"}
        return CallingClosed(messages.get(campaign.status, "the campaign is not active"),
                             code=f"campaign_{campaign.status}")
    closed = rules.calling_closed(campaign.starts_on, campaign.ends_on, campaign.calling_start,
                                  campaign.calling_end, now)
    if closed is None:
        return None
    return CallingClosed(closed.message, code=closed.code,
                         details={"opens_at": iso(closed.opens_at) if closed.opens_at else None})


NOTHING_DUE = {"hi": "अभी कोई कॉल बाकी नहीं है। थोड़ी देर बाद फिर पूछें।",
               "en": "No call is due right now. Ask again in a little while."}


CANDIDATES_READ = 40  # due targets read from the queue's head (one Query, keys only)
CANDIDATES = CANDIDATES_READ
PREREAD = 4  # of them, chosen at random, read with everything else: up to three lost races are retried without
# a read within MAX_CALLS (two more eventually consistent item pairs: about 2 read units per call)
REREAD = 6  # when those are gone: that many more, at random, in one BatchGetItem; then the rest in one more
OWN_CALLBACKS = 3  # an agent's due callbacks read (with its own lease) in the one read of its own
MAX_CALLS = 5  # DynamoDB calls one /next makes at most, whatever the contention (issue 18; see next_call)
BUSY_RETRY_S = 1
QUEUE_BUSY = "many agents are asking for the same calls at once; ask again in a moment"


class QueueBusy(TooManyRequests):
    pass


@dataclass
class _Next:
    """One POST /next: what it read, how many DynamoDB calls it has made, and whether it had to stop
    with a due target it could still lease undecided (then it must not answer "nothing due")."""

    agent: str
    campaign_id: str
    now: datetime
    found: dict[Any, Any] = field(default_factory=dict)
    calls: int = 0
    undecided: bool = False

    @property
    def now_s(self) -> str:
        return iso(self.now)

    def target(self, contact_id: str) -> store.TargetModel | None:
        return self.found.get(store.target_key(self.campaign_id, contact_id))

    def contact(self, contact_id: str) -> org_store.ContactModel | None:
        return self.found.get(store.contact_item_key(contact_id))

    def afford(self, calls: int) -> bool:
        """Are `calls` more DynamoDB calls within MAX_CALLS? If not, something is left undecided."""
        if self.calls + calls <= MAX_CALLS:
            return True
        self.undecided = True
        return False

    def read(self, contact_ids: list[str], *, consistent: bool = False) -> None:
        keys = [k for contact_id in contact_ids for k in _pair_keys(self.campaign_id, contact_id)]
        self.calls += 1
        self.found.update(store.read_keys(keys, consistent=consistent) if consistent else store.read_keys(keys))


def _pair_keys(campaign_id: str, contact_id: str) -> list[Any]:
    return [store.target_key(campaign_id, contact_id), store.contact_item_key(contact_id)]


def next_call(agent: str, campaign_id: str, resume: str | None = None) -> dict[str, Any]:
    """Lease the next target to `agent` (from `resume`, a queue_busy answer's place in the queue, if given).

    On the common path three DynamoDB calls: one Query of the queue's head (CANDIDATES_READ keys); one
    BatchGetItem of the caller's profile and duty (agent item, shift configuration, roster head and line),
    the campaign, the agent's day item (a live lease), callbacks and pacing window, and PREREAD of the due
    targets, at random, with their contacts; one transaction that leases (see lease_store.lease). The agent's own
    live lease comes back first (renewed, not paced), then an expired lease of theirs or a due callback (one
    more BatchGetItem reads those), then the queue.

    Under contention (the targets read were leased by others meanwhile, a lost race), the next candidates
    are read together: REREAD more of the head at random in one BatchGetItem, then all the rest of it in
    one more (at most 2 x CANDIDATES_READ keys, within BatchGetItem's 100); a head that was full and is all
    gone is followed by one more Query of the queue beyond it (when the budget allows it; otherwise the 429
    below carries `resume`, where the queue goes on, and the client's next ask starts there: a head of the
    queue this agent may not call does not hide the rest). Every call counts: the Queries, the reads,
    the lease transactions (lost races included), the closes of contacts that must not be called, a pacing
    refusal's record or (a lease, not a refusal) the unit read of a target without its unit path (older than
    it, or added by follow-up: an escalation, a verification). So a /next makes at most
    MAX_CALLS (5) DynamoDB calls (not counting the retries of unprocessed keys DynamoDB may ask for).

    "Nothing due" is answered only when it is known: every target of the queue's due range was read and
    found not leasable by this agent (leased or called by others, its due time moved, excluded for this
    agent) or lost to another agent's lease, or closed; and the range ended within what was read. If the
    budget runs out first, a 429 `queue_busy` (Retry-After 1 s) says to ask again: never "nothing due"
    while a due target it could lease may remain. Candidates are read eventually consistent (store.read_keys:
    the lease's conditions hold the rest); the agent's own lease and callback, and a contact changed under
    a lease, are read consistently."""
    now = clock.now_utc()
    if not re.fullmatch(CAMPAIGN_ID, campaign_id):
        raise store.not_found(campaign_id)
    run = _Next(agent, campaign_id, now)
    due, beyond = store.due_page(campaign_id, run.now_s, CANDIDATES_READ, _resume_at(campaign_id, resume))
    run.calls += 1
    picks = random.sample(due, min(PREREAD, len(due)))
    limits = pacing.limits()
    window = pacing.window(now, limits)
    pace_key = pace_window(agent, window.key)
    day = rules.ist_date(now)
    duty = shifts_duty.duty_read(agent, now)
    keys = [store.campaign_key(campaign_id), store.counter_key(day_agent(day, agent)),
            store.counter_key(agent_callbacks(agent)), store.counter_key(pace_key), *duty.keys(), calling_key()]
    for contact_id in picks:
        keys += _pair_keys(campaign_id, contact_id)
    run.found = store.read_keys(keys)
    run.calls += 1
    access.settle_profile(agent, shifts_duty.profile_of(run.found, agent))
    campaign = run.found.get(store.campaign_key(campaign_id))
    if campaign is None:
        raise store.not_found(campaign_id)
    closed = _closed_error(campaign, now)
    if closed is not None:
        raise closed
    shifts_duty.require(duty.status(run.found))
    until_s = iso(now + timedelta(minutes=int(campaign.lease_minutes)))
    day_item = run.found.get(store.counter_key(day_agent(day, agent)))
    callbacks_item = run.found.get(store.counter_key(agent_callbacks(agent)))
    callbacks = callbacks_of(callbacks_item)
    ensure = agent_callbacks(agent) if callbacks_item is None or callbacks_item.callbacks is None else None
    pace_item = run.found.get(store.counter_key(pace_key))
    lease_activity = activity.step(day_item.last_active_at if day_item is not None else None, run.now_s,
                                   calling_of(run.found).idle_limit_minutes * 60)
    cap = calling_of(run.found).daily_call_cap

    def hold(target: store.TargetModel) -> None:
        """The contact was called up to the cap today: the target waits for the next IST day (one write)."""
        if run.afford(1):
            run.calls += 1
            keys = _day_keys(campaign_id, day, target)
            if lease_store.hold_target(target, day, _next_day_start(day), run.now_s, keys):
                count("TargetsHeld")

    def refuse() -> NoReturn:
        record = pace_item is None or not pace_item.slowed
        if record:  # a first refusal in the window writes the board's slow-down (afforded by the caller)
            run.calls += 1
        _refuse(agent, campaign_id, now, limits, window, pace_key, pace_item, record=record)

    def attempt(contact_id: str, how: str) -> dict[str, Any] | None:
        """The call screen if leased; None if not: the target is gone for this agent (not leasable, lost
        to another agent, closed), or, with run.undecided set, the budget did not allow trying it."""
        target, contact = run.target(contact_id), run.contact(contact_id)
        if target is None:
            return None
        if contact is None or contact.opted_out or contact.wrong_number:
            if run.afford(1):
                run.calls += 1
                _skip(campaign, target, contact, agent, now, callbacks_item)
            return None
        if not _leasable(target, agent, how, run.now_s):
            return None
        if lease_store.locked_by_other(contact, agent, run.now_s):  # another agent is on this person: not now
            count("LeaseLocked")
            return None
        if how == "queue" and lease_store.at_cap(contact, day, cap):
            hold(target)
            return None
        paced = None if how == "renewed" else (pace_key, limits.max_leases, window.expires_at)
        slowed = pace_item is not None and bool(pace_item.slowed)
        if paced is not None and int(getattr(pace_item, "leases", None) or 0) >= limits.max_leases:
            if not run.afford(0 if slowed else 1):  # the refusal's record
                return None
            refuse()
        # the transaction, then either a refusal's record (it came back too fast) or the units of a target
        # without its path (leased): never both. (Counting both left an agent's own callback on an escalation's
        # target, which has no path, forever undecided: 3 calls before it, 6 asked for. The race harness found it.)
        if not run.afford(1 + max(paced is not None and not slowed, target.unit_path is None)):
            return None
        run.calls += 1
        request = lease_store.Lease(target, contact, agent, how, run.now_s, until_s, day_agent(day, agent),
                                    f"{run.now_s}#{new_id('a')[-8:]}", paced, ensure, activity=lease_activity,
                                    day=day, cap=cap)
        outcome = lease_store.lease(request)
        if outcome == lease_store.TOO_FAST:
            refuse()
        if outcome in (lease_store.LOCKED, lease_store.CAPPED):  # the contact as the transaction found it
            if request.seen is not None:
                run.found[store.contact_item_key(contact_id)] = request.seen
            count("LeaseLocked" if outcome == lease_store.LOCKED else "LeaseCapped")
            if outcome == lease_store.CAPPED and how == "queue":
                hold(target)
            return None
        if outcome == lease_store.CONTACT_CHANGED:  # opted out, wrong number, erased or a new phone meanwhile
            if not run.afford(2):
                return None
            run.read([contact_id], consistent=True)
            run.found.setdefault(store.contact_item_key(contact_id), None)
            return attempt(contact_id, how)
        if outcome != lease_store.LEASED:
            count("LeaseRacesLost")
            return None
        if target.unit_path is None:
            run.calls += 1
        return _screen(campaign, target, contact, how, run.found)

    # the agent's own: the live or expired lease on their day item, then the earliest due callback
    own: list[tuple[str, str]] = []
    if day_item is not None and day_item.lease_campaign == campaign_id and day_item.lease_contact:
        live = (day_item.lease_until or "") > run.now_s
        own.append((day_item.lease_contact, "renewed" if live else "reclaim"))
    prefix = f"{campaign_id}#"
    due_callbacks = sorted((at, key[len(prefix):]) for key, at in callbacks.items()
                           if key.startswith(prefix) and at <= run.now_s)
    # the earliest due callbacks, read together: one that cannot be leased now (its person is on a call in
    # another campaign, or its entry outlived the callback) must not hide the ones after it
    own += [(contact_id, "callback") for _, contact_id in due_callbacks[:OWN_CALLBACKS]]
    if own:
        run.read([contact_id for contact_id, _ in own], consistent=True)
        for contact_id, how in own:
            target = run.target(contact_id)
            if target is None:
                continue
            if how == "reclaim":
                how = "callback" if target.status == "callback" else "queue"
            screen = attempt(contact_id, how)
            if screen:
                return screen
    # the queue: the candidates read (the pre-read ones first), then more of the page in one read each
    ready, unread = picks, [c for c in due if c not in picks]
    resume_at: dict[str, Any] | None = None
    random.shuffle(unread)
    more = [REREAD, len(unread)]
    while True:
        for contact_id in ready:
            screen = attempt(contact_id, "queue")
            if screen:
                return screen
        if run.undecided:
            break
        if not unread and beyond is not None:  # a full page, all gone: the queue goes on beyond it
            if not run.afford(2):  # the Query and a read (the lease is afforded when there is one to try)
                resume_at = beyond
                break
            due, beyond = store.due_page(campaign_id, run.now_s, CANDIDATES_READ, beyond)
            run.calls += 1
            unread = [c for c in due if run.target(c) is None]
            random.shuffle(unread)
            more = [REREAD, len(unread)]
        if not unread:
            break
        if not run.afford(2):  # a read and a lease
            break
        size = more.pop(0) if more else len(unread)
        ready, unread = unread[:size], unread[size:]
        run.read(ready)
    if run.undecided or unread or beyond is not None:
        count("QueueBusy")
        details: dict[str, Any] = {"retry_after_s": BUSY_RETRY_S}
        if resume_at is not None:
            details["resume"] = encode_cursor(resume_at)
        raise QueueBusy(QUEUE_BUSY, code="queue_busy", details=details)
    return _nothing_due()


def _next_day_start(day: str) -> str:
    """The start (00:00 IST) of the IST day after `day`, as UTC ISO: when a held target is due again."""
    return iso(datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time(), IST))


def _day_keys(campaign_id: str, day: str, target: store.TargetModel) -> list[tuple[str, str]]:
    """The day's counter items of the target's units (a held target is counted on each: progress)."""
    return [day_unit(day, campaign_id, u.unit_id) for u in rules.path_units(target.tree_key, target.role)]


def _resume_at(campaign_id: str, resume: str | None) -> dict[str, Any] | None:
    """The queue's key to start from: a `resume` of this campaign's queue (from a queue_busy answer)."""
    refused = ValidationError("resume is not a place in this campaign's queue", field="resume")
    try:
        start = decode_cursor(resume, store.QUEUE_PAGE_KEYS)
    except ValidationError as exc:
        raise refused from exc
    if start is not None and start.get(store.QUEUE_PAGE_PARTITION) != {"S": rules.queue_key(campaign_id, "")}:
        raise refused
    return start


def _leasable(target: store.TargetModel, agent: str, how: str, now: str) -> bool:
    """Would the lease's condition hold on the target as read? (Saves a doomed transaction.)"""
    if how == "renewed":
        return target.lease_agent == agent and (target.lease_until or "") > now
    if how == "callback":
        return target.status == "callback" and target.agent_key == agent and (target.due_at or "~") <= now
    return (target.status == "queued" and (target.due_at or "~") <= now
            and target.exclude_agent != agent)


def _skip(campaign: store.CampaignModel, target: store.TargetModel, contact: org_store.ContactModel | None,
          agent: str, now: datetime, callbacks_item: Any) -> None:
    """Close a target whose contact must not be called, counted complete (once: the close is conditional)."""
    skip = "erased" if contact is None else "opted_out" if contact.opted_out else "wrong_number"
    # /next only meets its own callbacks (queued targets have no owner); a map missing has nothing to remove
    has_map = callbacks_item is not None and callbacks_item.callbacks is not None
    owner = agent if target.status == "callback" and target.agent_key == agent and has_map else None
    keys = [campaign_unit(campaign.campaign_id, u.unit_id) for u in rules.path_units(target.tree_key, target.role)]
    if lease_store.close_skipped(target, agent, skip, iso(now), keys, owner):
        count("TargetsSkipped")


TOO_FAST = "you are asking for new contacts faster than anyone can dial; wait a moment"


def _refuse(agent: str, campaign_id: str, now: datetime, limits: pacing.Pacing, window: pacing.Window,
            pace_key: tuple[str, str], pace_item: Any, *, record: bool) -> NoReturn:
    """Refuse with 429 `too_fast` and the seconds left in the window. The first refusal in a window
    is put on the supervisors' board (the day's slow-downs) and in the audit trail, in one
    transaction; later ones in the same window write nothing more."""
    count("PacingRefusals")
    if record:
        at = iso(now)
        if lease_store.record_slowdown(agent, pace_key, window.expires_at, rules.ist_date(now), at,
                                       f"campaign:{campaign_id} limit:{limits.max_leases}/{limits.window_s}s",
                                       f"{at}#{new_id('a')[-8:]}"):
            logger.warning("agent slowed down", extra={"agent": agent, "campaign_id": campaign_id,
                                                       "max_leases": limits.max_leases, "window_s": limits.window_s})
    raise TooManyRequests(TOO_FAST, code="too_fast",
                          details={"retry_after_s": window.retry_after_s, "max_leases": limits.max_leases,
                                   "window_s": limits.window_s})


def _nothing_due() -> dict[str, Any]:
    return {"status": "nothing_due", "message": NOTHING_DUE, "retry_after_s": 60}


def _screen(campaign: store.CampaignModel, target: store.TargetModel, contact: org_store.ContactModel, how: str,
            found: dict[Any, Any]) -> dict[str, Any]:
    """What the agent needs on one screen: the campaign and the contact as read in this request, the
    unit path as the target carries it (a target written before it did: the units are read)."""
    lang = contact.language if contact.language in org_rules.LANGUAGES else "hi"
    stored = target.unit_path
    if stored is None:
        units = org_store.get_units(org_rules.ancestor_ids(contact.tree_key.rsplit("/", 1)[0] + "/"))
        stored = rules.unit_path_of(units, contact.tree_key)
    path = [{**p, "name": p.get(f"name_{lang}") or p.get("name_hi") or ""} for p in stored]
    previous = None
    if target.last_disposition:
        previous = {"disposition": target.last_disposition, "notes": target.last_notes,
                    "at": target.last_call_at, "agent": target.last_agent}
    return {
        "status": "leased",
        "lease": {"until": target.lease_until, "how": how},
        "campaign": {"campaign_id": campaign.campaign_id, "kind": campaign.kind,
                     "title": getattr(campaign, f"title_{lang}")},
        "contact": {"contact_id": contact.contact_id, "name": getattr(contact, f"name_{lang}") or contact.name_hi
                    or contact.name_en, "name_hi": contact.name_hi, "name_en": contact.name_en,
                    "role": contact.role, "language": lang, "phone": contact.phone,
                    "unit_path": [{k: p[k] for k in ("unit_id", "level", "name", "name_hi", "name_en")} for p in path],
                    "unit_path_text": " → ".join(p["name"] for p in path)},
        "script": getattr(campaign, f"script_{lang}"),
        "questions": rules.localise_questions(campaign.questions, lang),
        "attempts": int(target.attempts or 0), "max_attempts": int(campaign.max_attempts),
        "callback_at": target.callback_at, "previous_call": previous,
        "escalation_reason": ({"hi": target.escalation.get("reason_hi"), "en": target.escalation.get("reason_en")}
                              if target.escalation else None),
    }
