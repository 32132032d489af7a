"""Issue 18's budgets of DynamoDB calls per request, held over the suite's own recording.

The controller of `make test` merges every worker's recording (tests/conftest.py) and calls `check` at the
end: a hot route over its budget fails the run, whichever test made the request. The benchmark
(bench/results.md, "DynamoDB calls per route") shows the same budgets beside each route.

"p50" is judged on the median request (the recording does not say which path a request took: the common
path is the median one), "max" on the largest."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

NEXT, CALLS, BOARD, SHIFT = ("POST /campaigns/{campaign_id}/next", "POST /calls", "GET /board", "GET /me/shift")
HOT = (NEXT, CALLS, BOARD, SHIFT)
BUDGETS: dict[str, dict[str, int]] = {NEXT: {"p50": 3, "max": 5}, CALLS: {"p50": 2}, BOARD: {"max": 8},
                                      SHIFT: {"max": 2}}
AGENT_BUDGET = {"max": 2}  # every other route an agent may call
BASIS = {"p50": "common path (median request)", "max": "any request"}


def percentile(histogram: Mapping[int, int], share: float) -> int:
    """Nearest rank: the smallest count of calls that at least `share` of the requests stayed within."""
    rank, seen = math.ceil(round(share * sum(histogram.values()), 6)), 0
    for calls in sorted(histogram):
        seen += histogram[calls]
        if seen >= rank:
            return calls
    return 0


def budget_of(route: str, agent_routes: set[str]) -> dict[str, int] | None:
    if route in BUDGETS:
        return BUDGETS[route]
    return AGENT_BUDGET if route in agent_routes else None


def stats_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded route's requests, mean, p50, p95 and max DynamoDB calls per request."""
    histogram = {int(k): int(v) for k, v in row["histogram"].items()}
    return {"requests": row["requests"], "mean": round(sum(k * v for k, v in histogram.items()) / row["requests"], 2),
            "p50": percentile(histogram, 0.5), "p95": percentile(histogram, 0.95), "max": row["max_calls"]}


def over_budget(routes: Mapping[str, Mapping[str, Any]], agent_routes: set[str], *,
                complete: bool = True) -> list[str]:
    """Each route of the recording that broke its budget, said as the failure says it. A partial run (some
    files, some tests) is held to the "max" budgets only: the median of a contention test run alone is not
    the common path."""
    out = []
    for route, row in sorted(routes.items()):
        budget = budget_of(route, agent_routes)
        if not budget or "histogram" not in row:
            continue
        stats = stats_of(row)
        broken = [f"{basis} {stats[basis]} > {limit}" for basis, limit in budget.items()
                  if stats[basis] > limit and (complete or basis == "max")]
        if broken:
            out.append(f"{route}: {', '.join(broken)} ({stats['requests']} requests)")
    return out


def agent_routes() -> set[str]:
    """The routes an agent may call (chalicelib.core.http.ROUTE_ROLES, filled by importing app)."""
    import app  # noqa: F401  (registers every route)
    from chalicelib.core.http import ROUTE_ROLES

    return {f"{method} {path}" for (method, path), roles in ROUTE_ROLES.items() if roles and "agent" in roles}
