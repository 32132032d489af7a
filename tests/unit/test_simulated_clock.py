"""chalicelib.core.clock.simulated: a per-thread clock for simulations (devtools/demo_month.py)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from chalicelib.core import clock
from chalicelib.core.clock import IST, now_utc


def test_the_override_is_this_threads_only_and_ends_with_the_block() -> None:
    at = datetime(2026, 11, 5, 9, 30, tzinfo=IST)
    seen: dict[str, datetime] = {}
    inside = threading.Event()
    release = threading.Event()

    def other() -> None:
        inside.wait(5)
        seen["other"] = now_utc()  # imported name: the override lives inside the function
        release.set()

    thread = threading.Thread(target=other)
    thread.start()
    with clock.simulated(lambda: at):
        seen["inside"] = clock.now_utc()
        seen["imported"] = now_utc()
        inside.set()
        release.wait(5)
    thread.join(5)
    real = datetime.now(UTC)
    assert seen["inside"] == seen["imported"] == at
    assert seen["inside"].tzinfo == UTC
    assert abs(seen["other"] - real) < timedelta(seconds=10)  # another thread keeps the real clock
    assert abs(clock.now_utc() - real) < timedelta(seconds=1)  # restored after the block


def test_each_thread_moves_its_own_clock() -> None:
    results: dict[int, list[datetime]] = {}

    def agent(n: int) -> None:
        now = [datetime(2026, 11, n, 8, 0, tzinfo=IST)]
        with clock.simulated(lambda: now[0]):
            got = []
            for _ in range(50):
                got.append(clock.now_utc())
                now[0] += timedelta(minutes=1)
            results[n] = got

    threads = [threading.Thread(target=agent, args=(n,)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for n, got in results.items():
        assert got[0] == datetime(2026, 11, n, 8, 0, tzinfo=IST)
        assert got == [got[0] + timedelta(minutes=i) for i in range(50)]
    assert len(results) == 4


def test_nested_blocks_restore_the_outer_clock() -> None:
    a, b = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    with clock.simulated(lambda: a):
        with clock.simulated(lambda: b):
            assert clock.now_utc() == b
        assert clock.now_utc() == a
