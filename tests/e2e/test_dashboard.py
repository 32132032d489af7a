"""The leaders' dashboard in a real browser against the local stack: a state leader signs in and lands
on it; the deployment's campaigns show with their progress and relay completion per level (charts),
and open the campaign page read-only to go down a level; the digest archive lists the day's digest as
it was sent (built and sent by the digest job, run in-process against the stack's moto) with its
figures and the email's text; a central leader gets the central audience's. No contact's name and no
phone digit of the seeded data reaches a leader's page or any JSON their browser received. axe-core
finds no violation (any impact) in Hindi and English; screenshots at 360, 1280 and 1920 px.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, ViewportSize, expect

from chalicelib.core import clock
from chalicelib.core.clock import IST
from tests.e2e import web_helpers as w
from tests.e2e.test_campaign_page import AGENTS, DESKTOP, PHONE, Office, office_stack, seeded_people, switch_language

pytestmark = pytest.mark.e2e
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}
MANDAL = "chw-a2-m01"
WALL: ViewportSize = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    yield from office_stack(SIZE)


def call_everyone(office: Office, cid: str) -> int:
    """Agents taking turns (each under /next's pacing) call each of the campaign's contacts once: the
    in-charges connect and pass the programme on, the booth presidents are busy. Returns the calls made."""
    agents = [w.Client(office.stack.api_url, a, office.stack.password) for a in AGENTS]
    made = 0
    for turn in range(30):
        agent = agents[turn % len(agents)]
        screen = agent.call("POST", f"/campaigns/{cid}/next")
        if screen["status"] != "leased":
            break
        contact = screen["contact"]
        body: dict[str, Any] = {"call_id": str(uuid.uuid4()), "campaign_id": cid, "contact_id": contact["contact_id"],
                                "started_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(), "duration_s": 120}
        if contact["role"] == "shakti_kendra_incharge":
            body.update(disposition="connected", answers={}, relay={"received": True, "passed_on": True})
        else:
            body.update(disposition="busy")
        agent.call("POST", "/calls", body, expect=201)
        made += 1
    return made


def send_todays_digests(monkeypatch: pytest.MonkeyPatch, today: str) -> None:
    """The day digests of today, as the evening job sends them (its clock moved past 21:00 IST)."""
    from chalicelib.digests import service as digests
    from chalicelib.notify import service as notify

    evening = datetime.fromisoformat(f"{today}T21:30:00").replace(tzinfo=IST)
    monkeypatch.setattr(clock, "now_utc", lambda: evening.astimezone(UTC))
    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    for audience in ("state", "central"):
        digests.send(audience, today)
    monkeypatch.undo()


def leader_page(office: Office, username: str, viewport: ViewportSize = DESKTOP) -> tuple[Page, list[str]]:
    page = office.page(username, viewport)
    answers: list[str] = []
    page.on("response", lambda r: answers.append(r.text()) if r.ok and "/app/" not in r.url and r.url.rstrip("/")
            != office.stack.api_url.rstrip("/") else None)
    return page, answers


def test_a_leader_follows_campaigns_and_reads_the_digests_with_no_personal_data(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    relay = w.create_active(office.admin, w.campaign_body(
        "Booth meeting relay", MANDAL, roles=("shakti_kendra_incharge", "booth_president"), questions=[],
        programme={"deadline": deadline, "levels": ["shakti_kendra", "booth"]}))
    scheme = w.create_active(office.admin, w.campaign_body("Housing scheme", MANDAL, kind="scheme"))
    made = call_everyone(office, relay)
    assert made >= 4
    today = str(datetime.now(IST).date())
    send_todays_digests(monkeypatch, today)
    names, phones = seeded_people(office, MANDAL)

    page, answers = leader_page(office, "state")
    expect(page.locator(".screen-dashboard h1")).to_have_text("डैशबोर्ड")
    card = page.locator(f"li.db-campaign[data-campaign='{relay}']")
    expect(card).to_contain_text("Booth meeting relay (हिं)")
    expect(page.locator(f"li.db-campaign[data-campaign='{scheme}']")).to_be_visible()
    # its answers, charted as on the campaign page (nobody called yet: none so far, a bar per choice at 0)
    expect(page.locator(f"#db-c-{scheme}-ans-received figcaption")).to_contain_text("0 में से 0")
    expect(page.locator(f"#db-c-{scheme}-ans-mood li[data-row='poor']")).to_contain_text("0 / 0")
    expect(page.locator(f"#db-c-{scheme}-ans-households")).to_contain_text("अभी कोई जवाब नहीं")
    progress = office.admin.call("GET", f"/campaigns/{relay}/progress")
    kendras = progress["coverage"][1]
    assert kendras["level"] == "shakti_kendra" and kendras["targeted_units"] >= 2
    reached = card.locator(f"#db-c-{relay}-relay li[data-row=shakti_kendra]")  # every in-charge passed it on
    expect(reached).to_contain_text(f"{kendras['targeted_units']} / {kendras['targeted_units']} (100%)")
    expect(card.locator(f"#db-c-{relay}-relay li[data-row=booth]")).to_contain_text("0 / ")
    expect(card.locator("dl.stats")).to_contain_text(str(made))
    day = page.locator(f"[data-testid=digest-day][data-date='{today}']")
    expect(day).to_contain_text(str(made))  # the day's calls attempted, as the digest said
    # the digest's answers: the scheme's yes/no question as yes of answered (nobody called: 0 / 0), its sum
    said = day.locator(f".db-answers[data-campaign='{scheme}']")
    expect(said.locator("li.chart-row[data-row='received']")).to_contain_text("0 / 0")
    expect(said.locator("li[data-question='households']")).to_contain_text("कुल 0")
    page.locator(".db-email-box summary").click()
    email = requests.get(f"{office.stack.api_url}/digests/{today}?audience=state&format=text",
                         headers={"authorization": office_token(office, "state")}, timeout=30).text
    page.wait_for_selector(".db-email[data-loaded]")
    assert page.locator(".db-email").text_content() == email and str(made) in email
    office.check(page, "dashboard-state-hi-1280")
    page.set_viewport_size(WALL)
    w.shot(page, "dashboard-state-hi-1920")
    page.set_viewport_size(PHONE)
    office.check(page, "dashboard-state-hi-360")
    page.set_viewport_size(DESKTOP)

    # down a level through the campaign page, read-only
    card.locator("a.btn").click()
    page.wait_for_selector("[data-testid=relay-tree]")
    expect(page.locator(".btn-close, .btn-activate, .cp-call")).to_have_count(0)
    page.locator("#cp-children li[data-row] a").first.click()
    expect(page.locator(".cp-crumbs [aria-current=page]")).to_contain_text("शक्ति केंद्र")
    office.check(page, "campaign-page-leader-kendra-hi-1280")
    page.goto("/#/dashboard")
    page.wait_for_selector("[data-testid=digest-day]")
    switch_language(page)
    expect(page.locator(".screen-dashboard h1")).to_have_text("Dashboard")
    expect(page.locator(f"li.db-campaign[data-campaign='{relay}']")).to_contain_text("Booth meeting relay")
    page.wait_for_selector("[data-testid=digest-day]")
    office.check(page, "dashboard-state-en-1280")
    page.set_viewport_size(PHONE)
    office.check(page, "dashboard-state-en-360")
    switch_language(page)

    central, central_answers = leader_page(office, "central")
    expect(central.locator(f"[data-testid=digest-day][data-date='{today}']")).to_contain_text(str(made))
    office.check(central, "dashboard-central-hi-1280")

    for seen in (page.locator("body").inner_text(), central.locator("body").inner_text(), *answers, *central_answers):
        assert not [n for n in names if n in seen], "a contact's name reached a leader"
        assert not [p for p in phones if p in seen], "a contact's phone reached a leader"
        assert "agent01" not in seen
    assert any('"digest"' in a for a in answers) and any('"progress"' in a for a in answers)
    page.context.close()
    central.context.close()


def office_token(office: Office, username: str) -> str:
    r = requests.post(f"{office.stack.api_url}/auth/login",
                      json={"username": username, "password": office.stack.password}, timeout=30)
    return f"Bearer {r.json()['id_token']}"
