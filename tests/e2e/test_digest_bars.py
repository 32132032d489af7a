"""The HTML digest's bars as Chromium draws them: a bar's length is its value. "Calls by outcome" bars
are each outcome's share of the largest outcome, "reach per level" bars the share of targeted units
reached; a zero draws no bar at all (it used to draw half the largest), at a desktop's and a phone's
width. The page is the digest's own HTML (chalicelib/digests/render.py), loaded without a server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from chalicelib.calls.rules import DISPOSITIONS
from chalicelib.digests import render, rules
from tests.e2e import web_helpers as w

COUNTS = {"connected": 40, "no_answer": 10, "busy": 0, "switched_off": 20, "wrong_number": 0,
          "callback_requested": 1, "declined": 0, "do_not_call": 3}
UNITS = ([{"unit_id": f"b{i}", "level": "booth", "connects": int(i < 3)} for i in range(4)]  # 3 of 4
         + [{"unit_id": f"k{i}", "level": "shakti_kendra", "connects": 0} for i in range(2)]  # 0 of 2
         + [{"unit_id": "m1", "level": "mandal", "connects": 5}])  # 1 of 1


def digest(audience: str) -> dict[str, Any]:
    figures = dict.fromkeys(rules.FIGURES, 0) | {f"d_{d}": n for d, n in COUNTS.items()}
    return {"audience": audience, "period": "2026-03-10", "date": "2026-03-10", "shift": None,
            "headline": {"attempts": sum(COUNTS.values()), "connects": 40, "completed": 0, "targets": 0,
                         "opt_outs": 3, "callbacks_pending": 0, "talk_min": 0},
            "by_disposition": rules.dispositions(figures, None), "coverage": rules.coverage(UNITS, None)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = w.ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=w.CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


MEASURE = """() => [...document.querySelectorAll('[data-meter]')].map(t => {
    const bar = t.querySelector('[data-bar]');
    const painted = [...t.querySelectorAll('td')].filter(c => getComputedStyle(c).backgroundColor
        === 'rgb(25, 113, 194)' || getComputedStyle(c).backgroundColor === 'rgb(47, 158, 68)');
    return {name: t.dataset.meter, track: t.getBoundingClientRect().width,
            bar: bar ? bar.getBoundingClientRect().width : 0,
            painted: painted.reduce((sum, c) => sum + c.getBoundingClientRect().width, 0)};
})"""


def measured(browser: Browser, audience: str, width: int) -> dict[str, dict[str, float]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(render.html(digest(audience)))
        return {m["name"]: m for m in page.evaluate(MEASURE)}
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("audience", ["state", "district"])
def test_each_bar_is_as_long_as_its_value_and_a_zero_has_none(browser: Browser, audience: str, width: int) -> None:
    bars = measured(browser, audience, width)
    largest = max(COUNTS.values())
    expected = {f"d-{d}": COUNTS[d] / largest for d in DISPOSITIONS}
    expected |= {"r-booth": 3 / 4, "r-shakti_kendra": 0.0, "r-mandal": 1.0}
    assert set(bars) == set(expected), bars
    for name, share in expected.items():
        m = bars[name]
        assert m["track"] > 100, m  # a track to measure against
        if share == 0:
            assert m["bar"] == 0 and m["painted"] == 0, (name, m)  # no bar at all, not half of one
            continue
        # rounding to a whole per cent of the track, and a pixel of layout
        assert abs(m["painted"] - share * m["track"]) <= 0.01 * m["track"] + 1, (name, share, m)
        assert m["painted"] >= 1, (name, m)  # the 1-of-40 callback is a sliver, still seen
    # the ratios between bars hold: 40 connected is twice 20 switched off and four times 10 no-answers
    assert abs(bars["d-connected"]["painted"] - 2 * bars["d-switched_off"]["painted"]) <= 2
    assert abs(bars["d-connected"]["painted"] - 4 * bars["d-no_answer"]["painted"]) <= 4
