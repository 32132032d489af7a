"""The suite's own recording is held to issue 18's budgets (tests/budgets.py): the check finds a hot route
over budget, an agent route over 2, and says nothing of routes within."""

from tests.budgets import AGENT_BUDGET, BUDGETS, CALLS, NEXT, agent_routes, over_budget


def row(histogram: dict[int, int]) -> dict[str, object]:
    return {"requests": sum(histogram.values()), "max_calls": max(histogram),
            "histogram": {str(k): v for k, v in histogram.items()}}


def test_a_next_over_five_fails_and_a_median_within_three_does_not() -> None:
    assert BUDGETS[NEXT] == {"p50": 3, "max": 5}
    assert over_budget({NEXT: row({3: 90, 4: 9, 5: 1})}, set()) == []
    assert over_budget({NEXT: row({3: 90, 6: 1})}, set()) == [f"{NEXT}: max 6 > 5 (91 requests)"]
    assert over_budget({CALLS: row({2: 5, 3: 6})}, set()) == [f"{CALLS}: p50 3 > 2 (11 requests)"]
    # a run of some files only: the median of a contention test is not the common path; the max still holds
    assert over_budget({CALLS: row({2: 5, 3: 6}), NEXT: row({4: 9})}, set(), complete=False) == []
    assert over_budget({NEXT: row({4: 9, 6: 1})}, set(), complete=False) == [f"{NEXT}: max 6 > 5 (10 requests)"]


def test_every_other_agent_route_has_a_budget_of_two_and_office_routes_none() -> None:
    routes = agent_routes()
    assert "GET /me/calls" in routes and "GET /board" not in routes and AGENT_BUDGET == {"max": 2}
    recording = {"GET /me/calls": row({1: 3, 3: 1}), "POST /rosters/{period}/generate": row({20: 1})}
    assert over_budget(recording, routes) == ["GET /me/calls: max 3 > 2 (4 requests)"]
