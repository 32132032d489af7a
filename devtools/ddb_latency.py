"""The local moto server, answering DynamoDB as slowly as DynamoDB answers in its region.

moto answers a request in well under a millisecond of its own; DynamoDB in-region takes a few (single-digit
milliseconds for a key lookup, about 6 ms at the median seen from Lambda). With SAMPARK_DDB_DELAY_MS set,
the local stack (devtools/local_stack.py) starts moto through this module, and every DynamoDB request
waits that long before moto handles it, so the app's round trips cost locally about what they cost in AWS.

Why in the server and not in the app's clients: one place delays every DynamoDB request whoever makes it
(the API behind `chalice local`, the pumps that run the SQS functions, PynamoDB's connections and boto3's
clients alike) without touching the app's code or its client factory. The wait is taken before moto's
one lock (devtools/moto_local.py), so concurrent requests wait side by side, as DynamoDB serves them,
and only moto's own work is serialised.

    python -m devtools.ddb_latency -H 127.0.0.1 -p 5001    # with SAMPARK_DDB_DELAY_MS=6 in the environment

Also runnable by its path (`python .../ddb_latency.py ...`) with another checkout's `devtools` on
PYTHONPATH: the bench measures the tree before issue 18 with the same server (bench/latency.py).
BENCH_CAPACITY_LOG turns on the capacity meter of bench/capacity.py.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

DELAY_ENV = "SAMPARK_DDB_DELAY_MS"
MAX_DELAY_MS = 1000.0


def delay_ms(env: dict[str, str] | None = None) -> float:
    """SAMPARK_DDB_DELAY_MS: milliseconds added to every DynamoDB request; unset or empty is 0 (off).
    Anything but a number from 0 to 1000 is refused, naming the setting."""
    raw = (os.environ if env is None else env).get(DELAY_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{DELAY_ENV} must be a number of milliseconds (e.g. 6), not {raw!r}") from None
    if not 0 <= value <= MAX_DELAY_MS:  # also refuses nan and inf
        raise ValueError(f"{DELAY_ENV} must be from 0 to {MAX_DELAY_MS:.0f} ms, not {raw!r}")
    return value


def install_delay(ms: float) -> None:
    """Every DynamoDB request waits `ms` before moto's handler (and its lock) sees it."""
    if ms <= 0:
        return
    from moto.dynamodb import responses

    original = responses.DynamoHandler.call_action
    seconds = ms / 1000

    def call_action(self: Any) -> Any:
        time.sleep(seconds)
        return original(self)

    responses.DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def _capacity() -> Any:
    """This checkout's bench/capacity.py (loaded by path: the other checkout has none)."""
    path = Path(__file__).resolve().parents[1] / "bench" / "capacity.py"
    spec = importlib.util.spec_from_file_location("sampark_bench_capacity", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    from devtools.local_stack import die_with_parent
    from devtools.moto_local import install

    die_with_parent()  # started by the local stack: goes when it goes
    ms = delay_ms()
    meter = os.environ.get("BENCH_CAPACITY_LOG")
    if meter:
        _capacity().install(meter)  # innermost: counted inside the lock, where the items are settled
    install()  # moto_local: the lock
    install_delay(ms)  # outermost: the wait is outside the lock
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
