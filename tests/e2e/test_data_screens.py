"""The district's lists in a real browser (Debian's Chromium, Playwright) against the local stack: an
admin imports a messy CSV (Hindi headers, bad phones, a repeated row, an unknown role, Devanagari
digits, a formula-looking name) by uploading it from the page straight to the presigned URL, follows
it, sees the figures and the per-line report and downloads the report; the good rows are contacts in
moto afterwards. An .xlsx (by name or by its bytes) and an ANSI file are refused in the page before
any upload, with the reason and the fix; a file with no usable header is refused whole by the API and
the page says so. An export of a booth is made and downloaded: phones masked, a formula shown as
text; with full phones the numbers are there and the admin's audit trail records it. axe-core finds
no violation (any impact) on each screen in Hindi and English; screenshots at 360 and 1280 px go to
test-output/screenshots/.

The upload goes to another origin (the bucket; under the local stack, moto's server): the page's CSP
names that origin in connect-src, and the pages run under that CSP (a refusal fails the module).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from devtools.local_stack import LocalStack, free_port
from tests.e2e import web_helpers as w

pytestmark = pytest.mark.e2e
SIZE = {"booths_per_kendra": 1, "contacts_per_booth": 1}
BOOTH = "chw-a1-m01-k1-b1"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 640}
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
STATIC = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "static"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@dataclass
class Office:
    stack: LocalStack
    admin: w.Client
    playwright: Playwright
    browser: Browser
    axe_source: str
    problems: list[str] = field(default_factory=list)

    def page(self, viewport: ViewportSize = DESKTOP) -> Page:
        context = self.browser.new_context(base_url=self.stack.api_url, viewport=viewport, accept_downloads=True)
        page: Page = w.watch_problems(context.new_page(), self.problems)
        w.sign_in(page, "admin", self.stack.password)
        return page

    def check(self, page: Page, screen: str) -> None:
        """axe-core (no violation of any impact) and screenshots at 1280 and 360 px."""
        page.evaluate("window.scrollTo(0, 0)")
        w.shot(page, f"{screen}-1280")
        w.axe(page, screen, self.axe_source)
        found = json.loads((w.AXE_DIR / f"{screen}.json").read_text(encoding="utf-8"))["violations"]
        assert not found, f"{screen}: {json.dumps(found, ensure_ascii=False, indent=1)}"
        page.set_viewport_size(PHONE)
        w.shot(page, f"{screen}-360")
        # the screen's own content fits (the shared header's links are app.js's)
        width = page.evaluate("Math.ceil(Math.max(...[...document.querySelectorAll('.screen, .screen *')]"
                              ".map((el) => el.getBoundingClientRect().right)))")
        if width > PHONE["width"] + 1:  # name the widest element, to say what to fix
            widest = page.evaluate("[...document.querySelectorAll('.screen *')].map((el) => [el.getBoundingClientRect()"
                                   ".right, el.tagName, el.className, (el.textContent || '').slice(0, 60)])"
                                   ".sort((a, b) => b[0] - a[0]).slice(0, 3)")
            raise AssertionError(f"{screen}: the screen reaches {width} px at 360 px: {widest}")
        page.set_viewport_size(DESKTOP)


def connect_src(csp: str) -> list[str]:
    for part in csp.split(";"):
        words = part.split()
        if words and words[0] == "connect-src":
            return words[1:]
    return []


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    chromium = w.ensure_chromium()
    axe_source = w.ensure_axe()
    with w.environment_restored(), \
            LocalStack(api_port=free_port(), moto_port=free_port(), district_size=SIZE, quiet=True) as stack:
        admin = w.Client(stack.api_url, "admin", stack.password)
        csp = requests.get(f"{stack.api_url}/", timeout=30).headers["Content-Security-Policy"]
        assert connect_src(csp) == ["'self'", stack.endpoint], csp  # the bucket, and nothing else
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


def fresh_phones(n: int) -> list[str]:
    """National numbers (10 digits) nobody in the demo district holds."""
    rng = random.Random()
    return [f"9{rng.randrange(10**8, 10**9)}" for _ in range(n)]


def figures(page: Page) -> dict[str, int]:
    cells = page.locator("#import-figures .data-figure")
    return {cells.nth(i).get_attribute("data-key") or "": int(cells.nth(i).get_attribute("data-value") or -1)
            for i in range(cells.count())}


def search(office: Office, phone: str) -> list[dict[str, Any]]:
    return list(office.admin.call("GET", f"/contacts/search?q=%2B91{phone}")["items"])


def test_an_admin_imports_a_messy_csv_from_the_browser_and_sees_each_rejected_line(office: Office) -> None:
    good, devanagari, formula, unknown_role = fresh_phones(4)
    rows = [
        ["नाम", "मोबाइल नंबर", "पद", "बूथ कोड", "टिप्पणी"],                       # line 1: Hindi headers
        ["रमेश कुमार", f"0{good[:5]} {good[5:]}", "बूथ अध्यक्ष", BOOTH, ""],        # 2 created
        ["सीता देवी", devanagari.translate(DEVANAGARI), "पन्ना प्रमुख", BOOTH, ""],  # 3 created (Devanagari digits)
        [FORMULA, f"+91-{formula[:5]}-{formula[5:]}", "panna_pramukh", BOOTH, ""],  # 4 created, name kept as text
        ["मोहन", "12345", "booth_president", BOOTH, ""],                            # 5 rejected: bad phone
        ["रमेश कुमार", f"0{good[:5]} {good[5:]}", "बूथ अध्यक्ष", BOOTH, ""],        # 6 rejected: repeats line 2
        ["गीता", unknown_role, "chief minister", BOOTH, ""],                       # 7 rejected: unknown role
        ["श्याम", "9.87654E+09", "booth_president", BOOTH, ""],                     # 8 rejected: spreadsheet number
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    page = office.page()
    page.goto("/#/imports")
    page.wait_for_selector(".screen-imports #f-file")
    office.check(page, "imports-form-hi")
    page.locator("#f-file").set_input_files(
        {"name": "कार्यकर्ता.csv", "mimeType": "text/csv", "buffer": "\ufeff".encode() + text.getvalue().encode()})
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if r.method == "PUT" else None)
    page.evaluate("""() => { window.seenProgress = [];  // what the upload's progress bar showed
        new MutationObserver((changes) => { for (const c of changes) { const el = c.target;
            if (el.tagName === 'PROGRESS' && el.closest('.data-upload')) window.seenProgress.push([el.value, el.max]); }
        }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] }); }""")
    page.locator("#f-submit").click()
    expect(page.locator("#import-status.data-status-done")).to_be_visible(timeout=60_000)
    assert uploads and uploads[0].startswith(f"{office.stack.endpoint}/"), uploads  # straight to the bucket
    size = len(text.getvalue().encode()) + 3
    assert [size, size] in page.evaluate("window.seenProgress"), page.evaluate("window.seenProgress")
    assert figures(page) == {"rows_done": 7, "rows_total": 7, "created": 3, "updated": 0, "unchanged": 0,
                             "rejected": 4}
    expect(page.locator("#import-figures")).to_contain_text("नए जुड़े")
    expect(page.locator(".data-report-table tbody tr")).to_have_count(4)
    lines = page.locator(".data-report-table tbody tr td:first-child").all_inner_texts()
    assert lines == ["५", "६", "७", "८"] or lines == ["5", "6", "7", "8"], lines
    report = page.locator(".data-report-table tbody").inner_text()
    assert "repeats line 2" in report and "chief minister" in report and "12345" in report, report
    assert "टिप्पणी" in page.locator(".data-job").inner_text()  # the ignored column is named
    office.check(page, "import-done-hi")

    with page.expect_download() as done:
        page.locator("#report-download").click()
    body = open(done.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - the file is Playwright's
    report_rows = list(csv.reader(io.StringIO(body)))
    assert report_rows[0] == ["line", "column", "value", "reason"]
    assert [r[0] for r in report_rows[1:]] == ["5", "6", "7", "8"]

    # the good rows are contacts now, as typed (the formula a plain name), the bad ones are not
    (ramesh,) = search(office, good)
    assert (ramesh["name_hi"], ramesh["role"], ramesh["unit_id"]) == ("रमेश कुमार", "booth_president", BOOTH)
    (sita,) = search(office, devanagari)
    assert (sita["name_hi"], sita["role"]) == ("सीता देवी", "panna_pramukh")
    (named,) = search(office, formula)
    assert named["name_en"] == FORMULA
    assert search(office, unknown_role) == []

    switch_language(page)
    expect(page.locator("#import-figures")).to_contain_text("Created")
    expect(page.locator(".data-report-table tbody tr")).to_have_count(4)
    office.check(page, "import-done-en")
    page.context.close()


def test_a_workbook_or_an_ansi_file_is_refused_before_upload_and_a_bad_header_by_the_api(office: Office) -> None:
    page = office.page()
    page.goto("/#/imports")
    page.wait_for_selector(".screen-imports #f-file")
    switch_language(page)
    expect(page.locator("#f-submit")).to_have_text("Upload and import")
    office.check(page, "imports-form-en")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url}") if r.method in ("POST", "PUT") else None)

    workbook = b"PK\x03\x04" + bytes(200)
    for name in ("workers.xlsx", "workers.csv"):  # by its name, and by its bytes under a .csv name
        page.locator("#f-file").set_input_files({"name": name, "mimeType": "application/octet-stream",
                                                 "buffer": workbook})
        page.locator("#f-submit").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.locator("a[href='#f-file']")).to_contain_text("This is an Excel workbook, not a CSV")
        expect(page.locator("#w-f-file .error-message")).to_contain_text("CSV UTF-8")
        expect(page.locator("#f-file")).to_have_attribute("aria-invalid", "true")
    office.check(page, "imports-refused-en")

    ansi = "name,phone,role,unit_id\r\nRam,9876543210,booth_president,x\r\nJos\xe9,9876543211,booth_president,x\r\n"
    page.locator("#f-file").set_input_files({"name": "ansi.csv", "mimeType": "text/csv",
                                             "buffer": ansi.encode("cp1252")})
    page.locator("#f-submit").click()
    expect(page.locator("#w-f-file .error-message")).to_contain_text("Line 3 is not UTF-8: the file was saved as ANSI")
    assert sent == [], sent  # nothing left the browser for any of them

    page.locator("#f-file").set_input_files({"name": "notes.csv", "mimeType": "text/csv",
                                             "buffer": b"remarks,date\r\nhello,today\r\n"})
    page.locator("#f-submit").click()
    expect(page.locator("#import-status.data-status-failed")).to_be_visible(timeout=60_000)
    refused = page.locator(".data-refused")
    expect(refused).to_contain_text("The whole file was refused; nothing was imported")
    expect(refused).to_contain_text("The header row lacks required columns")
    expect(refused.locator(".data-detail")).to_contain_text("phone")  # the API's own words name the columns
    switch_language(page)
    expect(refused).to_contain_text("पूरी फ़ाइल अस्वीकार हुई")
    office.check(page, "import-refused-hi")

    # Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated, English headers
    (phone,) = fresh_phones(1)
    unicode_text = f"Name\tMobile No\tDesignation\tBooth Code\r\nअनीता\t{phone}\tBooth President\t{BOOTH}\r\n"
    page.goto("/#/imports")
    page.wait_for_selector(".screen-imports #f-file")
    page.locator("#f-file").set_input_files({"name": "workers.txt", "mimeType": "text/plain",
                                             "buffer": unicode_text.encode("utf-16")})
    page.locator("#f-submit").click()
    expect(page.locator("#import-status.data-status-done")).to_be_visible(timeout=60_000)
    assert figures(page)["created"] == 1
    expect(page.locator(".data-job")).to_contain_text("कोई पंक्ति अस्वीकार नहीं हुई")
    assert [c["name_hi"] for c in search(office, phone)] == ["अनीता"]
    page.context.close()


def download(page: Page) -> str:
    with page.expect_download() as done:
        page.locator("#export-download").click()
    raw = open(done.value.path(), "rb").read()  # noqa: SIM115 - the file is Playwright's
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel shows the Devanagari
    return raw.decode("utf-8-sig")


def export_booth(page: Page, office: Office, *, full_phones: bool, xlsx: bool = False) -> list[dict[str, str]]:
    page.goto("/#/exports")
    page.wait_for_selector(".screen-exports #f-kind")
    path = office.admin.call("GET", f"/units/{BOOTH}")["path"]
    path += [] if path[-1] == BOOTH else [BOOTH]
    depth = 0
    for uid in path:
        select = page.locator(f"#f-unit-{depth}")
        select.wait_for()
        if select.locator(f"option[value='{uid}']").count() == 0:
            continue  # the state: its districts are the first list
        select.select_option(uid)
        depth += 1
    expect(page.locator(f"#f-unit-{depth - 1}")).to_have_value(BOOTH)
    if full_phones:
        page.locator("#f-full_phones").check()
    if xlsx:
        page.locator("#f-format-xlsx").check()
    page.locator("#f-submit").click()
    expect(page.locator("#export-download")).to_be_visible(timeout=60_000)
    if xlsx:
        with page.expect_download() as done:
            page.locator("#export-download").click()
        assert done.value.suggested_filename.endswith(".xlsx")
        assert open(done.value.path(), "rb").read(2) == b"PK"  # noqa: SIM115 - a workbook is a zip
        return []
    return list(csv.DictReader(io.StringIO(download(page))))


def test_an_admin_exports_a_booth_masked_then_with_full_phones_audited(office: Office) -> None:
    phone = fresh_phones(1)[0]
    office.admin.call("POST", "/contacts", {
        "unit_id": BOOTH, "role": "panna_pramukh", "name_en": FORMULA, "name_hi": "परीक्षण", "phone": f"+91{phone}",
        "language": "hi", "consent": {"source": "party_register", "purpose": "test"}}, expect=(201, 200))
    page = office.page()
    page.goto("/#/exports")
    page.wait_for_selector(".screen-exports #f-unit-0")
    page.locator("#f-submit").click()  # nothing chosen: the summary says what is missing
    expect(page.locator(".error-summary a[href='#f-unit-0']")).to_have_text("इकाई चुनें")
    office.check(page, "exports-form-hi")

    rows = export_booth(page, office, full_phones=False)
    expect(page.locator("#export-status")).to_have_text("पूरा हुआ")
    office.check(page, "export-done-hi")
    mine = [r for r in rows if r["name_hi"] == "परीक्षण"]
    assert len(mine) == 1 and all(r["unit_id"] == BOOTH for r in rows)
    assert mine[0]["phone"] == f"'+91XXXXXX{phone[-4:]}"  # a leading + is escaped like a formula
    assert mine[0]["name_en"] == "'" + FORMULA  # shown as text in a spreadsheet, never run
    assert not any(re.search(r"\+91\d{10}", r["phone"]) for r in rows)

    switch_language(page)
    expect(page.locator("#export-status")).to_have_text("Done")
    office.check(page, "export-done-en")
    rows = export_booth(page, office, full_phones=True)
    assert [r["phone"] for r in rows if r["name_hi"] == "परीक्षण"] == [f"'+91{phone}"]
    expect(page.locator(".data-file")).to_contain_text("full phone numbers (audited)")
    trail = office.admin.call("GET", "/audit?actor=admin")["items"]
    assert any(e["action"] == "phones_exported" for e in trail), trail
    # an Excel workbook, headed in the language the page is read in (English here)
    export_booth(page, office, full_phones=False, xlsx=True)
    export_id = page.url.rsplit("/", 1)[-1]
    job = office.admin.call("GET", f"/exports/{export_id}")
    assert (job["format"], job["language"]) == ("xlsx", "en"), job
    page.goto("/#/exports")
    page.wait_for_selector(".screen-exports #f-kind")
    office.check(page, "exports-form-en")
    page.context.close()


def test_earlier_imports_and_exports_are_listed_newest_first_with_their_links(office: Office) -> None:
    """Under each form, the earlier jobs: who, when, status and counts, the job's page, and the file's
    link while there is one (an export's CSV downloads from it)."""
    session, url = office.admin.session, office.stack.api_url
    key = f"history-{random.randrange(10**9)}"
    r = session.post(f"{url}/imports", json={"kind": "units", "filename": "history-check.csv", "size": 100},
                     headers={"Idempotency-Key": key}, timeout=30)
    assert r.status_code == 201, r.text
    import_id = r.json()["import_id"]
    r = session.post(f"{url}/exports", json={"kind": "contacts", "unit_id": BOOTH}, headers={"Idempotency-Key": key},
                     timeout=30)
    assert r.status_code == 202, r.text
    export_id = r.json()["export_id"]
    for _ in range(150):
        if office.admin.call("GET", f"/exports/{export_id}")["status"] == "done":
            break
        time.sleep(0.2)
    hi = json.loads((STATIC / "hi.data.json").read_text(encoding="utf-8"))

    page = office.page()
    page.goto("/#/imports")
    imports = page.locator("section[aria-labelledby=imports-history-h]")
    expect(imports.locator("h2")).to_have_text(hi["data.history_imports"])
    newest = imports.locator("tbody tr").first
    expect(newest.locator(f"a[href='#/imports/{import_id}']")).to_have_text("history-check.csv")
    expect(newest).to_contain_text(hi["data.status_awaiting_upload"])
    expect(newest).to_contain_text("admin")
    office.check(page, "data-imports-history-hi")

    page.goto("/#/exports")
    exports = page.locator("section[aria-labelledby=exports-history-h]")
    newest = exports.locator("tbody tr").first
    expect(newest.locator(f"a[href='#/exports/{export_id}']")).to_be_visible()
    expect(newest).to_contain_text(hi["data.status_done"])
    expect(newest).to_contain_text(BOOTH)
    href = newest.locator("a.data-history-download").get_attribute("href")
    assert href
    body = requests.get(href, timeout=30).content
    assert body.startswith(b"\xef\xbb\xbf") and b"contact_id" in body
    office.check(page, "data-exports-history-hi")

    switch_language(page)
    expect(exports.locator("h2")).to_have_text("Earlier exports")
    expect(exports.locator("tbody tr").first).to_contain_text("Done")
    office.check(page, "data-exports-history-en")
    page.goto("/#/imports")
    expect(imports.locator("h2")).to_have_text("Earlier imports")
    expect(imports.locator("tbody tr").first).to_contain_text("Waiting for the file")
    office.check(page, "data-imports-history-en")
    page.context.close()
