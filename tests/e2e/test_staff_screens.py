"""The people of the call centre in a real browser (Debian's Chromium, Playwright) against the local
stack (issue 16, points 4-6): an admin creates an agent in the browser, reads the temporary password
once, and that agent then signs in (choosing a new password through the client's own login); the
admin deactivates an agent behind a confirmation; a supervisor puts an agent on duty with a reason; a
leave added shows on the agent's calendar, and revising the next period's roster lists that agent under
what changed against the revision before; the roster grid of the demo seed shows 35 seats × 2 shifts;
a settings edit the API refuses shows the error beside its field (nested fields too) with what was
typed kept; (issue 20) an admin adds an employer, cannot remove the firm that still has agents, gives an
agent another employer and filters the list by it, and changes the daily call cap (0 refused beside the
field). axe-core finds no violation (any impact) on each screen in Hindi and English; screenshots
at 360 and 1280 px go to test-output/screenshots/.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from chalicelib.core.clock import IST, parse_iso
from chalicelib.shifts import rules
from devtools.local_stack import LocalStack, free_port
from tests.e2e import web_helpers as w

pytestmark = pytest.mark.e2e
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}
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

    def page(self, username: str | None, viewport: ViewportSize = DESKTOP) -> Page:
        page = w.new_page(self.browser, self.stack.api_url, self.problems, viewport=viewport)
        if username:
            w.sign_in(page, username, self.stack.password)
        return page

    def check(self, page: Page, screen: str) -> None:
        """axe-core on the screen as it is (no violation of any impact), and its screenshot."""
        page.evaluate("window.scrollTo(0, 0)")
        w.shot(page, screen)
        w.axe(page, screen, self.axe_source)
        found = json.loads((w.AXE_DIR / f"{screen}.json").read_text(encoding="utf-8"))["violations"]
        assert not found, f"{screen}: {json.dumps(found, ensure_ascii=False, indent=1)}"

    def both(self, page: Page, screen: str, ready: str, phone: bool = True) -> None:
        """The screen in Hindi (1280 px and 360 px), then in English (1280 px), then back to Hindi."""
        self.check(page, f"{screen}-hi-1280")
        if phone:
            page.set_viewport_size(PHONE)
            self.check(page, f"{screen}-hi-360")
            page.set_viewport_size(DESKTOP)
        page.locator("#top button").first.click()
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.wait_for_selector(ready)
        self.check(page, f"{screen}-en-1280")
        page.locator("#top button").first.click()
        page.wait_for_function("() => document.documentElement.lang === 'hi'")
        page.wait_for_selector(ready)


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    chromium = w.ensure_chromium()
    axe_source = w.ensure_axe()
    with w.environment_restored(), LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE,
                                              quiet=True, roster=True) as stack:
        admin = w.Client(stack.api_url, "admin", stack.password)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=w.CHROMIUM_ARGS)
            office = Office(stack, admin, playwright, browser, axe_source)
            try:
                yield office
            finally:
                browser.close()
        assert not office.problems, office.problems


def next_period() -> str:
    today = w.ist_today().date()
    return rules.period_id(rules.shift_period(rules.period_start(today, 1), 1, 1))


def test_an_admin_creates_an_agent_who_then_signs_in(office: Office) -> None:
    username = f"new{uuid.uuid4().hex[:6]}"
    page = office.page("admin")
    page.goto("/#/agents")
    expect(page.locator("table.staff-agents tbody tr")).to_have_count(74)  # the demo's 70 agents and 4 supervisors
    page.locator("#a-q").fill("agent07")  # asked of the API: GET /agents?q= (login name or name prefix)
    expect(page.locator("table.staff-agents tbody tr")).to_have_count(1)
    expect(page.locator(".staff-count")).to_have_text("1 मिले")
    seventh = office.admin.call("GET", "/agents/agent07")
    page.locator("#a-q").fill(seventh["name_hi"])  # the Hindi name finds the same agent
    expect(page.locator("table.staff-agents tbody tr").filter(has_text="agent07")).to_have_count(1)
    page.locator("#a-q").fill(seventh["name_en"].upper())  # and the English one, whatever its case
    expect(page.locator("table.staff-agents tbody tr").filter(has_text="agent07")).to_have_count(1)
    page.locator("#a-q").fill("")
    expect(page.locator("table.staff-agents tbody tr")).to_have_count(74)
    office.both(page, "staff-agents", "table.staff-agents")

    page.locator("a.btn-add-agent").click()
    page.wait_for_selector("#agent-form")
    page.locator("#c-username").fill("X")
    page.locator(".btn-create").click()  # refused in the page first: the summary links to each field
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#c-username']")).to_be_visible()
    expect(summary.locator("a[href='#c-email']")).to_be_visible()
    expect(page.locator("#w-c-name_hi .error-message")).to_be_visible()
    expect(page.locator("#c-username")).to_have_value("X")  # what was typed is kept
    office.both(page, "staff-agent-new-errors", "#agent-form", phone=False)

    page.locator("#c-username").fill("agent01")  # a username taken: the API's refusal beside the field
    page.locator("#c-name_hi").fill("नया एजेंट")
    page.locator("#c-name_en").fill("New Agent")
    page.locator("#c-email").fill(f"{username}@example.org")
    page.locator(".btn-create").click()
    expect(page.locator("#w-c-username .error-message")).to_contain_text("यूज़रनेम")
    expect(page.locator("#c-name_en")).to_have_value("New Agent")

    page.locator("#c-username").fill(username)
    page.locator("label[for=c-lang-en]").click()
    page.locator(".btn-create").click()
    password = page.locator("#temporary-password")
    expect(password).to_be_visible()
    temporary = password.inner_text().strip()
    assert len(temporary) >= 8
    stored = office.admin.call("GET", f"/agents/{username}")
    assert stored["active"] and stored["name_en"] == "New Agent" and stored["languages"] == ["hi", "en"]
    office.check(page, "staff-agent-created-hi-1280")
    page.set_viewport_size(PHONE)
    office.check(page, "staff-agent-created-hi-360")
    page.set_viewport_size(DESKTOP)
    page.locator("a", has_text="एजेंट का पेज खोलें").click()
    page.wait_for_selector("#duty-h")
    assert temporary not in page.content()  # shown once: never again
    office.both(page, "staff-agent-page", "#leave-h")

    # the agent signs in with it and chooses a new password through the client's login flow
    agent = office.page(None)
    agent.goto("/")
    agent.locator("input[name=username]").fill(username)
    agent.locator("input[name=password]").fill(temporary)
    agent.locator("form button[type=submit]").click()
    new_password = f"Fresh-{uuid.uuid4().hex[:10]}!"
    fields = agent.locator("input[type=password]")
    expect(fields).to_have_count(2)
    fields.nth(0).fill(new_password)
    fields.nth(1).fill(new_password)
    agent.locator("form button[type=submit]").click()
    agent.wait_for_selector(".screen-home h1")
    w.Client(office.stack.api_url, username, new_password)  # the new password works for the API too
    agent.context.close()

    # the admin resets the password behind a confirmation page; the agent must then choose a new one
    page.locator(".btn-reset").click()
    expect(page.locator("#reset-h")).to_be_focused()
    office.check(page, "staff-agent-reset-hi-1280")
    page.locator(".btn-confirm-reset").click()
    expect(page.locator("#temporary-password")).to_be_visible()
    reset_to = page.locator("#temporary-password").inner_text().strip()
    assert len(reset_to) >= 8 and reset_to != temporary
    office.check(page, "staff-agent-reset-done-hi-1280")
    old = office.admin.session.post(f"{office.stack.api_url}/auth/login",
                                    json={"username": username, "password": new_password}, timeout=30)
    assert old.status_code == 401, old.text  # the password the agent chose no longer works
    agent = office.page(None)
    agent.goto("/")
    agent.locator("input[name=username]").fill(username)
    agent.locator("input[name=password]").fill(reset_to)
    agent.locator("form button[type=submit]").click()
    expect(agent.locator("input[type=password]")).to_have_count(2)  # "choose a new password" again
    chosen = f"Again-{uuid.uuid4().hex[:10]}!"
    agent.locator("input[type=password]").nth(0).fill(chosen)
    agent.locator("input[type=password]").nth(1).fill(chosen)
    agent.locator("form button[type=submit]").click()
    agent.wait_for_selector(".screen-home h1")
    new_password = chosen
    agent.context.close()
    page.locator(".btn-open-agent").click()
    page.wait_for_selector("#duty-h")

    # deactivation is behind a confirmation page; the login is then refused
    page.locator(".btn-deactivate").click()
    expect(page.locator("#deact-h")).to_be_focused()
    office.check(page, "staff-agent-deactivate-hi-1280")
    page.locator(".btn-confirm-deactivate").click()
    expect(page.locator(".btn-reactivate")).to_be_visible()
    assert office.admin.call("GET", f"/agents/{username}")["active"] is False
    r = office.admin.session.post(f"{office.stack.api_url}/auth/login",
                                  json={"username": username, "password": new_password}, timeout=30)
    assert r.status_code in (401, 403), r.text

    # the same in English, a supervisor this time (the confirmation page is not a route: made again)
    page.locator("#top button").first.click()
    page.goto("/#/agents/new")
    page.wait_for_selector("#agent-form")
    page.locator("#c-username").fill(f"{username}s")
    page.locator("#c-name_en").fill("Second Supervisor")
    page.locator("#c-email").fill(f"{username}s@example.org")
    page.locator("label[for=c-role-supervisor]").click()
    page.locator(".btn-create").click()
    expect(page.locator("#temporary-password")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Agent created")
    office.check(page, "staff-agent-created-en-1280")
    assert office.admin.call("GET", f"/agents/{username}s")["role"] == "supervisor"
    page.locator("#top button").first.click()
    page.context.close()


def test_the_demo_roster_grid_shows_35_seats_by_2_shifts(office: Office) -> None:
    page = office.page("supervisor")
    page.locator("#top a.nav-link", has_text="रोस्टर").click()
    grid = page.locator("table.roster-grid")
    expect(grid).to_be_visible()
    expect(grid.locator("thead th")).to_have_count(3)  # seat, morning, evening
    expect(grid.locator("thead th[scope=col]").nth(1)).to_have_text("सुबह")
    expect(grid.locator("tr.seat-row")).to_have_count(35)
    expect(grid.locator("tr.seat-row th[scope=row]")).to_have_count(35)
    expect(grid.locator("tbody.room")).to_have_count(3)
    expect(grid.locator("td.seat-cell .seat-person")).to_have_count(70)  # 70 agents, one per seat and shift
    expect(grid.locator("caption")).to_contain_text("35 सीटें × 2 पालियाँ")
    assert page.locator(".btn-generate").count() == 0  # a supervisor reads; only an admin generates
    office.both(page, "staff-roster", "table.roster-grid", phone=False)
    page.set_viewport_size(PHONE)
    region = page.locator(".grid-scroll")
    overflow = region.evaluate("el => [el.scrollWidth, el.clientWidth, document.documentElement.scrollWidth]")
    assert overflow[0] > overflow[1] and overflow[2] <= 360, overflow  # the grid scrolls in its own region
    office.check(page, "staff-roster-hi-360")
    page.context.close()


def test_a_leave_shows_on_the_calendar_and_in_what_the_revision_changed(office: Office) -> None:
    period = next_period()
    last = (rules.period_days(rules.parse_period(period, 1), 1)[-1]).isoformat()
    page = office.page("admin")
    page.goto("/#/agent/agent05")
    page.wait_for_selector("#leave-form")
    page.locator("#l-from").fill(period)
    page.locator("#l-to").fill(last)
    page.locator("#l-reason").fill("शादी")
    page.locator(".btn-leave").click()
    expect(page.locator("table.staff-leaves tbody tr")).to_have_count(1)
    cell = page.locator(f"td[data-day='{period}']")
    expect(cell).to_have_class(re.compile(r"\bcal-leave\b"))  # the calendar opened on the leave's month
    expect(cell).to_contain_text("छुट्टी पर")
    if last[:7] == period[:7]:
        expect(page.locator(f"td[data-day='{last}']")).to_contain_text("छुट्टी पर")
    expect(page.locator(f"td[data-day='{rules.period_id(rules.parse_period(period, 1) - timedelta(days=1))}']")
           ).not_to_have_class(re.compile(r"\bcal-leave\b"))
    leaves = office.admin.call("GET", "/agents/agent05/leaves")["items"]
    assert [(lv["from"], lv["to"], lv["reason"]) for lv in leaves] == [(period, last, "शादी")]
    office.check(page, "staff-agent-leave-hi-1280")

    page.goto(f"/#/rosters/{period}")
    page.locator(".btn-generate").click()  # revise the next period: agent05 is away for all of it
    expect(page.locator(".staff-status")).to_contain_text("रोस्टर बन रहा है")
    changes = page.locator("table.staff-changes")
    expect(changes).to_be_visible(timeout=120_000)  # the revision tells everyone whose place changed
    expect(page.locator(".staff-status .notice-ok")).to_contain_text("संशोधन 2")
    before = office.admin.call("GET", f"/rosters/{period}?rev=1&limit=100")
    after = office.admin.call("GET", f"/rosters/{period}?limit=100")
    assert after["revision"] == 2
    moved = {x["username"] for x in after["items"]} | {x["username"] for x in before["items"]}
    key = lambda line: (line["status"], line["shift"], line["seat"], (line["partner"] or {}).get("username"),  # noqa: E731
                        line["reason"], line["role"])
    b, a = {x["username"]: key(x) for x in before["items"]}, {x["username"]: key(x) for x in after["items"]}
    expected = sorted(u for u in moved if b.get(u) != a.get(u))
    assert "agent05" in expected
    expect(changes.locator("tbody tr")).to_have_count(len(expected))
    row = changes.locator("tbody tr").filter(has=page.locator("a[href='#/agent/agent05']"))
    expect(row.locator("td").nth(1)).to_contain_text("सीट")  # before: a seat
    expect(row.locator("td").nth(2)).to_have_text("छुट्टी पर")  # now: on leave
    office.both(page, "staff-roster-revised", "table.staff-changes", phone=False)
    page.locator("table.staff-revisions a", has_text="संशोधन 1").click()  # the earlier revision, read as it was
    expect(page.locator(".notice-warn").first).to_contain_text("संशोधन 1")
    expect(page.locator("table.staff-changes")).to_have_count(0)
    page.context.close()

    # a supervisor puts an agent on duty outside the roster, with a reason
    sup = office.page("supervisor")
    sup.goto("/#/agent/agent09")
    sup.wait_for_selector("#override-form")
    sup.locator("#o-reason").fill("बीमार साथी की जगह")
    tomorrow = (w.ist_today() + timedelta(days=1)).date().isoformat()
    sup.locator("#o-date").fill(tomorrow)
    sup.locator("#o-time").fill("10:00")
    sup.locator(".btn-override").click()
    expect(sup.locator("#duty-h ~ .notice-ok")).to_contain_text("बीमार साथी की जगह")
    expect(sup.locator(".override-reason")).to_have_text("बीमार साथी की जगह")  # read back: why, who, when
    expect(sup.locator("#duty-h ~ .staff-facts")).to_contain_text("supervisor")
    duty = office.admin.call("GET", "/agents/agent09/duty")
    until = datetime.combine(date.fromisoformat(tomorrow), time(10, 0), IST)
    assert duty["on_duty"] and duty["reason"] == "override" and parse_iso(duty["override_until"]) == until
    assert duty["override"]["reason"] == "बीमार साथी की जगह" and duty["override"]["set_by"] == "supervisor"
    [row] = [a for a in office.admin.call("GET", "/agents?q=agent09")["items"] if a["username"] == "agent09"]
    assert row["override"]["reason"] == "बीमार साथी की जगह"
    office.check(sup, "staff-agent-override-hi-1280")
    sup.locator(".btn-lift").click()
    expect(sup.locator(".btn-lift")).to_have_count(0)
    assert office.admin.call("GET", "/agents/agent09/duty")["override_until"] is None
    sup.context.close()


def test_a_refused_settings_edit_shows_the_error_beside_its_field(office: Office) -> None:
    page = office.page("admin")
    page.goto("/#/settings")
    page.wait_for_selector("#digests-form")
    office.both(page, "staff-settings", "#digests-form")

    page.locator("#h-shifts-morning-end").fill("25:00")
    page.locator(".btn-save-shifts").click()
    shifts = page.locator("#shifts-form")
    expect(shifts.locator(".error-summary a[href='#h-shifts-morning-end']")).to_be_visible()
    expect(page.locator("#w-h-shifts-morning-end .error-message")).to_be_visible()
    expect(page.locator("#h-shifts-morning-end")).to_have_value("25:00")
    expect(page.locator("#h-shifts-morning-end")).to_have_attribute("aria-invalid", "true")
    assert office.admin.call("GET", "/settings/shifts")["shifts"]["morning"]["end"] == "14:30"

    # a nested field (rooms[2].seats) is shown beside the third room's seats
    page.locator("#s-rooms-2-seats").fill("S25 S26 S@7")
    page.locator(".btn-save-seats").click()
    expect(page.locator("#w-s-rooms-2-seats .error-message")).to_be_visible()
    expect(page.locator("#s-rooms-2-seats")).to_have_value("S25 S26 S@7")
    expect(page.locator("#w-s-rooms-0-seats .error-message")).to_have_count(0)
    assert office.admin.call("GET", "/settings/seats")["seat_count"] == 35

    page.locator("#d-audiences-state-recipients").fill("bhopal@example.org\nnot-an-address")
    page.locator(".btn-save-digests").click()
    expect(page.locator("#w-d-audiences-state-recipients .error-message")).to_be_visible()
    page.locator("#d-audiences-state-recipients").fill("bhopal@example.org")
    page.locator(".btn-save-digests").click()
    expect(page.locator("#digests-form .notice-ok")).to_be_visible()
    stored = office.admin.call("GET", "/settings/digests")
    assert stored["audiences"]["state"]["recipients"] == ["bhopal@example.org"] and stored["version"] >= 1
    page.set_viewport_size(PHONE)
    office.check(page, "staff-settings-refused-hi-360")
    page.context.close()


def test_employers_an_agents_employer_the_filter_and_the_calling_settings(office: Office) -> None:
    page = office.page("admin")
    page.goto("/#/settings")
    form = page.locator("#employers-form")
    expect(form.locator(".staff-builtin")).to_contain_text("पार्टी के अपने कर्मचारी")  # built in: no inputs
    expect(form.locator("fieldset[data-employer]")).to_have_count(1)  # the demo's firm
    expect(page.locator("#m-employers-0-id")).to_have_value("jan-sampark")
    page.locator(".btn-add-employer").click()
    expect(page.locator("#m-employers-1-id")).to_be_focused()
    page.locator("#m-employers-1-id").fill("call-mitra")
    page.locator("#m-employers-1-name_hi").fill("कॉल मित्र")
    page.locator(".btn-save-employers").click()  # the English name is missing: refused beside it
    expect(form.locator(".error-summary a[href='#m-employers-1-name_en']")).to_be_visible()
    expect(page.locator("#w-m-employers-1-name_en .error-message")).to_be_visible()
    expect(page.locator("#m-employers-1-name_hi")).to_have_value("कॉल मित्र")
    page.locator("#m-employers-1-name_en").fill("Call Mitra")
    page.locator(".btn-save-employers").click()
    expect(form.locator(".notice-ok")).to_be_visible()
    stored = office.admin.call("GET", "/settings/employers")
    assert [e["id"] for e in stored["employers"]] == ["party", "jan-sampark", "call-mitra"]

    # the firm still has the demo's agents: removing it is refused and it comes back with the reason
    form.locator("fieldset[data-employer='jan-sampark'] .btn-remove-employer").click()
    expect(form.locator("fieldset[data-employer='jan-sampark']")).to_have_count(0)
    page.locator(".btn-save-employers").click()
    expect(form.locator("fieldset[data-employer='jan-sampark'] .error-message")).to_contain_text("जन संपर्क")
    expect(form.locator(".error-summary")).to_be_visible()
    assert "jan-sampark" in [e["id"] for e in office.admin.call("GET", "/settings/employers")["employers"]]

    # the daily call cap: 0 is refused beside the field, 3 is kept
    page.locator("#k-daily_call_cap").fill("0")
    page.locator(".btn-save-calling").click()
    calling = page.locator("#calling-form")
    expect(calling.locator(".error-summary a[href='#k-daily_call_cap']")).to_be_visible()
    expect(page.locator("#w-k-daily_call_cap .error-message")).to_contain_text("1 से 20")
    assert office.admin.call("GET", "/settings/calling")["daily_call_cap"] == 2
    page.locator("#k-daily_call_cap").fill("3")
    page.locator(".btn-save-calling").click()
    expect(calling.locator(".notice-ok")).to_be_visible()
    assert office.admin.call("GET", "/settings/calling")["daily_call_cap"] == 3
    office.both(page, "staff-settings-employers-calling", "#calling-form")

    # an agent of the firm moves to the new employer; the list filters by employer
    page.goto("/#/agent/agent12")
    page.wait_for_selector(".btn-edit")
    expect(page.locator("#about-h ~ .staff-facts")).to_contain_text("जन संपर्क सर्विसेज़")
    page.locator(".btn-edit").click()
    expect(page.locator("#e-employer")).to_have_value("jan-sampark")
    page.locator("#e-employer").select_option("call-mitra")
    page.locator(".btn-save").click()
    expect(page.locator("#about-h ~ .staff-facts")).to_contain_text("कॉल मित्र")
    assert office.admin.call("GET", "/agents/agent12")["employer"] == "call-mitra"
    office.check(page, "staff-agent-employer-hi-1280")

    page.goto("/#/agents")
    rows = page.locator("table.staff-agents tbody tr")
    expect(rows).to_have_count(len(office.admin.call("GET", "/agents?limit=100")["items"]))  # the demo's 74 and more
    page.locator("#a-employer").select_option("call-mitra")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("agent12")
    expect(rows.first.locator(".staff-employer")).to_have_text("कॉल मित्र")
    page.locator("#a-employer").select_option("party")  # the party's own staff: two of the demo's supervisors
    party = [a["username"] for a in office.admin.call("GET", "/agents?employer=party&limit=100")["items"]]
    assert {"supervisor", "supervisor3"} <= set(party) and not {"supervisor2", "agent01"} & set(party)
    expect(rows).to_have_count(len(party))
    expect(rows.filter(has_text="supervisor3")).to_have_count(1)
    office.both(page, "staff-agents-by-employer", "table.staff-agents")

    # a new agent is created with an employer chosen in the form
    page.goto("/#/agents/new")
    page.wait_for_selector("#agent-form")
    expect(page.locator("#c-employer")).to_have_value("party")
    page.locator("#c-username").fill("mitra01")
    page.locator("#c-name_en").fill("Mitra Agent")
    page.locator("#c-email").fill("mitra01@example.org")
    page.locator("#c-employer").select_option("call-mitra")
    page.locator(".btn-create").click()
    expect(page.locator("#temporary-password")).to_be_visible()
    assert office.admin.call("GET", "/agents/mitra01")["employer"] == "call-mitra"
    page.context.close()
