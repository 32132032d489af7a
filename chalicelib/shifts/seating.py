"""Where the rotation puts people: how many free people go to each shift (`best_split`) and the free
(seat, shift) slots in order of preference (`Seating`). Pure; rotation.py uses them."""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from .rules import SHIFTS, other


def best_split(m: int, e: int, k: int, cap_m: int, cap_e: int, want_m: int) -> int:
    """How many of `k` free people go to the morning, given `m` and `e` already there and the room
    left in each shift: the most even result, ties broken towards `want_m`, then the morning."""
    lo, hi = max(0, k - cap_e), min(k, cap_m)
    if lo > hi:
        raise ValueError("more people than places")

    def score(f: int) -> tuple[int, int, int]:
        return (abs(m + f - (e + k - f)), abs(f - want_m), -f)

    ideal = (k + e - m) // 2
    candidates = {min(max(f, lo), hi) for f in (ideal - 1, ideal, ideal + 1, ideal + 2, lo, hi)}
    return min(candidates, key=score)


class Seating:
    """Free (seat, shift) slots by preference: next to a lone agent first (forms a partnership),
    then an empty seat, then next to an agent whose partner is on leave (kept for their return)."""

    WIDOW, EMPTY, RESERVED = 0, 1, 2

    def __init__(self, seats: tuple[str, ...], reserved_for: Mapping[str, str]) -> None:
        self.order = {s: i for i, s in enumerate(seats)}
        self.slot: dict[tuple[str, str], str] = {}
        self.reserved_for = reserved_for  # username of an occupant -> their partner on leave
        self.heaps: dict[str, list[tuple[int, int, str]]] = {s: [] for s in SHIFTS}

    def free(self, seat: str, shift: str) -> bool:
        return seat in self.order and (seat, shift) not in self.slot

    def occupy(self, seat: str, shift: str, username: str) -> None:
        assert self.free(seat, shift)
        self.slot[(seat, shift)] = username

    def _kind(self, seat: str, shift: str) -> int | None:
        if not self.free(seat, shift):
            return None
        neighbour = self.slot.get((seat, other(shift)))
        if neighbour is None:
            return self.EMPTY
        return self.RESERVED if neighbour in self.reserved_for else self.WIDOW

    def build(self) -> None:
        for seat, index in self.order.items():
            for shift in SHIFTS:
                kind = self._kind(seat, shift)
                if kind is not None:
                    self.heaps[shift].append((kind, index, seat))
        for heap in self.heaps.values():
            heapq.heapify(heap)

    def take(self, shift: str, username: str) -> str | None:
        heap = self.heaps[shift]
        while heap:
            kind, index, seat = heap[0]
            actual = self._kind(seat, shift)
            if actual is None:
                heapq.heappop(heap)
                continue
            if actual != kind:  # the seat's neighbour changed since it was queued: requeue
                heapq.heapreplace(heap, (actual, index, seat))
                continue
            heapq.heappop(heap)
            self.place(seat, shift, username)
            return seat
        return None

    def place(self, seat: str, shift: str, username: str) -> None:
        self.occupy(seat, shift, username)
        opposite = other(shift)
        kind = self._kind(seat, opposite)
        if kind is not None:  # the opposite slot is now next to someone: requeue it with its new kind
            heapq.heappush(self.heaps[opposite], (kind, self.order[seat], seat))

    def room(self, shift: str) -> int:
        return len(self.order) - sum(1 for (_, s) in self.slot if s == shift)
