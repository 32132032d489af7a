"""`make run` as a new user meets it: the whole demo district, rostered so that the shift in progress
is on duty, real logins, the contacts API, clean errors, a banner that is not buried under request
logs, and stopping it stops everything, however it is stopped: Ctrl-C then a second signal while an
import is being pumped (the clean-up is not interruptible), and SIGKILL to the runner alone (the
servers die with it). A second run starts clean."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.demo_data import generate_district
from devtools.local_stack import DEFAULT_DEMO_PASSWORD, free_port
from tests.e2e.test_readme import check_readme_walkthroughs

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "e2e-demo-pass-1"
LOGS = ROOT / "test-output" / "make-run-logs"  # not .local/logs: the tests' runners use ports of their own


class Runner:
    """`python -m devtools.local_stack` (what `make run` runs) in a process group of its own, as a
    terminal runs it, so that the test can signal the group as a terminal or a supervisor would."""

    def __init__(self, password: str | None = PASSWORD) -> None:
        """`password`: SAMPARK_DEMO_PASSWORD for the demo logins; None: the README's default."""
        self.api_port, self.moto_port = free_port(), free_port()
        self.password = password or DEFAULT_DEMO_PASSWORD
        env = {k: v for k, v in os.environ.items() if k != "SAMPARK_DEMO_PASSWORD"}
        env.update({"SAMPARK_API_PORT": str(self.api_port), "SAMPARK_MOTO_PORT": str(self.moto_port),
                    "PYTHONUNBUFFERED": "1", "SAMPARK_LOG_DIR": str(LOGS),
                    **({"SAMPARK_DEMO_PASSWORD": password} if password else {})})
        self.path = ROOT / "test-output" / f"make-run-{self.api_port}.log"
        self.path.parent.mkdir(exist_ok=True)
        self.log = open(self.path, "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "devtools.local_stack"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.api_port}"

    # A hang detector, not a speed bound: under `make test` another worker may run a stack of its own
    # at the same time, and seeding and rostering the whole district then takes a good deal longer.
    def wait_for(self, text: str, seconds: float = 360) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            if text in self.output():
                return self.output()
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not seen in {seconds} s:\n{self.output()}")

    def wait_ready(self, seconds: float = 360) -> str:
        return self.wait_for("Sampark is running", seconds)

    def output(self) -> str:
        self.log.flush()
        return self.path.read_text(errors="replace")

    def signal_group(self, sig: int) -> None:
        """What a terminal's Ctrl-C, or `kill -TERM -<pgid>`, does: every process of the runner's group."""
        os.killpg(self.proc.pid, sig)

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)

    def servers(self) -> list[int]:
        return servers_on(self.api_port, self.moto_port)

    def assert_all_gone(self, seconds: float = 15) -> None:
        """No server of this runner is left, and both ports are free (within `seconds`)."""
        deadline = time.monotonic() + seconds
        while (self.servers() or not port_is_free(self.api_port) or not port_is_free(self.moto_port)) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.servers() == [], (self.servers(), self.output()[-2000:])
        assert port_is_free(self.api_port) and port_is_free(self.moto_port)

    def kill(self) -> None:
        """Whatever happened in the test: the runner and, by their pids, its servers go."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid in self.servers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log.close()


def servers_on(api_port: int, moto_port: int) -> list[int]:
    """Live processes (zombies aside) running the stack's moto or chalice local on these ports,
    whoever their parent is now."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args]
        if state != "Z" and (("devtools.moto_local" in words and str(moto_port) in words)
                             or ("devtools.chalice_local" in words and str(api_port) in words)):
            found.append(int(entry.name))
    return sorted(found)


def port_is_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (a bind succeeds; a socket in TIME_WAIT does not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def runner() -> Iterator[Runner]:
    r = Runner()
    try:
        yield r
    finally:
        r.kill()


def login(url: str, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = requests.post(f"{url}/auth/login", json={"username": username, "password": password}, timeout=30)
    assert r.status_code == 200, (username, r.text)
    return {"Authorization": f"Bearer {r.json()['id_token']}"}


def test_make_run_serves_the_demo_district_and_a_second_run_starts_clean(runner: Runner, tmp_path: Path) -> None:
    """One `make run` used as a new user would, stopped with Ctrl-C and a second signal while an
    import is being pumped, then a second one: a fresh server seeded again, without what the first
    run wrote, where the README's curl walkthroughs run as written (tests/e2e/test_readme.py), killed
    outright (one test, so the district is seeded twice, not three times)."""
    banner = runner.wait_ready()
    assert runner.url in banner and "agent01" in banner and "central" in banner
    assert PASSWORD not in banner  # a password from the environment is not echoed
    url = runner.url
    check_banner(runner, banner)
    for user, role in [("admin", "admin"), ("supervisor", "supervisor"), ("agent01", "agent"),
                       ("agent70", "agent"), ("state", "state_leader"), ("central", "central_leader")]:
        me = requests.get(f"{url}/me", headers=login(url, user), timeout=30).json()
        assert me["roles"] == [role], (user, me)

    admin = login(url, "admin")
    body: dict[str, Any] = {"unit_id": "chw-a1-m01-k1-b1", "role": "panna_pramukh", "name_hi": "नया कार्यकर्ता",
                            "name_en": "New Worker", "phone": "098765 43210",
                            "consent": {"source": "self", "purpose": "party outreach"}}
    created = requests.post(f"{url}/contacts", json=body, headers=admin, timeout=30)
    if created.status_code == 409:  # the demo happens to hold this number: use another
        body["phone"] = "098765 01234"
        created = requests.post(f"{url}/contacts", json=body, headers=admin, timeout=30)
    assert created.status_code == 201, created.text
    cid = created.json()["contact_id"]
    back = requests.get(f"{url}/contacts/{cid}?reveal=true", headers=admin, timeout=30).json()
    assert back["phone"] in ("+919876543210", "+919876501234") and back["name_hi"] == "नया कार्यकर्ता"

    district = generate_district(7)
    mandal = "chw-a1-m01"
    in_mandal = {u.unit_id for u in district.units if u.unit_id == mandal or u.unit_id.startswith(mandal + "-")}
    expected = sum(1 for c in district.contacts if c.unit_id in in_mandal) + 1
    seen: set[str] = set()
    cursor, pages = None, 0
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{url}/units/{mandal}/contacts", params=params, headers=admin, timeout=30)
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
                      timeout=30),
        requests.post(f"{url}/contacts", json={**body, "phone": "12345"}, headers=admin, timeout=30),
        requests.post(f"{url}/contacts", json={**body, "unit_id": "nowhere"}, headers=admin, timeout=30),
        requests.post(f"{url}/contacts", json={**body, "extra": 1}, headers=admin, timeout=30),
        requests.get(f"{url}/units/{mandal}/contacts", params={"limit": "500"}, headers=admin, timeout=30),
        requests.post(f"{url}/contacts", json=body, headers=login(url, "agent01"), timeout=30),
    ]
    assert [r.status_code for r in bad] == [400, 400, 404, 400, 400, 403]
    assert all(set(r.json()["error"]) >= {"code", "message", "field"} for r in bad)

    # Ctrl-C (SIGINT to the whole group, as a terminal sends it) while the pumps run an import, and
    # a SIGTERM to the group while the runner cleans up: everything stops all the same.
    import_id = start_import(url, admin)
    assert runner.servers() and not port_is_free(runner.api_port)
    runner.signal_group(signal.SIGINT)
    time.sleep(0.3)
    runner.signal_group(signal.SIGTERM)
    assert runner.proc.wait(timeout=60) == 0, runner.output()[-2000:]
    assert "stopping" in runner.output() and "Traceback" not in runner.output()
    runner.assert_all_gone()
    assert import_id

    second = Runner(password=None)  # the README's password
    try:
        banner = second.wait_ready()
        assert "20487 contacts" in banner  # a fresh server, seeded again: nothing doubled
        admin = login(second.url, "admin", second.password)
        me = requests.get(f"{second.url}/me", headers=admin, timeout=30)
        assert me.status_code == 200
        gone = requests.get(f"{second.url}/contacts/{cid}", headers=admin, timeout=30)
        assert gone.status_code == 404, gone.text  # the first run's contact went with its server
        check_readme_walkthroughs(second.api_port, tmp_path)  # the README, verbatim, on a fresh `make run`
        # SIGKILL to the runner alone: no clean-up runs, and its servers go all the same
        servers = second.servers()
        assert len(servers) == 2, servers
        second.proc.kill()
        second.proc.wait(timeout=30)
        second.assert_all_gone()
    finally:
        second.kill()


def check_banner(runner: Runner, banner: str) -> None:
    """The banner says who is on duty now (as the next-call gate sees it), how to put an agent on duty,
    and where the logs are; the servers' request lines are in those logs, not on the terminal."""
    url = runner.url
    sup = login(url, "supervisor")
    duty = {u: requests.get(f"{url}/agents/{u}/duty", headers=sup, timeout=30).json()
            for u in ("agent01", "agent35", "agent36", "agent70")}
    listed = set(re.findall(r"\bagent\d\d\b", banner.split("on duty now", 1)[1].split("put an agent", 1)[0]))
    for username, status in duty.items():
        assert status["reason"] != "not_rostered", status  # the seeder rostered the period
        assert (username in listed) == status["on_duty"], (username, status, banner)
    if "no shift is in progress" not in banner:
        assert len(listed) == 35, banner  # the 70 agents split between the two shifts
        assert any(s["on_duty"] and s["reason"] == "on_duty" for s in duty.values()), duty
    rosters = requests.get(f"{url}/rosters/next", headers=sup, timeout=30)
    assert rosters.status_code == 200 and rosters.json()["summary"], rosters.text
    # the banner's curl lines, pasted into a shell as they stand, put that agent on duty
    lines = banner.split("put an agent on duty", 1)[1].split("\n  programmes:", 1)[0].split("\n", 1)[1]
    agent = re.search(r"/agents/(agent\d\d)/duty-override", lines)
    assert agent and 'Authorization: Bearer $SUP' in lines, banner
    assert agent.group(1) not in listed  # an agent who is not on duty now
    pasted = subprocess.run(["bash", "-c", lines], env={**os.environ, "SAMPARK_DEMO_PASSWORD": PASSWORD},
                            capture_output=True, text=True, timeout=60, check=False)
    assert '"active":true' in pasted.stdout.replace(" ", ""), (pasted.stdout, pasted.stderr)
    now = requests.get(f"{url}/agents/{agent.group(1)}/duty", headers=sup, timeout=30).json()
    assert now["on_duty"] and now["reason"] == "override", now
    logs = {name: ROOT / path for name, path in re.findall(r"^ {4}(moto|api|jobs) +(\S+)$", banner, re.M)}
    assert set(logs) == {"moto", "api", "jobs"}, banner
    assert all(p.parent == LOGS for p in logs.values()), logs
    assert "POST / HTTP/1.1" in logs["moto"].read_text(errors="replace")  # the emulator's request lines
    assert "/agents/agent01/duty" in logs["api"].read_text(errors="replace")  # chalice local's
    terminal = runner.output()
    assert "HTTP/1.1" not in terminal and '"level"' not in terminal and len(terminal.splitlines()) < 40, terminal


def start_import(url: str, admin: dict[str, str], rows: int = 3000) -> str:
    """An import of `rows` new contacts, returned once the pumps are working on it."""
    booths = [u.unit_id for u in generate_district(7).units if u.level == "booth"]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [["नाम", "मोबाइल", "भूमिका", "बूथ"]]
        + [[f"Worker {i}", f"6{i:09d}", "panna_pramukh", booths[i % len(booths)]] for i in range(rows)])
    data = buffer.getvalue().encode("utf-8-sig")
    job = requests.post(f"{url}/imports", json={"kind": "contacts", "filename": "stop.csv", "size": len(data)},
                        headers={**admin, "Idempotency-Key": uuid.uuid4().hex}, timeout=30)
    assert job.status_code in (200, 201, 202), job.text
    assert requests.put(job.json()["upload"]["url"], data=data, timeout=30).status_code < 300
    import_id = str(job.json()["import_id"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        view = requests.get(f"{url}/imports/{import_id}", headers=admin, timeout=30).json()
        if view["status"] not in ("awaiting_upload",):
            assert view["status"] != "done", view  # still being pumped when the signal comes
            return import_id
        time.sleep(0.1)
    raise AssertionError(f"the import was not picked up: {view}")
