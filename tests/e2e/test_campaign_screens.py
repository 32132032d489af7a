"""The office's campaign screens in a real browser (Debian's Chromium, Playwright) against the local
stack: a supervisor creates a campaign in the browser (a field the API refuses is shown beside that
field first, what was typed kept, a double click makes one campaign), activates it behind a
confirmation and sees its activation, an agent leases and records a call from it, and the list shows
the change; an edit that lost a race shows the newer version; a programme that arrived by SNS is
listed apart, opened in the same editor and activated from there; filters are kept in the tab.
axe-core finds no violation (any impact) on each new screen in Hindi and English; screenshots
at 360 and 1280 px go to test-output/screenshots/.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from devtools.local_stack import LocalStack, free_port
from tests.e2e import web_helpers as w
from tests.e2e.test_web import away_to_dialler, choose, save, start_calling

pytestmark = pytest.mark.e2e
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}
BOOTH, KENDRA = "chw-a1-m01-k1-b1", "chw-a1-m01-k1"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 640}


@dataclass
class Office:
    stack: LocalStack
    admin: w.Client
    playwright: Playwright
    browser: Browser
    axe_source: str
    problems: list[str] = field(default_factory=list)

    def page(self, username: str, viewport: ViewportSize = DESKTOP) -> Page:
        if viewport == DESKTOP:
            context = self.browser.new_context(base_url=self.stack.api_url, viewport=viewport)
        else:
            context = self.browser.new_context(**{**self.playwright.devices[w.DEVICE], "viewport": viewport},
                                               base_url=self.stack.api_url)
        page = context.new_page()
        page.on("console", lambda m: self.problems.append(f"CSP: {m.text}")
                if "Content Security Policy" in m.text or "Refused to" in m.text else None)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        w.sign_in(page, username, self.stack.password)
        return page

    def check(self, page: Page, screen: str) -> None:
        """axe-core on the screen as it is (no violation of any impact), and its screenshot."""
        page.evaluate("window.scrollTo(0, 0)")
        w.shot(page, screen)
        w.axe(page, screen, self.axe_source)
        found = json.loads((w.AXE_DIR / f"{screen}.json").read_text(encoding="utf-8"))["violations"]
        assert not found, f"{screen}: {json.dumps(found, ensure_ascii=False, indent=1)}"


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    chromium = w.ensure_chromium()
    axe_source = w.ensure_axe()
    with w.environment_restored(), \
            LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE, quiet=True) as stack:
        admin = w.Client(stack.api_url, "admin", stack.password)
        admin.call("POST", "/rosters/current/generate", {}, expect=201)
        until = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
        admin.call("POST", "/agents/agent01/duty-override", {"until": until, "reason": "campaign screens test"})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=w.CHROMIUM_ARGS)
            office = Office(stack, admin, playwright, browser, axe_source)
            try:
                yield office
            finally:
                browser.close()
        assert not office.problems, office.problems


def switch_language(page: Page) -> None:
    page.locator("#top button").first.click()


def walk_to(page: Page, office: Office, unit_id: str) -> None:
    """Choose the unit in the cascading lists, one level at a time."""
    path = office.admin.call("GET", f"/units/{unit_id}")["path"]
    if path[-1] != unit_id:
        path.append(unit_id)
    depth = 0
    for uid in path:
        select = page.locator(f"#f-unit-{depth}")
        select.wait_for()
        if select.locator(f"option[value='{uid}']").count() == 0:
            continue  # a level above the lists (the state)
        select.select_option(uid)
        depth += 1
    expect(page.locator(f"#w-f-roles[data-unit='{unit_id}'] input").first).to_be_visible()
    level = office.admin.call("GET", f"/units/{unit_id}")["level"]
    if level == "booth":  # only the roles at the unit's level or below are offered
        expect(page.locator("#w-f-roles input[value=shakti_kendra_incharge]")).to_have_count(0)


def drafts_titled(office: Office, title: str) -> list[dict[str, Any]]:
    items = office.admin.call("GET", "/campaigns?status=draft&limit=100")["items"]
    return [c for c in items if c["title_en"] == title]


def wait_status(office: Office, campaign_id: str, status: str, wait_s: float = 30) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if office.admin.call("GET", f"/campaigns/{campaign_id}")["status"] == status:
            return
        time.sleep(0.3)
    raise AssertionError(f"{campaign_id} not {status} within {wait_s} s")


def test_a_supervisor_creates_and_activates_a_campaign_and_an_agents_call_shows(office: Office) -> None:
    title = f"Ration card drive {uuid.uuid4().hex[:6]}"
    today = w.ist_today().date()
    page = office.page("supervisor")
    page.locator("#top a.nav-link", has_text="अभियान").click()
    page.wait_for_selector(".screen-campaigns h1")
    expect(page.locator("#prog-h")).to_be_visible()
    page.locator("a", has_text="नया अभियान").click()
    page.wait_for_selector(".screen-campaign-new #f-unit-0")

    page.locator("#f-submit, .btn-save").click()  # empty: the summary lists what is missing
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#f-title_hi']")).to_have_text("हिंदी में शीर्षक लिखें")
    expect(page.locator("#w-f-title_hi .error-message")).to_contain_text("हिंदी में शीर्षक लिखें")

    page.locator("label[for=f-kind-scheme]").click()
    page.locator("#f-title_hi").fill(f"{title} (हिं)")
    page.locator("#f-title_en").fill(title)
    page.locator("#f-script_hi").fill("नमस्ते, राशन कार्ड शिविर रविवार को है।")
    page.locator("#f-script_en").fill("Hello, the ration card camp is on Sunday.")
    page.locator("#f-add-question").click()
    page.locator("#q-0-text_hi").fill("क्या आप आएँगे?")
    page.locator("#q-0-text_en").fill("Will you come?")
    page.locator("label[for=q-0-required]").click()
    page.locator("#f-add-question").click()
    page.locator("#q-1-kind").select_option("choice")
    for j, (value, hi, en) in enumerate([("morning", "सुबह", "Morning"), ("evening", "शाम", "Evening")]):
        page.locator(f"#q-1-c{j}-value").fill(value)
        page.locator(f"#q-1-c{j}-label_hi").fill(hi)
        page.locator(f"#q-1-c{j}-label_en").fill(en)
    page.locator("#q-1-text_hi").fill("कब आना ठीक रहेगा?")
    page.locator("#q-1-text_en").fill("When suits you?")
    page.locator("button", has_text="प्रश्न 2 ऊपर करें").click()  # order: the choice question first
    expect(page.locator("#q-0-kind")).to_have_value("choice")
    expect(page.locator("#q-0-c1-label_en")).to_have_value("Evening")  # what was typed is kept
    walk_to(page, office, BOOTH)
    page.locator("#w-f-roles input[value=booth_president]").check()
    page.locator("#f-starts_on").fill(str(today))
    page.locator("#f-ends_on").fill(str(today - timedelta(days=1)))  # refused by the API, beside its field
    page.locator("#f-hours_start").fill("00:00")
    page.locator("#f-hours_end").fill("24:00")
    page.locator(".btn-save").click()
    expect(page.locator("#w-f-ends_on .error-message")).to_contain_text("अंतिम दिन पहले दिन के बराबर या बाद")
    expect(page.locator(".error-summary a[href='#f-ends_on']")).to_be_visible()
    expect(page.locator("#f-ends_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-title_en")).to_have_value(title)
    assert drafts_titled(office, title) == []
    office.check(page, "campaign-new-refused-hi-1280")
    page.set_viewport_size(PHONE)
    w.shot(page, "campaign-new-refused-hi-360")
    page.set_viewport_size(DESKTOP)
    page.locator(".error-summary a[href='#f-ends_on']").click()
    expect(page.locator("#f-ends_on")).to_be_focused()

    page.locator("#f-ends_on").fill(str(today + timedelta(days=1)))
    lost: list[int] = []

    def lose_the_answer(route: Any) -> None:  # the server creates the draft; its answer never arrives
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route("**/campaigns", lose_the_answer)
    with page.expect_event("requestfailed"):
        page.locator(".btn-save").click()
    expect(page.locator(".error-summary a")).not_to_contain_text("अंतिम दिन पहले दिन")  # now the network's
    assert lost == [201] and len(drafts_titled(office, title)) == 1
    page.locator(".btn-save").dblclick()  # the same form's Idempotency-Key: still one campaign
    page.wait_for_selector(".screen-campaign .btn-activate")
    (draft,) = drafts_titled(office, title)
    cid = draft["campaign_id"]
    stored = office.admin.call("GET", f"/campaigns/{cid}")
    assert stored["kind"] == "scheme" and stored["target"] == {"unit_id": BOOTH, "level": "booth",
                                                              "roles": ["booth_president"]}
    assert [q["id"] for q in stored["questions"]] == ["q2", "q1"]
    assert stored["questions"][1]["required"] is True
    assert stored["questions"][0]["choices"][1] == {"value": "evening", "label_hi": "शाम", "label_en": "Evening"}
    assert stored["calling_hours"] == {"start": "00:00", "end": "24:00"}
    office.check(page, "campaign-page-draft-hi-1280")

    page.locator(".btn-activate").click()  # confirmed first
    expect(page.locator(".confirm h2")).to_be_focused()
    office.check(page, "campaign-activate-confirm-hi-1280")
    assert office.admin.call("GET", f"/campaigns/{cid}")["status"] == "draft"
    page.locator(".btn-confirm").click()
    expect(page.locator("[data-testid=activation]")).to_contain_text("1 लोग कॉल सूची में हैं", timeout=30000)
    expect(page.locator(".pill-status")).to_have_text("चालू")
    assert office.admin.call("GET", f"/campaigns/{cid}")["status"] == "active"

    agent = office.page("agent01", PHONE)
    start_calling(agent, f"{title} (हिं)")
    away_to_dialler(agent, 1.2)
    choose(agent, "connected")
    agent.locator(".questions .question").nth(0).locator("label").nth(0).click()
    agent.locator(".questions .question").nth(1).locator("label").nth(0).click()
    save(agent)
    agent.wait_for_function("() => !document.querySelector('.screen-call .btn-save')", timeout=15000)
    agent.context.close()

    page.goto("/#/campaigns")
    page.locator("#f-status").select_option("active")
    row = page.locator(f"tr[data-campaign='{cid}']")
    expect(row).to_contain_text("1 में से 1 लोग पूरे", timeout=15000)
    expect(row.locator("progress")).to_have_attribute("value", "1")
    page.locator("#f-kind").select_option("feedback")  # a filter by kind hides it
    expect(row).to_have_count(0)
    page.locator("#f-kind").select_option("scheme")
    page.reload()  # the filters are kept in the tab
    page.wait_for_selector(".screen-campaigns table")
    expect(page.locator("#f-status")).to_have_value("active")
    expect(page.locator("#f-kind")).to_have_value("scheme")
    expect(page.locator(f"tr[data-campaign='{cid}']")).to_be_visible()
    office.check(page, "campaigns-list-hi-1280")
    page.set_viewport_size(PHONE)
    office.check(page, "campaigns-list-hi-360")
    page.set_viewport_size(DESKTOP)
    switch_language(page)
    expect(page.locator("h1")).to_have_text("Campaigns")
    expect(page.locator(f"tr[data-campaign='{cid}']")).to_contain_text("1 of 1 people done")
    office.check(page, "campaigns-list-en-1280")

    page.locator(f"tr[data-campaign='{cid}'] a").click()
    page.wait_for_selector(".screen-campaign .btn-close")
    expect(page.locator("[data-stat=attempts] dd")).to_have_text("1")  # the campaign page: the agent's call
    expect(page.locator("[data-stat=connects] dd")).to_have_text("1")
    expect(page.locator("#cp-outcomes li[data-row=connected]")).to_contain_text("1")
    office.check(page, "campaign-page-active-en-1280")
    page.locator(".btn-close").click()
    office.check(page, "campaign-close-confirm-en-1280")
    page.locator("button", has_text="No, go back").click()
    assert office.admin.call("GET", f"/campaigns/{cid}")["status"] == "active"
    page.locator(".btn-close").click()
    page.locator(".btn-confirm").click()
    expect(page.locator(".pill-status")).to_have_text("Closed")
    assert office.admin.call("GET", f"/campaigns/{cid}")["status"] == "closed"
    page.set_viewport_size(PHONE)
    office.check(page, "campaign-page-closed-en-360")
    page.goto("/#/campaign-new")
    page.wait_for_selector("#f-title_hi")
    page.locator(".btn-save").click()
    expect(page.locator(".error-summary")).to_contain_text("There is a problem")
    office.check(page, "campaign-new-errors-en-360")
    switch_language(page)  # back to Hindi for the next tests' pages (the choice is kept per browser)
    page.context.close()


def test_an_edit_that_lost_a_race_shows_the_newer_version(office: Office) -> None:
    body = w.campaign_body("Race draft", BOOTH, kind="feedback")
    cid = office.admin.call("POST", "/campaigns", body, expect=201)["campaign_id"]
    page = office.page("supervisor")
    page.goto(f"/#/campaign-edit/{cid}")
    page.wait_for_selector(".screen-campaign-edit #f-title_en")
    expect(page.locator("#f-title_en")).to_have_value("Race draft")
    expect(page.locator("#f-unit-0")).to_be_visible()
    office.admin.call("PATCH", f"/campaigns/{cid}", {"version": 1, "title_en": "Race draft (admin's)"})
    page.locator("#f-title_en").fill("Race draft (supervisor's)")
    page.locator(".btn-save").click()
    warn = page.locator(".notice-warn")
    expect(warn).to_contain_text("किसी और ने यह मसौदा सहेज दिया")
    expect(page.locator("#f-title_en")).to_have_value("Race draft (admin's)")
    stored = office.admin.call("GET", f"/campaigns/{cid}")
    assert stored["title_en"] == "Race draft (admin's)" and stored["version"] == 2
    office.check(page, "campaign-edit-conflict-hi-1280")
    page.locator("#f-title_en").fill("Race draft (supervisor's)")  # saved on the newer version: accepted
    page.locator(".btn-save").click()
    page.wait_for_selector(".screen-campaign .btn-activate")
    assert office.admin.call("GET", f"/campaigns/{cid}")["title_en"] == "Race draft (supervisor's)"
    page.context.close()


def test_a_programme_from_bhopal_is_listed_apart_opened_and_activated(office: Office) -> None:
    from chalicelib.relay import service as relay_service

    now = datetime.now(UTC)
    message = {
        "programme_id": f"mp-{uuid.uuid4().hex[:8]}", "source": "state", "title_hi": "प्रदेश बैठक की सूचना",
        "title_en": "State meeting notice", "date": str((now + timedelta(days=1)).date()),
        "instructions_hi": "कल प्रदेश बैठक है, सबको बताएँ।",
        "instructions_en": "The state meeting is tomorrow; tell everyone.",
        "levels": ["shakti_kendra", "booth"], "deadline": (now + timedelta(days=1)).isoformat(), "unit_id": KENDRA,
    }
    result = relay_service.receive_programme(json.dumps(message), f"m-{uuid.uuid4().hex}", now.isoformat())
    assert result["status"] == "accepted", result
    cid = result["campaign_id"]
    page = office.page("supervisor")
    page.goto("/#/campaigns")
    programme = page.locator(f"li.programme[data-campaign='{cid}']")
    expect(programme).to_contain_text("भोपाल (प्रदेश) से")
    expect(programme).to_contain_text("प्रदेश बैठक की सूचना")
    page.locator("#f-status").select_option("draft")
    office.check(page, "campaigns-programmes-hi-1280")
    programme.get_by_role("link").click()
    page.wait_for_selector(".screen-campaign-edit #f-title_hi")
    expect(page.locator("#programme-box")).to_be_visible()
    expect(page.locator("#programme-box")).to_contain_text("भोपाल (प्रदेश) से")
    expect(page.locator("#w-f-levels input[value=booth]")).to_be_checked()
    expect(page.locator("#f-unit-0")).to_be_visible()
    expect(page.locator("#w-f-roles input:checked")).to_have_count(2)
    office.check(page, "campaign-edit-programme-hi-1280")
    page.set_viewport_size(PHONE)
    office.check(page, "campaign-edit-programme-hi-360")
    page.set_viewport_size(DESKTOP)
    switch_language(page)
    expect(page.locator("#programme-box")).to_contain_text("From Bhopal (state)")
    expect(page.locator("#w-f-roles input:checked")).to_have_count(2)
    office.check(page, "campaign-edit-programme-en-1280")
    page.locator(".btn-activate").click()
    page.locator(".btn-confirm").click()
    page.wait_for_selector(".screen-campaign")
    expect(page.locator(".pill-status")).to_have_text("Active", timeout=30000)
    wait_status(office, cid, "active")
    stored = office.admin.call("GET", f"/campaigns/{cid}")
    assert stored["programme"]["source"] == "state" and stored["activation"]["targets_created"] >= 1
    switch_language(page)
    page.context.close()
