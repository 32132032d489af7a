"""An in-process moto account for the benchmarks, set up as the API tests set theirs up
(tests/api/conftest.py), by the same builder (devtools/account.py): the tables from the app's registry,
the queues, the bulk bucket, the topics, and the settings naming them. No user pool logins: the benchmarks
call the services directly."""

from __future__ import annotations

import os
import resource
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devtools.call_counter import by_operation_and_table, counting

REGION = "ap-south-1"


def clean_env() -> dict[str, str]:
    """This environment without AWS or Sampark settings (a local stack started earlier sets them)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAMPARK_"))}


@contextmanager
def moto_account() -> Iterator[None]:
    from moto import mock_aws

    for key in [k for k in os.environ if k.startswith(("AWS_", "SAMPARK_"))]:
        del os.environ[key]
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION,
                      POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true")
    with mock_aws():
        from devtools.account import bind, create_account, create_tables, moto_client

        made = create_account(moto_client(REGION), stage="dev", table_prefix="sampark-bench",
                              ses_sender="sampark@example.org")
        bind(made.env, os.environ.__setitem__)
        create_tables()
        yield


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    """Count the DynamoDB calls made inside the block, as `operation table` (the last part of the name)."""
    with counting(by_operation_and_table) as calls:
        yield calls


def rss_mb() -> float:
    """Peak resident memory of this process so far: VmHWM, which starts afresh at exec (ru_maxrss also
    counts the parent's resident memory at the fork), else ru_maxrss (KB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def traced(work: Callable[[], Any]) -> tuple[Any, float]:
    """Run `work` and return its result and the peak of Python memory allocated during it, in MB."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, round(peak / 1024 / 1024, 1)
