"""The mobile web client in a real browser: Debian's Chromium driven by Playwright with a Pixel 5
profile, against `chalice local` and the moto server (devtools.local_stack).

Proven here: an agent signs in, takes the next contact, calls, records a connected call with answers,
and sees it in their calls and the campaign's progress; calls recorded offline survive a reload and
reach the server exactly once each; a call made offline past its hold, after another agent took the
person, is recorded as a late call; a call the server refuses is set aside with its reason and never
holds up the rest; an agent who leases too fast is slowed and the board shows it; a second agent never
sees a contact the first one holds; the supervisor board shows a call within one refresh; Hindi and
English both render, with times in IST whatever the phone's time zone; every refusal of the API gets a
clear message; axe-core finds no serious or critical violation on any screen; 360x640 works with 48 px
touch targets.
Screenshots of every screen go to test-output/screenshots/, axe results to test-output/axe/.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from chalicelib.core.clock import IST
from devtools.local_stack import LocalStack, free_port
from tests.e2e import web_helpers as w

pytestmark = pytest.mark.e2e
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}  # 887 contacts: seeding takes seconds
# One booth president: a campaign of one target. The single-target campaigns are outside the relay's (chw-a1)
# and the scheme's (chw-a2) areas: a person leased in one campaign is not leased in another at the same time
# (issue 20), and a relay lease left open by an earlier test would otherwise hide the only target.
SINGLE_BOOTH = "chw-a3-m01-k1-b1"
KEY_PATTERN = re.compile(r"\b(?:app|lang|nav|net|common|login|home|shift|today|call|calls|outbox|board|disposition|"
                         r"role|level|kind|language|field|error)\.[a-z_]+\b")


@dataclass
class Web:
    stack: LocalStack
    admin: w.Client
    campaigns: dict[str, str]
    playwright: Playwright
    browser: Browser
    axe_source: str
    problems: list[str] = field(default_factory=list)

    @property
    def password(self) -> str:
        return self.stack.password

    def context(self, **overrides: Any) -> BrowserContext:
        options = {**self.playwright.devices[w.DEVICE], "base_url": self.stack.api_url, **overrides}
        context = self.browser.new_context(**options)
        context.on("page", self._watch)
        return context

    def _watch(self, page: Page) -> None:
        def console(message: Any) -> None:
            if "Content Security Policy" in message.text or "Refused to" in message.text:
                self.problems.append(f"CSP: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def page(self, username: str | None = None, **overrides: Any) -> Page:
        page = self.context(**overrides).new_page()
        if username:
            w.sign_in(page, username, self.password)
        return page

    def a11y(self, page: Page, screen: str) -> None:
        """axe-core on this screen: no serious or critical violation. And a screenshot of it."""
        page.evaluate("window.scrollTo(0, 0)")
        w.shot(page, screen)
        serious = w.axe(page, screen, self.axe_source)
        assert not serious, f"{screen}: {json.dumps(serious, ensure_ascii=False, indent=1)}"

    def api_as(self, username: str) -> w.Client:
        return w.Client(self.stack.api_url, username, self.password)


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    chromium = w.ensure_chromium()
    axe_source = w.ensure_axe()
    with w.environment_restored(), \
            LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE, quiet=True) as stack:
        admin = w.Client(stack.api_url, "admin", stack.password)
        campaigns = create_campaigns(admin)
        for period in ("current", "next"):  # seats, partners and shifts for the home screen and the board
            admin.call("POST", f"/rosters/{period}/generate", {}, expect=201)
        until = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
        for i in range(1, 11):  # the roster puts half of them on another shift than now's: a supervisor's override
            admin.call("POST", f"/agents/agent{i:02d}/duty-override", {"until": until, "reason": "browser tests"})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=w.CHROMIUM_ARGS)
            web = Web(stack, admin, campaigns, playwright, browser, axe_source)
            try:
                yield web
            finally:
                browser.close()
        assert not web.problems, web.problems


def create_campaigns(admin: w.Client) -> dict[str, str]:
    bodies = {
        "relay": w.campaign_body("Mandal meeting relay", "chw-a1"),
        "scheme": w.campaign_body("Housing scheme drive", "chw-a2"),
        "single": w.campaign_body("One booth", SINGLE_BOOTH),
        "closed": w.campaign_body("Closed drive", "chw-a1-m01-k2-b1"),
        "hours": w.campaign_body("Evening drive", "chw-a1-m01-k3-b1", hours=w.hours_excluding_now()),
        "future": w.campaign_body("Next week's drive", "chw-a1-m01-k4-b1", starts_in_days=1),
    }
    ids = {name: w.create_active(admin, body) for name, body in bodies.items()}
    admin.call("POST", f"/campaigns/{ids['closed']}/close")
    return ids


# ---- helpers that drive the client ---------------------------------------------------------


def start_calling(page: Page, campaign_title: str) -> str:
    """From home: the campaign's Start button; returns the contact's name on the call screen."""
    page.locator("li.item", has_text=campaign_title).get_by_role("link").click()
    page.wait_for_selector(".screen-call .btn-call")
    return page.locator("h1").inner_text()


def away_to_dialler(page: Page, seconds: float) -> None:
    """Tap Call, spend `seconds` in the phone's dialler (the page hidden), come back. Headless
    Chromium has no dialler (its external-protocol prompt would swallow later taps), so the tap's
    navigation to tel: is cancelled after the app has seen it."""
    page.locator(".btn-call").evaluate("a => { a.addEventListener('click', e => e.preventDefault(), {once: true}); "
                                       "a.click(); }")
    flip = "(hidden) => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden}); " \
           "document.dispatchEvent(new Event('visibilitychange')); }"
    page.evaluate(flip, True)
    page.wait_for_timeout(int(seconds * 1000))
    page.evaluate(flip, False)


def held_screen(page: Page) -> dict[str, Any]:
    """What the API answered for the contact on screen (the client keeps it for this tab)."""
    held = page.evaluate("JSON.parse(sessionStorage.getItem('sampark.held'))")
    (entry,) = [e for e in held.values() if e["screen"]["contact"]["name"] == page.locator("h1").inner_text()]
    return dict(entry["screen"])


def answer_connected(page: Page, households: str = "12") -> None:
    page.locator(".outcome .choice", has=page.locator("input[value=connected]")).locator("label").click()
    questions = page.locator(".questions")
    questions.locator(".question").nth(0).locator("label").nth(0).click()  # yes
    questions.locator("input[type=number]").fill(households)
    questions.locator(".question").nth(2).locator("label").nth(0).click()  # first choice
    page.locator("textarea").fill("बैठक की सूचना दी")


def choose(page: Page, disposition: str) -> None:
    page.locator(".outcome .choice", has=page.locator(f"input[value={disposition}]")).locator("label").click()


def save(page: Page) -> None:
    page.locator(".btn-save").click()


def title(web: Web, name: str) -> str:
    return str(web.admin.call("GET", f"/campaigns/{web.campaigns[name]}")["title_hi"])


# ---- the flows -----------------------------------------------------------------------------


def test_agent_calls_records_connected_and_sees_it(web: Web) -> None:
    page = web.page()
    page.goto("/")
    page.wait_for_selector(".screen-login h1")
    response = requests.get(f"{web.stack.api_url}/", timeout=10)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    web.a11y(page, "01-login")
    w.sign_in(page, "agent01", web.password)
    expect(page.locator("li.item", has_text=title(web, "relay"))).to_be_visible()
    shift = page.locator("section.panel", has=page.locator("#shift-h"))
    expect(shift).to_contain_text("पाली")  # today's shift (or why none) and the next one, from the roster
    expect(shift).not_to_contain_text("रोस्टर अभी नहीं बना")
    if web.api_as("agent01").call("GET", "/me/shift")["today"].get("seat"):
        expect(shift).to_contain_text("सीट साथी")
    web.a11y(page, "02-home")

    first = start_calling(page, title(web, "relay"))
    assert page.locator(".btn-call").get_attribute("href", timeout=5000).startswith("tel:+91")  # type: ignore[union-attr]
    contact = held_screen(page)["contact"]
    web.a11y(page, "03-call")
    away_to_dialler(page, 2.2)
    answer_connected(page)
    web.a11y(page, "04-call-connected")
    save(page)
    page.wait_for_function("(name) => document.querySelector('.screen-call .btn-call') "  # straight to the next
                           "&& document.querySelector('h1').textContent !== name", arg=first)

    page.locator("a.btn-secondary", has_text="होम").click()
    page.locator("a", has_text="आज की मेरी कॉल").click()
    mine = page.locator("[data-testid=my-calls] li", has_text=contact["name_hi"])
    expect(mine).to_contain_text("बात हुई")
    web.a11y(page, "05-my-calls")

    agent = web.api_as("agent01")
    (log,) = [c for c in agent.call("GET", "/me/calls")["items"] if c["contact_id"] == contact["contact_id"]]
    assert log["disposition"] == "connected"
    assert log["answers"] == {"received": True, "households": 12, "mood": "good"}
    assert 2 <= log["duration_s"] <= 10, log["duration_s"]
    assert log["notes"] == "बैठक की सूचना दी"
    progress = web.api_as("supervisor").call("GET", f"/campaigns/{web.campaigns['relay']}/progress")
    assert progress["connects"] >= 1 and progress["completed"] >= 1
    page.context.close()


def test_second_agent_never_sees_the_first_agents_contact(web: Web) -> None:
    first, second = web.page("agent04"), web.page("agent05")
    held = start_calling(first, title(web, "single"))
    second.locator("li.item", has_text=title(web, "single")).get_by_role("link").click()
    expect(second.locator("h1")).to_have_text("अभी किसी को कॉल नहीं करनी")  # the only target is held
    assert held not in second.locator("main").inner_text()
    web.a11y(second, "06-nothing-due")

    for page in (first, second):
        page.locator("a.btn-secondary", has_text="होम").first.click()
        page.wait_for_selector(".screen-home")
    mine = start_calling(first, title(web, "relay"))
    theirs = start_calling(second, title(web, "relay"))
    assert mine != theirs
    second.reload()  # asking again renews the second agent's own lease, never hands over the first's
    second.wait_for_selector(".screen-call .btn-call")
    assert second.locator("h1").inner_text() == theirs
    first.context.close()
    second.context.close()


def test_offline_calls_survive_a_reload_and_reach_the_server_once(web: Web) -> None:
    page = web.page("agent03")
    w.wait_offline_ready(page)
    held = [start_calling(page, title(web, "relay"))]
    page.locator("a", has_text="होम पर जाएँ").click()
    held.append(start_calling(page, title(web, "scheme")))
    page.locator("a", has_text="होम पर जाएँ").click()
    page.wait_for_selector(".panel-held")

    page.context.set_offline(True)
    page.locator(".panel-held a", has_text=held[0]).click()
    choose(page, "no_answer")
    save(page)
    expect(page.locator(".notice-error")).to_contain_text("नेटवर्क नहीं है")  # no next contact offline
    expect(page.locator("#banner")).to_contain_text("1 कॉल भेजी जानी बाकी हैं")
    web.a11y(page, "07-offline-no-network")
    page.locator("a.btn-secondary", has_text="होम").click()
    page.locator(".panel-held a", has_text=held[1]).click()
    choose(page, "callback_requested")
    page.locator(".callback button").first.click()  # in one hour
    save(page)
    expect(page.locator("#banner")).to_contain_text("2 कॉल भेजी जानी बाकी हैं")
    bodies = [item["body"] for item in page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open('sampark', 1).onsuccess = (e) => {
            const r = e.target.result.transaction('outbox').objectStore('outbox').getAll();
            r.onsuccess = () => resolve(r.result); }; })""")]
    call_ids = {b["call_id"] for b in bodies}
    assert len(call_ids) == 2

    page.reload()  # offline: the service worker serves the app, IndexedDB still holds both calls
    expect(page.locator("#banner")).to_contain_text("2 कॉल भेजी जानी बाकी हैं")
    assert w.outbox_count(page) == 2
    web.a11y(page, "08-offline-banner")

    page.context.set_offline(False)
    expect(page.locator("#banner")).to_be_hidden(timeout=30000)
    assert w.outbox_count(page) == 0
    agent = web.api_as("agent03")
    logs = agent.call("GET", "/me/calls")["items"]
    assert {c["call_id"] for c in logs} == call_ids
    assert sorted(c["disposition"] for c in logs) == ["callback_requested", "no_answer"]
    for body in bodies:  # a phone that sends again (it never learnt of the first answer) changes nothing
        replay = agent.session.post(f"{web.stack.api_url}/calls", json=body, timeout=30)
        assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert len(agent.call("GET", "/me/calls")["items"]) == 2
    page.locator(".brand").click()
    expect(page.locator(".stats dd").first).to_have_text("2")  # my calls today, from the agent's counter
    page.context.close()


def test_board_shows_an_agents_call_within_one_refresh(web: Web) -> None:
    every = 5
    board = web.page()
    board.goto(f"/?every={every}#/login")
    w.sign_in(board, "supervisor", web.password)
    board.goto(f"/?every={every}#/board")
    board.wait_for_selector("[data-testid=board-updated]:not(:empty)")
    loads_before = int(board.locator(".screen-board").get_attribute("data-loads") or 0)
    web.a11y(board, "09-board")

    agent = web.page("agent06")
    start_calling(agent, title(web, "relay"))
    answer_connected(agent, "3")
    save(agent)
    expect(agent.locator("#banner")).to_be_hidden()
    recorded = time.monotonic()
    row = board.locator("[data-agent=agent06]")  # at their seat of the shift in progress, or listed below the map
    expect(row).to_contain_text(re.compile(r"(^|\D)1 कॉल"), timeout=(every + 5) * 1000)
    assert time.monotonic() - recorded <= every + 5
    assert int(board.locator(".screen-board").get_attribute("data-loads") or 0) > loads_before
    if web.api_as("supervisor").call("GET", "/board")["shift"]["window"]:  # a shift is in progress now
        expect(board.locator("li.seat[data-agent]").first).to_contain_text("S")
    relay = board.locator(f".wall-campaign-list li[data-campaign='{web.campaigns['relay']}']")
    expect(relay).to_contain_text("से बात हुई")
    expect(board.locator(f"#b-chart-completed li.chart-row[data-row='{web.campaigns['relay']}']")).to_be_visible()
    web.a11y(board, "10-board-after-call")
    board.context.close()
    agent.context.close()


def test_board_lists_a_unit_nobody_could_reach(web: Web) -> None:
    """One attempt allowed, no answer: the booth is escalated to the in-charge one level up, and the
    supervisor's board lists it with its campaign and the reason."""
    booth = "chw-a5-m01-k1-b1"  # outside the relay's and the scheme's areas (SINGLE_BOOTH)
    campaign_id = w.create_active(web.admin, w.campaign_body("Unreachable booth", booth, max_attempts=1))
    agent = web.api_as("agent10")
    screen = agent.call("POST", f"/campaigns/{campaign_id}/next")
    assert screen["status"] == "leased"
    agent.call("POST", "/calls", {
        "call_id": str(uuid.uuid4()), "campaign_id": campaign_id, "contact_id": screen["contact"]["contact_id"],
        "disposition": "no_answer", "started_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
        "duration_s": 25}, expect=201)
    (escalated,) = web.admin.call("GET", f"/campaigns/{campaign_id}/escalations")["items"]
    assert escalated["unit_id"] == booth
    board = web.page("supervisor")
    board.goto("/#/board")
    listed = board.locator(f".wall-escalations li.escalation[data-unit='{booth}'][data-campaign='{campaign_id}']")
    expect(listed).to_contain_text(escalated["reason_hi"])
    expect(listed).to_contain_text("Unreachable booth")
    card = board.locator(f".wall-campaign-list li[data-campaign='{campaign_id}']")
    expect(card).to_contain_text("1 खुली आगे बढ़ाई गई")
    web.a11y(board, "10b-board-escalation")
    board.context.close()


def test_hindi_and_english_with_times_in_ist(web: Web) -> None:
    page = web.page(timezone_id="America/New_York")  # the phone's zone must not matter
    page.goto("/")
    expect(page.locator("h1")).to_have_text("लॉग इन करें")
    assert page.evaluate("document.documentElement.lang") == "hi"
    page.get_by_role("button", name=re.compile("English")).click()
    expect(page.locator("h1")).to_have_text("Sign in")
    assert page.evaluate("document.documentElement.lang") == "en"
    web.a11y(page, "11-login-en")
    page.locator("input[name=username]").fill("agent07")
    page.locator("input[name=password]").fill(web.password)
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Namaste, agent07")
    expect(page.get_by_role("link", name="Start calling").first).to_be_visible()
    web.a11y(page, "12-home-en")
    start_calling(page, "Mandal meeting relay")
    expect(page.locator(".outcome legend")).to_have_text("How did the call go?")
    assert page.locator("section[lang=hi] .script, section[lang=en] .script").count() == 1
    until = datetime.fromisoformat(held_screen(page)["lease"]["until"].replace("Z", "+00:00"))
    ist = until.astimezone(IST)
    hour = ist.hour % 12 or 12
    expect(page.locator(".lease")).to_contain_text(f"{hour}:{ist.minute:02d}")
    assert not KEY_PATTERN.search(page.locator("body").inner_text())
    web.a11y(page, "13-call-en")
    page.get_by_role("button", name=re.compile("हिन्दी")).click()
    expect(page.locator(".outcome legend")).to_have_text("कॉल का नतीजा क्या रहा?")
    assert not KEY_PATTERN.search(page.locator("body").inner_text())
    page.context.close()


def test_every_refusal_gets_a_clear_message(web: Web) -> None:
    page = web.page("agent08")
    cases = [("closed", "यह अभियान बंद हो गया है।"), ("hours", "कॉल करने का समय अभी नहीं है"),
             ("future", "यह अभियान अभी शुरू नहीं हुआ है।")]
    for name, message in cases:
        page.goto(f"/#/call/{web.campaigns[name]}")
        expect(page.locator(".notice-error")).to_contain_text(message)
    expect(page.locator(".notice-error")).to_contain_text("IST")  # when calling opens
    web.a11y(page, "14-refusal-not-started")

    page.goto("/#/home")
    held = start_calling(page, title(web, "relay"))
    screen = held_screen(page)
    page.evaluate("""() => { const held = JSON.parse(sessionStorage.getItem('sampark.held'));
        for (const e of Object.values(held)) e.screen.lease.until = new Date(Date.now() - 1000).toISOString();
        sessionStorage.setItem('sampark.held', JSON.stringify(held)); }""")
    page.reload()  # the same person comes back after a reload, now with the hold expired
    expect(page.locator(".lease-expired")).to_contain_text("रोक का समय खत्म हो गया")
    assert page.locator("h1").inner_text() == held
    # the person asked to be forgotten meanwhile (an expired hold alone no longer refuses a call: it is late)
    web.admin.call("DELETE", f"/contacts/{screen['contact']['contact_id']}")
    choose(page, "busy")
    save(page)
    expect(page.locator("h1")).to_have_text("यह कॉल स्वीकार नहीं हुई")
    expect(page.locator("main")).to_contain_text("नहीं मिला")
    expect(page.locator("main")).to_contain_text(held)
    web.a11y(page, "15-refused-call")
    page.locator("#banner a").click()
    expect(page.locator(".screen-outbox .notice-error")).to_contain_text("नहीं मिला")
    web.a11y(page, "16-outbox")
    page.get_by_role("button", name="देख लिया, हटाएँ").click()
    expect(page.locator("#banner")).to_be_hidden()

    session = page.evaluate("JSON.parse(sessionStorage.getItem('sampark.session'))")
    session.update(id_token=session["id_token"][:-4] + "AAAA", refresh_token="not-a-refresh-token")
    page.evaluate("(s) => sessionStorage.setItem('sampark.session', JSON.stringify(s))", session)
    page.goto("/#/home")
    page.reload()
    expect(page.locator("h1")).to_have_text("लॉग इन करें")
    expect(page.locator("main")).to_contain_text("आप लॉग आउट हो गए हैं")
    web.a11y(page, "17-signed-out")
    page.context.close()


def test_a_call_made_offline_is_recorded_late_after_another_agent_took_the_person(web: Web) -> None:
    """The phone is offline past the hold (1 minute here); another agent takes the person and calls;
    back online, the first call reaches the server and is recorded as a late call of its agent."""
    cid = w.create_active(web.admin, w.campaign_body("Late call drive", "chw-a4-m01-k1-b1", lease_minutes=1))
    page = web.page("agent02")
    w.wait_offline_ready(page)
    held = start_calling(page, "Late call drive (हिं)")
    screen = held_screen(page)
    page.context.set_offline(True)
    away_to_dialler(page, 2)
    answer_connected(page)
    save(page)
    expect(page.locator("#banner")).to_contain_text("1 कॉल भेजी जानी बाकी हैं")
    (body,) = [i["body"] for i in page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open('sampark', 1).onsuccess = (e) => {
            const r = e.target.result.transaction('outbox').objectStore('outbox').getAll();
            r.onsuccess = () => resolve(r.result); }; })""")]
    lapse = (datetime.fromisoformat(screen["lease"]["until"].replace("Z", "+00:00")) - datetime.now(UTC))
    page.wait_for_timeout(max(lapse.total_seconds(), 0) * 1000 + 1500)  # the hold lapses, the phone still offline

    other = web.api_as("agent04")  # another agent is handed the same person and calls them
    taken = other.call("POST", f"/campaigns/{cid}/next")
    assert taken["status"] == "leased" and taken["contact"]["contact_id"] == screen["contact"]["contact_id"]
    other.call("POST", "/calls", {"call_id": str(uuid.uuid4()), "campaign_id": cid,
                                  "contact_id": screen["contact"]["contact_id"], "disposition": "busy",
                                  "started_at": datetime.now(UTC).isoformat(), "duration_s": 20}, expect=201)

    page.context.set_offline(False)  # back online: the outbox sends the call
    expect(page.locator("#banner")).to_be_hidden(timeout=30000)
    assert w.outbox_count(page) == 0
    day = datetime.fromisoformat(body["started_at"].replace("Z", "+00:00")).astimezone(IST).date().isoformat()
    mine = {c["call_id"]: c for c in web.api_as("agent02").call("GET", f"/me/calls?date={day}")["items"]}
    recorded = mine[body["call_id"]]
    assert recorded["late"] is True and recorded["disposition"] == "connected" and recorded["agent"] == "agent02"
    progress = web.admin.call("GET", f"/campaigns/{cid}/progress")
    assert (progress["attempts"], progress["connects"], progress["completed"], progress["targets"]) == (2, 1, 1, 1)
    page.goto("/#/calls")
    expect(page.locator(f"li[data-call='{body['call_id']}']")).to_contain_text("देर से")
    expect(page.locator(f"li[data-call='{body['call_id']}']")).to_contain_text(held)
    web.a11y(page, "18-late-call")
    page.context.close()


def test_a_refused_call_is_set_aside_with_its_reason_and_the_rest_are_sent(web: Web) -> None:
    """Calls waiting on the phone: one the server refuses (400: too old), one that meets a server fault
    of its own (500), then a good one. The refused one is set aside with the reason, the faulty one waits
    for the next run, and the good one is sent: nothing stalls behind one call."""
    page = web.page("agent02", service_workers="block")  # so that the test can stand in for a faulty server
    start_calling(page, title(web, "scheme"))
    contact = held_screen(page)["contact"]["contact_id"]
    page.context.set_offline(True)
    choose(page, "no_answer")
    save(page)
    expect(page.locator("#banner")).to_contain_text("1 कॉल भेजी जानी बाकी हैं")
    old, faulty = str(uuid.uuid4()), str(uuid.uuid4())
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    page.evaluate("""(items) => new Promise((resolve, reject) => {
        indexedDB.open('sampark', 1).onsuccess = (e) => {
            const tx = e.target.result.transaction('outbox', 'readwrite');
            for (const item of items) tx.objectStore('outbox').put(item);
            tx.oncomplete = () => resolve(); tx.onerror = () => reject(tx.error); }; })""", [
        {"call_id": call_id, "username": "agent02", "label": {"name": name}, "saved_at": saved_at,
         "state": "waiting", "error": None, "tries": 0,
         "body": {"call_id": call_id, "campaign_id": web.campaigns["scheme"], "contact_id": contact,
                  "disposition": "no_answer", "started_at": started_at, "duration_s": 10}}
        for call_id, name, saved_at, started_at in (
            (old, "पुरानी कॉल", "2000-01-01T00:00:00.000Z", three_days_ago),
            (faulty, "अटकी कॉल", "2000-01-01T00:00:01.000Z", datetime.now(UTC).isoformat()))])

    def server_fault(route: Any) -> None:
        if (route.request.post_data_json or {}).get("call_id") == faulty:
            route.fulfill(status=500, content_type="application/json",
                          body=json.dumps({"error": {"code": "internal", "message": "server fault"}}))
        else:
            route.continue_()

    page.route("**/calls", server_fault)
    page.context.set_offline(False)
    page.locator("#banner button").click()  # Send now
    expect(page.locator("#banner")).to_contain_text("सर्वर ने 1 कॉल स्वीकार नहीं कीं", timeout=30000)
    expect(page.locator("#banner")).to_contain_text("1 कॉल भेजी जानी बाकी हैं")
    sent = {c["call_id"]: c for c in web.api_as("agent02").call("GET", "/me/calls")["items"]}
    good = [c for c in sent.values() if c["contact_id"] == contact and c["disposition"] == "no_answer"
            and c["call_id"] not in (old, faulty)]
    assert len(good) == 1 and old not in sent and faulty not in sent
    stored = {i["call_id"]: i for i in page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open('sampark', 1).onsuccess = (e) => {
            const r = e.target.result.transaction('outbox').objectStore('outbox').getAll();
            r.onsuccess = () => resolve(r.result); }; })""")}
    assert set(stored) == {old, faulty}
    assert (stored[old]["state"], stored[old]["error"]["status"], stored[old]["error"]["field"]) == (
        "failed", 400, "started_at")
    assert stored[faulty]["state"] == "waiting" and stored[faulty]["tries"] >= 1

    page.locator("#banner a").click()  # See why
    refused = page.locator(".screen-outbox li", has_text="पुरानी कॉल")
    expect(refused.locator(".notice-error")).to_contain_text("स्वीकार नहीं हुआ")
    web.a11y(page, "19-outbox-set-aside")
    page.get_by_role("button", name=re.compile("English")).click()
    expect(page.locator(".screen-outbox li", has_text="पुरानी कॉल").locator(".notice-error")).to_contain_text(
        "was not accepted")
    page.unroute("**/calls", server_fault)
    page.context.close()


def test_an_agent_who_leases_too_fast_is_slowed_and_the_board_shows_it(web: Web) -> None:
    """The probe's harvest: lease, log a 0-second no-answer, again. After ten contacts in a couple of
    minutes the agent is told to slow down (in their language), and the supervisors' board says so."""
    harvester = web.api_as("agent05")
    cid = web.campaigns["relay"]
    for _ in range(21):  # a window may end during the loop: ten more then, never twenty in one window
        r = harvester.session.post(f"{web.stack.api_url}/campaigns/{cid}/next", timeout=30)
        if r.status_code == 429:
            break
        screen = r.json()
        assert r.status_code == 200 and screen["status"] == "leased", r.text
        harvester.call("POST", "/calls", {"call_id": str(uuid.uuid4()), "campaign_id": cid,
                                          "contact_id": screen["contact"]["contact_id"], "disposition": "no_answer",
                                          "started_at": datetime.now(UTC).isoformat(), "duration_s": 0}, expect=201)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_fast" and int(r.headers["Retry-After"]) >= 1

    page = web.page("agent05")
    page.goto(f"/#/call/{cid}")
    expect(page.locator(".notice-error")).to_contain_text("थोड़ा रुकें")
    expect(page.locator(".notice-error")).to_contain_text(re.compile(r"आप [०-९0-9]+ सेकंड बाद फिर माँग सकते हैं"))
    web.a11y(page, "20-too-fast")
    board = web.page("supervisor")
    board.goto("/#/board")
    card = board.locator("section.pacing li[data-pacing=agent05]")
    expect(card).to_contain_text("आज 1 बार रोका गया")
    web.a11y(board, "21-board-pacing")
    page.context.close()
    board.context.close()


def test_small_phone_360_by_640_with_48px_targets(web: Web) -> None:
    page = web.page(viewport={"width": 360, "height": 640}, device_scale_factor=2)
    w.sign_in(page, "agent09", web.password)
    expect(page.locator("li.item", has_text=title(web, "relay"))).to_be_visible()
    check_layout(page)
    start_calling(page, title(web, "relay"))
    choose(page, "callback_requested")
    check_layout(page)
    web.a11y(page, "18-call-360")
    page.context.close()


def check_layout(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling at 360 px"
    small = page.evaluate("""() => [...document.querySelectorAll(
            'a.btn, button, .choice label, input:not([type=radio]), textarea, .brand')]
        .filter(el => el.offsetParent !== null)
        .map(el => { const r = el.getBoundingClientRect();
                     return {text: el.textContent.trim().slice(0, 40), w: r.width, h: r.height}; })
        .filter(r => r.w < 48 || r.h < 48)""")
    assert not small, f"touch targets under 48 px: {small}"
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16, "body text readable without zoom"


def test_a_leader_lands_on_the_dashboard_and_signs_out_clean(web: Web) -> None:
    page = web.page("state")
    expect(page.locator("h1")).to_have_text("डैशबोर्ड")  # their home: the read-only dashboard (test_dashboard.py)
    assert page.evaluate("location.hash") == "#/dashboard"
    web.a11y(page, "19-leader")
    page.get_by_role("button", name="लॉग आउट").click()
    expect(page.locator("h1")).to_have_text("लॉग इन करें")
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('sampark.'))") == []
    page.context.close()


def test_a_new_agent_sets_a_password_and_is_told_they_are_not_on_duty(web: Web) -> None:
    created = web.admin.call("POST", "/agents", {
        "username": "agent99", "role": "agent", "name_hi": "नया एजेंट", "name_en": "New Agent",
        "email": "agent99@sampark.example", "languages": ["hi"]}, expect=201)
    page = web.page()
    page.goto("/")
    page.locator("input[name=username]").fill("agent99")
    page.locator("input[name=password]").fill(created["temporary_password"])
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("नया पासवर्ड चुनें")  # the first sign-in
    web.a11y(page, "20-new-password")
    page.locator("input[type=password]").nth(0).fill("my-own-password-1")
    page.locator("input[type=password]").nth(1).fill("my-own-password-1")
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("नमस्ते, agent99")
    page.locator("li.item", has_text=title(web, "relay")).get_by_role("link").click()
    expect(page.locator(".notice-error")).to_contain_text("रोस्टर में आपका नाम नहीं है")  # the roster's reason
    web.a11y(page, "21-off-duty")
    page.context.close()
