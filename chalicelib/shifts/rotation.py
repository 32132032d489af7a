"""The rotation: a pure, deterministic function from (people, leave, seats, the previous period's
roster) to the roster of a period. No AWS, no clock, no randomness.

Rules, strongest first (docs/data-model.md and the tests state them as properties):

1. Hard: an agent on leave for the whole period gets no place; a (seat, shift) holds at most one
   agent; a person holds at most one place. Supervisors are rostered to a shift, not to a seat.
2. Alternation: everyone who held a place in the previous period takes the other shift, at the same
   seat. Seat partners (the two agents of one seat) therefore move together, and over any run of
   periods two people who worked all of it have morning counts floor(L/2) or ceil(L/2): fairness
   is a consequence of alternation, not a separate search.
   Two recorded exceptions only: a supervisor kept on the same shift because otherwise a shift would
   have no supervisor although two or more are available (`supervisor_cover`), and an agent whose
   seat was removed from the configuration and whose shift has no free seat left (`seat_capacity`).
3. Balance: people who did not work the previous period (new, back from leave, on standby) are the
   free ones; they are split between the shifts to make the head-counts as even as the alternating
   majority and the seats allow, and placed where they keep or form a seat partnership.
4. When places run out the rest are on standby with a reason; standby agents are first in line the
   next period.
Tie-breaks use usernames and a hash salted with the period, never input order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import EVENING, MORNING, SHIFTS, other
from .seating import Seating, best_split

AGENT, SUPERVISOR = "agent", "supervisor"
PLACED, STANDBY, ON_LEAVE = "placed", "standby", "on_leave"
# reasons
LEAVE = "leave"
NO_SEAT = "no_seat"
SUPERVISOR_COVER = "supervisor_cover"
SEAT_CAPACITY = "seat_capacity"
EXCEPTIONS = frozenset({SUPERVISOR_COVER, SEAT_CAPACITY})


@dataclass(frozen=True)
class Person:
    username: str
    role: str = AGENT  # agent | supervisor


@dataclass(frozen=True)
class Place:
    """Where someone was in a roster: status, and shift and seat when placed."""

    status: str
    shift: str | None = None
    seat: str | None = None


@dataclass(frozen=True)
class Line:
    username: str
    role: str
    status: str
    shift: str | None = None
    seat: str | None = None
    partner: str | None = None
    reason: str | None = None  # leave | no_seat for the unplaced; an exception code for the placed

    @property
    def place(self) -> Place:
        return Place(self.status, self.shift, self.seat)

    @property
    def is_exception(self) -> bool:
        return self.reason in EXCEPTIONS

    def key(self) -> tuple[str, str, str, str, str, str]:
        """What the person is told: a change of any of it is a change of assignment."""
        return (self.status, self.shift or "", self.seat or "", self.partner or "", self.reason or "", self.role)

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "status": self.status, "shift": self.shift,
                "seat": self.seat, "partner": self.partner, "reason": self.reason}


@dataclass(frozen=True)
class RotationInput:
    period: str
    seats: tuple[str, ...]
    people: tuple[Person, ...]  # the active agents and supervisors
    away: frozenset[str] = frozenset()  # on leave for the whole period
    previous: Mapping[str, Place] = field(default_factory=dict)  # the immediately previous period
    last_seat: Mapping[str, str] = field(default_factory=dict)  # seat last held, for people coming back
    current: Mapping[str, Place] = field(default_factory=dict)  # this period's roster in force, if any


@dataclass(frozen=True)
class Roster:
    period: str
    lines: tuple[Line, ...]  # one per person, by username

    def by_user(self) -> dict[str, Line]:
        return {line.username: line for line in self.lines}

    def counts(self) -> dict[str, dict[str, int]]:
        out = {s: {AGENT: 0, SUPERVISOR: 0} for s in SHIFTS}
        for line in self.lines:
            if line.status == PLACED and line.shift:
                out[line.shift][line.role] += 1
        return out

    def summary(self) -> dict[str, Any]:
        counts = self.counts()
        status = Counter(line.status for line in self.lines)
        gap = abs(counts[MORNING][AGENT] - counts[EVENING][AGENT])
        return {
            "morning": counts[MORNING], "evening": counts[EVENING],
            "standby": status[STANDBY], "on_leave": status[ON_LEAVE],
            "exceptions": sum(1 for line in self.lines if line.is_exception),
            "agent_gap": gap,
        }


def _salted(period: str, username: str) -> str:
    return hashlib.sha256(f"{period}:{username}".encode()).hexdigest()


def rotate(inp: RotationInput) -> Roster:
    people: dict[str, Person] = {}
    for person in sorted(inp.people, key=lambda p: p.username):
        if person.username in people:
            raise ValueError(f"{person.username} is listed twice")
        people[person.username] = person
    lines: dict[str, Line] = {}
    working: list[Person] = []
    for username, person in people.items():
        if username in inp.away:
            lines[username] = Line(username, person.role, ON_LEAVE, reason=LEAVE)
        else:
            working.append(person)
    _supervisors(inp, [p for p in working if p.role == SUPERVISOR], lines)
    _agents(inp, [p for p in working if p.role != SUPERVISOR], lines)
    return Roster(inp.period, tuple(lines[u] for u in sorted(lines)))


def _continuing(inp: RotationInput, person: Person) -> str | None:
    """The shift someone who worked the previous period must take now (the other one), or None."""
    prev = inp.previous.get(person.username)
    if prev and prev.status == PLACED and prev.shift in SHIFTS:
        return other(prev.shift)
    return None


def _free_order(inp: RotationInput, free: Iterable[Person]) -> list[Person]:
    """Who is placed first when places are short: last period's standby, then people coming back,
    then newcomers; by username within each."""

    def rank(p: Person) -> tuple[int, str]:
        prev = inp.previous.get(p.username)
        if prev and prev.status == STANDBY:
            return (0, p.username)
        return (1 if p.username in inp.last_seat else 2, p.username)

    return sorted(free, key=rank)


def _assign_shifts(free: list[Person], want: Mapping[str, str], to_morning: int,
                   want_seat: Mapping[str, str] | None = None) -> dict[str, str]:
    """Give `to_morning` of the free people the morning, honouring preferences in order. Two free
    people who want the same seat (partners coming back together) are given opposite shifts."""
    quota = {MORNING: to_morning, EVENING: len(free) - to_morning}
    shift_of: dict[str, str] = {}

    def give(username: str, shift: str) -> None:
        shift_of[username] = shift
        quota[shift] -= 1

    seats = want_seat or {}
    shift_at: dict[str, str] = {}
    for p in free:
        wish = want.get(p.username)
        if wish and quota[wish] > 0:
            give(p.username, wish)
            if p.username in seats:
                shift_at[seats[p.username]] = wish
    for p in free:
        seat = seats.get(p.username)
        if p.username in shift_of or seat is None:
            continue
        wish = other(shift_at[seat]) if seat in shift_at else max(SHIFTS, key=lambda s: (quota[s], s == MORNING))
        if quota[wish] > 0:
            give(p.username, wish)
            shift_at[seat] = wish
    for p in free:
        if p.username not in shift_of:
            give(p.username, MORNING if quota[MORNING] > 0 else EVENING)
    return shift_of


def _supervisors(inp: RotationInput, sups: list[Person], lines: dict[str, Line]) -> None:
    shift_of: dict[str, str] = {}
    free: list[Person] = []
    for p in sups:
        target = _continuing(inp, p)
        if target:
            shift_of[p.username] = target
        else:
            free.append(p)
    free = _free_order(inp, free)
    count = Counter(shift_of.values())
    want = {p.username: cur.shift for p in free
            if (cur := inp.current.get(p.username)) and cur.status == PLACED and cur.shift in SHIFTS}
    big = len(sups) + 1
    to_morning = best_split(count[MORNING], count[EVENING], len(free), big, big,
                            sum(1 for s in want.values() if s == MORNING))
    shift_of.update(_assign_shifts(free, want, to_morning))
    reasons: dict[str, str] = {}
    count = Counter(shift_of.values())
    if len(sups) >= 2:
        for empty in SHIFTS:
            if count[empty] == 0:
                # Everyone alternated into the other shift: keep one of them where they were.
                candidates = [u for u, s in shift_of.items() if s == other(empty)]
                kept = min(candidates, key=lambda u: (
                    0 if (cur := inp.current.get(u)) and cur.shift == empty else 1, _salted(inp.period, u)))
                shift_of[kept] = empty
                reasons[kept] = SUPERVISOR_COVER
    for p in sups:
        lines[p.username] = Line(p.username, SUPERVISOR, PLACED, shift_of[p.username], None, None,
                                 reasons.get(p.username))


@dataclass
class _Floor:
    """The agents' seating as it is built: the slots, each placed agent's shift, and the exceptions."""

    seating: Seating
    shift_of: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _agents(inp: RotationInput, agents: list[Person], lines: dict[str, Line]) -> None:
    prev_partner = _previous_partners(inp.previous)
    reserved_for = {username: partner for username, partner in prev_partner.items() if partner in inp.away}
    floor = _Floor(Seating(inp.seats, reserved_for))
    displaced, free = _keep_seats(inp, agents, floor)
    floor.seating.build()
    _reseat(inp, displaced, prev_partner, floor)
    _seat_free(inp, free, floor)
    seat_of = {u: s for (s, _), u in floor.seating.slot.items()}
    for p in agents:
        u = p.username
        if u in floor.shift_of:
            shift, at = floor.shift_of[u], seat_of[u]
            lines[u] = Line(u, p.role, PLACED, shift, at, floor.seating.slot.get((at, other(shift))),
                            floor.reasons.get(u))
        else:
            lines[u] = Line(u, p.role, STANDBY, reason=NO_SEAT)


def _keep_seats(inp: RotationInput, agents: list[Person], floor: _Floor) -> tuple[list[Person], list[Person]]:
    """Everyone who worked the previous period takes the other shift at the same seat, if the seat is still
    there; returns those whose seat is gone (displaced) and those who did not work it (free)."""
    displaced: list[Person] = []
    free: list[Person] = []
    for p in agents:
        target = _continuing(inp, p)
        if target is None:
            free.append(p)
            continue
        kept = inp.previous[p.username].seat
        if kept and floor.seating.free(kept, target):
            floor.seating.occupy(kept, target, p.username)
            floor.shift_of[p.username] = target
        else:
            displaced.append(p)
    return displaced, free


def _reseat(inp: RotationInput, displaced: list[Person], prev_partner: Mapping[str, str], floor: _Floor) -> None:
    """Continuing agents whose seat is gone: the same shift elsewhere (next to their old partner if it can
    be), else the other shift (seat_capacity), else standby."""
    seating = floor.seating
    new_seat: dict[str, str] = {}
    for p in sorted(displaced, key=lambda p: (inp.previous[p.username].seat or "", p.username)):
        target = other(inp.previous[p.username].shift or MORNING)
        old_partner = prev_partner.get(p.username)
        seat = None
        if old_partner in new_seat and seating.free(new_seat[old_partner], target):
            seat = new_seat[old_partner]
            seating.place(seat, target, p.username)
        if seat is None:
            seat = seating.take(target, p.username)
        if seat is None and (seat := seating.take(other(target), p.username)) is not None:
            target = other(target)
            floor.reasons[p.username] = SEAT_CAPACITY
        if seat is None:
            continue  # standby
        new_seat[p.username] = seat
        floor.shift_of[p.username] = target


def _seat_free(inp: RotationInput, free: list[Person], floor: _Floor) -> None:
    """Free agents: as many as there is room for (the rest on standby), split for balance, seated by
    preference."""
    seating = floor.seating
    ordered = _free_order(inp, free)
    room = {s: seating.room(s) for s in SHIFTS}
    k = min(len(ordered), room[MORNING] + room[EVENING])
    placed = ordered[:k]
    want_shift, want_seat = _wishes(inp, placed, seating)
    count = Counter(floor.shift_of.values())
    to_morning = best_split(count[MORNING], count[EVENING], k, room[MORNING], room[EVENING],
                            sum(1 for s in want_shift.values() if s == MORNING))
    free_shift = _assign_shifts(placed, want_shift, to_morning, want_seat)
    later: list[Person] = []
    for p in placed:
        shift = free_shift[p.username]
        seat = want_seat.get(p.username)
        if seat and seating.free(seat, shift):
            seating.place(seat, shift, p.username)
            floor.shift_of[p.username] = shift
        else:
            later.append(p)
    for p in later:
        shift = free_shift[p.username]
        seat = seating.take(shift, p.username)
        assert seat is not None, "the split never exceeds the room in a shift"
        floor.shift_of[p.username] = shift


def _wishes(inp: RotationInput, placed: list[Person], seating: Seating) -> tuple[dict[str, str], dict[str, str]]:
    """The shift and seat each free agent would keep: their place in this period's roster in force, or the
    seat they last held (and its one open shift)."""
    want_shift: dict[str, str] = {}
    want_seat: dict[str, str] = {}
    for p in placed:
        cur = inp.current.get(p.username)
        if cur and cur.status == PLACED and cur.shift in SHIFTS and cur.seat:
            if seating.free(cur.seat, cur.shift):
                want_shift[p.username], want_seat[p.username] = cur.shift, cur.seat
            continue
        seat = inp.last_seat.get(p.username)
        if seat and seat in seating.order:
            open_shifts = [s for s in SHIFTS if seating.free(seat, s)]
            if len(open_shifts) == 1:
                want_shift[p.username] = open_shifts[0]
            if open_shifts:
                want_seat[p.username] = seat
    return want_shift, want_seat


def _previous_partners(previous: Mapping[str, Place]) -> dict[str, str]:
    by_seat: dict[str, dict[str, str]] = {}
    for username, place in sorted(previous.items()):
        if place.status == PLACED and place.seat and place.shift in SHIFTS:
            by_seat.setdefault(place.seat, {})[place.shift] = username
    partners: dict[str, str] = {}
    for pair in by_seat.values():
        if len(pair) == 2:
            partners[pair[MORNING]] = pair[EVENING]
            partners[pair[EVENING]] = pair[MORNING]
    return partners


def changed(old: Roster | None, new: Roster) -> list[str]:
    """Usernames whose line is new or differs from the previous revision's."""
    before = old.by_user() if old else {}
    return [line.username for line in new.lines
            if line.username not in before or before[line.username].key() != line.key()]
