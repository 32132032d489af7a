"""Benchmark of the pure rotation: `python -m bench.rotation`.

Times `chalicelib.shifts.rotation.rotate` for the district (70 agents, 4 supervisors, 35 seats) and for
a state-sized centre (10,000 agents, 100 supervisors, 4,700 seats: some on standby), over a run of
weeks with 5 % of people on leave and 1 % turnover a week, the way the roster job feeds it.
"""

from __future__ import annotations

import random
import statistics
import time

from chalicelib.shifts.rotation import PLACED, SUPERVISOR, Person, Place, RotationInput, rotate


def run(agents: int, supervisors: int, seats: int, weeks: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    people = [Person(f"a{i:05d}") for i in range(agents)] + [Person(f"s{i:03d}", SUPERVISOR)
                                                             for i in range(supervisors)]
    seat_ids = tuple(f"S{i:04d}" for i in range(1, seats + 1))
    previous: dict[str, Place] = {}
    last_seat: dict[str, str] = {}
    timings = []
    for week in range(weeks):
        away = frozenset(p.username for p in people if rng.random() < 0.05)
        inp = RotationInput(f"w{week}", seat_ids, tuple(people), away, previous,
                            {u: s for u, s in last_seat.items() if previous.get(u, Place("")).status != PLACED})
        started = time.perf_counter()
        roster = rotate(inp)
        timings.append(time.perf_counter() - started)
        previous = {line.username: line.place for line in roster.lines}
        last_seat.update({line.username: line.seat for line in roster.lines if line.seat})
        people = [p for p in people if rng.random() > 0.01] + [Person(f"n{week}-{i}") for i in range(agents // 100)]
    return {"median_ms": round(statistics.median(timings) * 1000, 1), "max_ms": round(max(timings) * 1000, 1)}


def main() -> None:
    for agents, supervisors, seats in ((70, 4, 35), (10_000, 100, 4_700)):
        figures = run(agents, supervisors, seats, weeks=8)
        print(f"rotate: {agents:>6} agents, {supervisors:>3} supervisors, {seats:>5} seats, 8 weeks: "
              f"median {figures['median_ms']} ms, max {figures['max_ms']} ms")


if __name__ == "__main__":
    main()
