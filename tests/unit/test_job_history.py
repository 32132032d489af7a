"""The newest-first merge of earlier imports and exports across kinds (chalicelib/imports/history.py), with
fake Queries: every job once, in order, whatever the page size, including jobs created in the same
millisecond; the cursor drops kinds read to their end; a tampered cursor is a 400 on `cursor`."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.imports import history

KINDS = ("contacts", "units", "dnc")


@dataclass
class Job:
    kind: str
    created_at: str
    job_id: str


def jobs(seed: int) -> list[Job]:
    rng = random.Random(seed)
    out = []
    for n in range(23):
        at = f"2026-03-{rng.randint(1, 3):02d}T10:00:00.{rng.randint(0, 2):03d}Z"  # ties on purpose
        out.append(Job(rng.choice(KINDS), at, f"im_{n:026d}"))
    return out


def fake_query(all_jobs: list[Job], calls: list[str]) -> history.QueryKind[Job]:
    """As the by_kind index answers: one kind, newest first (ties in id order), after a position."""

    def query(kind: str, start: history.Position, limit: int) -> tuple[list[Job], bool]:
        calls.append(kind)
        ordered = sorted((j for j in all_jobs if j.kind == kind), key=lambda j: (j.created_at, j.job_id), reverse=True)
        if start is not None:
            ordered = [j for j in ordered if (j.created_at, j.job_id) < start]
        return ordered[:limit], len(ordered) > limit

    return query


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 50])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_job_once_newest_first_across_kinds(limit: int, seed: int) -> None:
    all_jobs, calls = jobs(seed), []
    query = fake_query(all_jobs, calls)
    seen: list[Job] = []
    open_kinds = history.open_kinds_for({}, KINDS, r"im_\d{26}")
    while True:
        page, cursor = history.newest_first(open_kinds, limit, query, lambda j: j.job_id)
        assert len(page) <= limit
        seen += page
        if cursor is None:
            break
        open_kinds = history.open_kinds_for({"cursor": cursor}, KINDS, r"im_\d{26}")
        assert len(calls) < 500
    assert sorted(j.job_id for j in seen) == sorted(j.job_id for j in all_jobs)  # none twice, none skipped
    assert [j.created_at for j in seen] == sorted((j.created_at for j in seen), reverse=True)


def test_a_kind_read_to_its_end_is_not_asked_again() -> None:
    all_jobs = [Job("contacts", f"2026-03-01T10:00:0{n}.000Z", f"im_{n:026d}") for n in range(5)]
    all_jobs.append(Job("dnc", "2026-03-01T09:00:00.000Z", f"im_{9:026d}"))
    calls: list[str] = []
    page, cursor = history.newest_first({k: None for k in KINDS}, 2, fake_query(all_jobs, calls),
                                        lambda j: j.job_id)
    assert [j.job_id for j in page] == [f"im_{4:026d}", f"im_{3:026d}"]
    assert cursor is not None
    positions = history.decode(cursor, KINDS, r"im_\d{26}")
    assert positions == {"contacts": ("2026-03-01T10:00:03.000Z", f"im_{3:026d}"), "dnc": None}  # units: empty


@pytest.mark.parametrize("params", [{"kind": "everything"}, {"cursor": "e30"}, {"cursor": "W10"},
                                    {"cursor": history.encode({"contacts": ("yesterday", "im_1")})},
                                    {"cursor": history.encode({"units": None}), "kind": "contacts"}])
def test_a_bad_filter_or_cursor_is_refused_on_its_field(params: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as refused:
        history.open_kinds_for(params, KINDS, r"im_\d{26}")
    assert refused.value.field == ("kind" if params.get("kind") == "everything" else "cursor")
