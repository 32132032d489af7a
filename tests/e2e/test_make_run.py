"""`make run` as a new user meets it: the whole demo district, real logins, the contacts API,
clean errors, Ctrl-C stops everything, and a second run works the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.demo_data import generate_district
from devtools.local_stack import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "e2e-demo-pass-1"


class Runner:
    def __init__(self) -> None:
        self.api_port, self.moto_port = free_port(), free_port()
        env = {**os.environ, "SAMPARK_API_PORT": str(self.api_port), "SAMPARK_MOTO_PORT": str(self.moto_port),
               "SAMPARK_DEMO_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
        self.log = open(ROOT / "test-output" / f"make-run-{self.api_port}.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "devtools.local_stack"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.api_port}"

    def wait_ready(self, seconds: float = 180) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            if "Sampark is running" in self.output():
                return self.output()
            time.sleep(0.5)
        raise AssertionError(f"not ready in {seconds} s:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (ROOT / "test-output" / f"make-run-{self.api_port}.log").read_text(errors="replace")

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def port_is_free(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
    except requests.ConnectionError:
        return True
    return False


@pytest.fixture
def runner() -> Iterator[Runner]:
    r = Runner()
    try:
        yield r
    finally:
        r.kill()


def login(url: str, username: str) -> dict[str, str]:
    r = requests.post(f"{url}/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, (username, r.text)
    return {"Authorization": f"Bearer {r.json()['id_token']}"}


def test_make_run_serves_the_demo_district_and_a_second_run_starts_clean(runner: Runner) -> None:
    """One `make run` used as a new user would, stopped with Ctrl-C, then a second one: a fresh server
    seeded again, without what the first run wrote (one test, so the district is seeded twice, not three
    times)."""
    banner = runner.wait_ready()
    assert runner.url in banner and "agent01" in banner and "central" in banner
    assert PASSWORD not in banner  # a password from the environment is not echoed
    url = runner.url
    for user, role in [("admin", "admin"), ("supervisor", "supervisor"), ("agent01", "agent"),
                       ("agent70", "agent"), ("state", "state_leader"), ("central", "central_leader")]:
        me = requests.get(f"{url}/me", headers=login(url, user), timeout=10).json()
        assert me["roles"] == [role], (user, me)

    admin = login(url, "admin")
    body: dict[str, Any] = {"unit_id": "chw-a1-m01-k1-b1", "role": "panna_pramukh", "name_hi": "नया कार्यकर्ता",
                            "name_en": "New Worker", "phone": "098765 43210",
                            "consent": {"source": "self", "purpose": "party outreach"}}
    created = requests.post(f"{url}/contacts", json=body, headers=admin, timeout=10)
    if created.status_code == 409:  # the demo happens to hold this number: use another
        body["phone"] = "098765 01234"
        created = requests.post(f"{url}/contacts", json=body, headers=admin, timeout=10)
    assert created.status_code == 201, created.text
    cid = created.json()["contact_id"]
    back = requests.get(f"{url}/contacts/{cid}?reveal=true", headers=admin, timeout=10).json()
    assert back["phone"] in ("+919876543210", "+919876501234") and back["name_hi"] == "नया कार्यकर्ता"

    district = generate_district(7)
    mandal = "chw-a1-m01"
    in_mandal = {u.unit_id for u in district.units if u.unit_id == mandal or u.unit_id.startswith(mandal + "-")}
    expected = sum(1 for c in district.contacts if c.unit_id in in_mandal) + 1
    seen: set[str] = set()
    cursor, pages = None, 0
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{url}/units/{mandal}/contacts", params=params, headers=admin, timeout=10)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert all("phone" not in i and i["phone_masked"].startswith("+91XXXXXX") for i in items)
        seen |= {i["contact_id"] for i in items}
        pages += 1
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == expected and pages >= 2

    bad = [
        requests.post(f"{url}/contacts", data=b"{oops", headers={**admin, "Content-Type": "application/json"},
                      timeout=10),
        requests.post(f"{url}/contacts", json={**body, "phone": "12345"}, headers=admin, timeout=10),
        requests.post(f"{url}/contacts", json={**body, "unit_id": "nowhere"}, headers=admin, timeout=10),
        requests.post(f"{url}/contacts", json={**body, "extra": 1}, headers=admin, timeout=10),
        requests.get(f"{url}/units/{mandal}/contacts", params={"limit": "500"}, headers=admin, timeout=10),
        requests.post(f"{url}/contacts", json=body, headers=login(url, "agent01"), timeout=10),
    ]
    assert [r.status_code for r in bad] == [400, 400, 404, 400, 400, 403]
    assert all(set(r.json()["error"]) >= {"code", "message", "field"} for r in bad)

    assert runner.interrupt() == 0
    assert "stopping" in runner.output()
    assert port_is_free(runner.api_port) and port_is_free(runner.moto_port)

    second = Runner()
    try:
        banner = second.wait_ready()
        assert "20487 contacts" in banner  # a fresh server, seeded again: nothing doubled
        admin = login(second.url, "admin")
        me = requests.get(f"{second.url}/me", headers=admin, timeout=10)
        assert me.status_code == 200
        gone = requests.get(f"{second.url}/contacts/{cid}", headers=admin, timeout=10)
        assert gone.status_code == 404, gone.text  # the first run's contact went with its server
        assert second.interrupt() == 0
        assert port_is_free(second.api_port) and port_is_free(second.moto_port)
    finally:
        second.kill()
