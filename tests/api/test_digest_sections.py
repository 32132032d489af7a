"""The digest's "not reached yet" and "silent for N days" sections over a tree of six booths in three
kendras and two mandals, with connected calls on three days: the exact units listed per level, the
counts beyond the list, whom to call about a silent unit, in the stored digest, the text and the HTML,
for the district and state audiences (central gets neither)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.digests import render, rules, service
from tests.api.calling import Clock, active_campaign, add_contacts, call_body, ist
from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("district")
K1, K2, M2K1 = "chw-a1-m1-k1", "chw-a1-m1-k2", "chw-a1-m2-k1"
MORE_UNITS = [  # added to the fixture's tree (chw > a1 > m1 > k1 > b1, b2; a1 > m2)
    (f"{K1}-b3", "booth", K1, "बूथ 3", "Booth 3"),
    (K2, "shakti_kendra", "chw-a1-m1", "केंद्र 2", "Kendra 2"),
    (f"{K2}-b1", "booth", K2, "केंद्र 2 बूथ 1", "K2 Booth 1"),
    (f"{K2}-b2", "booth", K2, "केंद्र 2 बूथ 2", "K2 Booth 2"),
    (M2K1, "shakti_kendra", "chw-a1-m2", "मोहखेड़", "Mohkhed"),
    (f"{M2K1}-b1", "booth", M2K1, "मोहखेड़ बूथ 1", "Mohkhed Booth 1"),
]
# connected calls: day 1 at K1's booth 1 and K2's booth 1; day 2 at K1's booth 2; day 3 in mandal 2
CONNECTS = {"2026-03-08": [f"{K1}-b1", f"{K2}-b1"], "2026-03-09": [f"{K1}-b2"], "2026-03-10": [f"{M2K1}-b1"]}
DAY = "2026-03-10"


@pytest.fixture
def floor(api: Api, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The tree, one contact per booth, a campaign at all of them, silent_days = 2, the calls of three
    days (recorded by a supervisor, who may record any target) and each day's digests stored."""
    clock = Clock(monkeypatch, ist("2026-03-08", "09:00"))
    for unit_id, level, parent, hi, en in MORE_UNITS:
        r = api.put(f"/units/{unit_id}", {"level": level, "parent_id": parent, "name_hi": hi, "name_en": en})
        assert r.status == 201, r.body
    booths = ["chw-a1-m1-k1-b1", "chw-a1-m1-k1-b2", *(u[0] for u in MORE_UNITS if u[1] == "booth")]
    contact_of = {booth: add_contacts(api, booth, 1, start=i * 10)[0] for i, booth in enumerate(booths)}
    assert api.put("/settings/digests", {"version": 0, "silent_days": 2, "audiences": {}}).status == 200
    cid = str(active_campaign(api, target={"unit_id": "chw", "roles": ["booth_committee_member"]})["campaign_id"])
    for day, connected in CONNECTS.items():
        clock.now = ist(day, "11:00")
        for booth in connected:
            r = api.post("/calls", call_body(cid, contact_of[booth], "connected"), role="supervisor")
            assert r.status == 201, r.body
        clock.now = ist(day, "22:00")
        for audience in rules.AUDIENCES:
            service.digest(audience, day)
    return {"clock": clock, "campaign_id": cid, "contacts": contact_of}


SILENT = [  # unchanged since the digest of 2026-03-08: (unit, Hindi name, English name, whom to call)
    (f"{K1}-b1", "बूथ 1", "Booth 1", "shakti kendra in-charge", "Jhirpa"),
    (f"{K1}-b3", "बूथ 3", "Booth 3", "shakti kendra in-charge", "Jhirpa"),
    (K2, "केंद्र 2", "Kendra 2", "mandal president", "Tamia"),
    (f"{K2}-b1", "केंद्र 2 बूथ 1", "K2 Booth 1", "shakti kendra in-charge", "Kendra 2"),
    (f"{K2}-b2", "केंद्र 2 बूथ 2", "K2 Booth 2", "shakti kendra in-charge", "Kendra 2"),
]


@pytest.mark.parametrize("audience", ["district", "state"])
def test_unreached_and_silent_units_are_the_exact_units_with_whom_to_call(
        api: Api, floor: dict[str, Any], audience: str) -> None:
    content = service.digest(audience, DAY)
    # never connected, all time: booth 3 of kendra 1 and booth 2 of kendra 2 (every other level reached)
    assert content["unreached"] == [{"level": "booth", "label_hi": "बूथ", "label_en": "Booth",
                                     "names": ["Booth 3", "K2 Booth 2"], "more": 0}]
    assert content["silent_days"] == 2 and content["silent_more"] == 0
    assert [(s["unit_id"], s["name_hi"], s["name_en"], s["call"]["role_en"], s["call"]["unit_en"])
            for s in content["silent"]] == SILENT
    assert content["silent"][0]["call"] == {"role_hi": "शक्ति केंद्र प्रभारी", "role_en": "shakti kendra in-charge",
                                            "unit_hi": "झिरपा", "unit_en": "Jhirpa"}
    reach = {row["level"]: (row["targeted"], row["reached"]) for row in content["coverage"]}
    assert reach == {"district": (1, 1), "assembly": (1, 1), "mandal": (2, 2), "shakti_kendra": (3, 3),
                     "booth": (6, 4)}
    text = api.get(f"/digests/{DAY}?audience={audience}&format=text", role="admin").body.decode()
    assert "जहाँ पहुँच नहीं हुई / Not reached yet\n- बूथ / Booth: Booth 3, K2 Booth 2\n" in text
    silent_text = "\n".join(f"- {hi} / {en}: call {role}, {unit}" for _, hi, en, role, unit in SILENT)
    assert f"2 दिन से मौन / Silent for 2 days\n{silent_text}\n" in text
    html = api.get(f"/digests/{DAY}?audience={audience}&format=html", role="admin").body.decode()
    assert "<b>बूथ / Booth:</b> Booth 3, K2 Booth 2</p>" in html
    assert "Silent for 2 days" in html
    assert ("<td>केंद्र 2 / Kendra 2</td><td style=\"color:#666\">कॉल करें / call: मंडल अध्यक्ष / mandal president, "
            "तामिया / Tamia</td>") in html


def test_central_gets_neither_section(api: Api, floor: dict[str, Any]) -> None:
    content = service.digest("central", DAY)
    assert "unreached" not in content and "silent" not in content
    text = render.text(content)
    assert "Not reached yet" not in text and "Silent for" not in text


def test_the_lists_stop_at_their_limit_and_count_the_rest(
        api: Api, floor: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "LIST_MAX", 2)
    content = service.build("district", DAY)[0]  # built again (the stored one was built with 20)
    assert content["unreached"][0]["names"] == ["Booth 3", "K2 Booth 2"] and content["unreached"][0]["more"] == 0
    assert [s["unit_id"] for s in content["silent"]] == [s[0] for s in SILENT[:2]]
    assert content["silent_more"] == 3
    text = render.text(content)
    assert "- बूथ 3 / Booth 3: call shakti kendra in-charge, Jhirpa\n" in text and "K2 Booth 1" not in text
    monkeypatch.setattr(rules, "LIST_MAX", 1)
    content = service.build("state", "2026-03-11")[0]  # (built, not stored: the day is not over)
    assert content["unreached"][0]["names"] == ["Booth 3"] and content["unreached"][0]["more"] == 1
    assert "- बूथ / Booth: Booth 3 (+1)" in render.text(content)


def test_a_unit_that_connects_again_leaves_the_silent_list_and_none_is_said_when_none_is_silent(
        api: Api, floor: dict[str, Any]) -> None:
    clock = floor["clock"]
    clock.now = ist("2026-03-11", "11:00")
    contact = floor["contacts"][f"{K1}-b1"]
    r = api.post("/calls", call_body(floor["campaign_id"], contact, "connected"), role="supervisor")
    assert r.status == 201, r.body
    clock.now = ist("2026-03-11", "22:00")
    content = service.digest("district", "2026-03-11")  # compared with the digest of 2026-03-09
    # booth 1 connected again: it leaves; booth 2, silent since its call on the 9th, joins
    assert [s["unit_id"] for s in content["silent"]] == [f"{K1}-b2", f"{K1}-b3", K2, f"{K2}-b1", f"{K2}-b2"]
    # with no digest stored N days before, nothing can be called silent: the section says so
    content = service.build("district", "2026-03-08")[0]
    assert content["silent"] == [] and "2 दिन से मौन / Silent for 2 days\n- कोई नहीं / None" in render.text(content)
    assert "कोई नहीं / None" in render.html(content)
