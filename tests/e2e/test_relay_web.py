"""The relay facts through the web client and the local stack: an agent on a programme relay answers
"received" and "passed on" on a connected call; the server counts them and the relay tree shows them.
Also: the axe check of the call screen with the relay questions open."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from devtools.local_stack import LocalStack, free_port
from tests.e2e import web_helpers as w

pytestmark = pytest.mark.e2e
BOOTH, KENDRA = "chw-a1-m01-k1-b1", "chw-a1-m01-k1"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with w.environment_restored(), LocalStack(api_port=free_port(), moto_port=free_port(), quiet=True,
                                              district_size={"booths_per_kendra": 1, "contacts_per_booth": 1}) as s:
        yield s


def test_an_agent_records_received_and_passed_on(stack: LocalStack) -> None:
    chromium, axe_source = w.ensure_chromium(), w.ensure_axe()
    admin = w.Client(stack.api_url, "admin", stack.password)
    body = w.campaign_body("Booth relay", KENDRA, questions=[],
                           programme={"deadline": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                                      "levels": ["shakti_kendra", "booth"]})
    cid = w.create_active(admin, body)
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    admin.call("POST", "/agents/agent01/duty-override", {"until": until, "reason": "relay browser test"})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=w.CHROMIUM_ARGS)
        try:
            page = browser.new_context(**{**playwright.devices[w.DEVICE], "base_url": stack.api_url}).new_page()
            w.sign_in(page, "agent01", stack.password)
            page.locator("li.item", has_text="Booth relay").get_by_role("link").click()
            page.wait_for_selector(".screen-call .btn-call")
            relay = page.locator("fieldset.relay")
            assert relay.is_hidden()  # asked only on a connected call
            page.locator(".outcome .choice", has=page.locator("input[value=connected]")).locator("label").click()
            relay.locator(".question").nth(0).locator("label").nth(0).click()  # received: yes
            relay.locator(".question").nth(1).locator("label").nth(0).click()  # passed on: yes
            serious = w.axe(page, "relay-call", axe_source)
            assert not serious, serious
            page.locator(".btn-save").click()
            supervisor = w.Client(stack.api_url, "supervisor", stack.password)
            node: dict[str, Any] = {}
            # The outbox sends at once; give it a moment. The tree is one BatchGetItem, which DynamoDB
            # does not isolate from a transaction (nor does moto): the booth's item may show the call
            # a read before the kendra's does, so wait for both.
            for _ in range(50):
                tree = supervisor.call("GET", f"/campaigns/{cid}/relay?unit={KENDRA}")
                node = tree["items"][0]
                if node["received"] and tree["unit"]["state"] == "confirmed_below":
                    break
                time.sleep(0.2)
            assert (node["unit_id"], node["received"], node["passed_on"], node["state"]) == (BOOTH, 1, 1, "passed_on")
            assert tree["unit"]["state"] == "confirmed_below", tree["unit"]
        finally:
            browser.close()
