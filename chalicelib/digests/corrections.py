"""The corrections section of a day digest: the day digests sent for the days checked
(rules.correction_days), compared with what their counters say now (read with this digest's: no call
log). Reads: for the district audience each checked day's agents (1 Query per day with a stored digest).
No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

from typing import Any

from ..reporting import counters
from . import rules, store
from .reads import Names, Reads, Scope
from .sections import Part


def corrections(r: Reads, names: Names) -> Part:
    """The changed figures (the section, newest day first); each changed digest brought up to date (its
    write, on the version read) joins `r.corrections`, written with this digest."""
    section: list[dict[str, Any]] = []
    for day in sorted(r.sent, reverse=True):
        scope = r.scopes[day]
        now = r.day_totals(day, scope)
        was = dict(r.sent[day].content or {})
        corrected = rules.corrected(was, _fresh(r, day, scope, now), r.period)
        lines = rules.changed_lines(was, corrected)
        if lines:
            section.append({"date": day, "lines": lines})
            r.corrections.append(store.Correction(r.sent[day], corrected,
                                                  {**(r.sent[day].snapshot or {}), "day": now}))
    return lambda: {"corrections": section}


def _fresh(r: Reads, day: str, scope: Scope, now: dict[str, int]) -> dict[str, Any]:
    """A checked day's figures as its counters give them now."""
    before = r.day_totals(rules.previous_day(day), scope)
    agents = None
    if r.audience == "district":
        agents = [rules.agent_row(item.agent or item.sk[2:], counters.figures(item))
                  for item in store.partition(f"d#{day}#agents") if counters.figures(item)["attempts"]]
    return {"headline": rules.day_headline(now, before), "by_disposition": rules.dispositions(now, before),
            "campaigns": {cid: {k: r.fig(counters.day_unit(day, cid, did))[k] for k in ("attempts", "connects")}
                          for cid, did in scope},
            "agents": agents}
