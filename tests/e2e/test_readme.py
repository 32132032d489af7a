"""The README's curl walkthroughs, run exactly as written against a fresh `make run`, at whatever hour
the suite runs.

The shell blocks of "A first session with curl" and "Running a campaign with curl" are taken from
README.md verbatim and run, in that order, by one bash (as a reader pastes them into one shell).
Nothing in them is substituted: the only addition is a `curl` shell function ahead of them that runs
the real curl and records each request's arguments, status and body, so that every answer the
README's comments promise is checked here. A README step that stops working fails `make test`.

`check_readme_walkthroughs` runs against the second `make run` of tests/e2e/test_make_run.py (a fresh
runner, rostered, with the README's default password): a stack of its own would seed the district a
third time (about 50 s of the e2e worker's time).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("A first session with curl", "Running a campaign with curl")

# Records every request the README's commands make (in $(...) too: a file, not a variable), and
# passes the body through unchanged, as curl -s prints it.
CURL_SHIM = r"""
curl() {
  local out code body
  out=$(command curl -w '\n%{http_code}' "$@")
  code=${out##*$'\n'}
  body=${out%$'\n'*}
  printf '%s %s %s\n' "$code" "$(printf '%s' "$*" | base64 -w0)" "$(printf '%s' "$body" | base64 -w0)" \
    >> "$README_CURL_LOG"
  printf '%s\n' "$body"
}
"""


def readme_blocks(section: str, text: str | None = None) -> list[str]:
    """The ```sh blocks under the README heading `section`, up to the next heading (a `#` line
    inside a code block is a shell comment, not a heading)."""
    text = text if text is not None else (ROOT / "README.md").read_text(encoding="utf-8")
    blocks: list[str] = []
    inside, fence, current = False, None, ""
    for line in text.splitlines(keepends=True):
        if fence is not None:  # in a code block
            if line.startswith("```"):
                if inside and fence == "sh":
                    blocks.append(current)
                fence, current = None, ""
            else:
                current += line
        elif line.startswith("```"):
            fence = line[3:].strip()
        elif re.match(r"#+ ", line):
            if inside:
                break
            inside = line.rstrip("\n") == f"{line.split(' ')[0]} {section}"
    assert blocks, f"README has no section {section!r} with a shell block"
    return blocks


@dataclass
class Request:
    status: int
    args: str
    body: str

    @property
    def method(self) -> str:
        m = re.search(r"(?:^| )-X (\S+)", self.args)
        return m.group(1) if m else "GET"

    @property
    def path(self) -> str:
        url = next(a for a in self.args.split() if a.startswith("http"))
        return re.sub(r"^https?://[^/]+", "", url)

    def json(self) -> Any:
        return json.loads(self.body)


def test_the_readme_block_extractor_finds_the_walkthroughs() -> None:
    first = readme_blocks(SECTIONS[0])
    assert len(first) == 1 and "/auth/login" in first[0] and "<" not in first[0].replace("<<", "")
    sample = "## A\n```sh\necho 1\n```\ntext\n```sh\necho 2\n```\n### B\n```sh\necho 3\n```\n## C\n"
    assert readme_blocks("A", sample) == ["echo 1\n", "echo 2\n"]
    with pytest.raises(AssertionError):
        readme_blocks("C", sample + "## D\n")


def run_walkthroughs(api_port: int, tmp_path: Path) -> tuple[list[Request], subprocess.CompletedProcess[str]]:
    log = tmp_path / "curl.log"
    log.touch()
    script = CURL_SHIM + "\n".join(block for section in SECTIONS for block in readme_blocks(section))
    env = {**os.environ, "SAMPARK_API_PORT": str(api_port), "README_CURL_LOG": str(log)}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    requests = []
    for line in log.read_text().splitlines():
        status, args, body = line.split(" ")
        requests.append(Request(int(status), base64.b64decode(args).decode(), base64.b64decode(body).decode()))
    return requests, done


def check_readme_walkthroughs(api_port: int, tmp_path: Path) -> None:
    """Run both walkthroughs against the stack serving on `api_port` and check every promised answer."""
    reqs, done = run_walkthroughs(api_port, tmp_path)
    trail = [(r.method, r.path.split("?")[0], r.status) for r in reqs]
    queue = list(reqs)

    def take(method: str, path: str, status: int | tuple[int, ...]) -> Any:
        """The next request of the walkthrough, which must be `method path` answered `status`."""
        assert queue, f"the walkthrough stopped before {method} {path}: {trail}"
        r = queue.pop(0)
        assert (r.method, re.sub(r"\?.*", "", r.path)) == (method, path), (method, path, trail)
        wanted = status if isinstance(status, tuple) else (status,)
        assert r.status in wanted, (method, path, r.status, r.body)
        return r.json() if r.body else None

    # ---- A first session with curl
    assert take("POST", "/auth/login", 200)["id_token"]
    units = take("GET", "/units", 200)
    assert any(u["unit_id"] == "chw" for u in units["items"]), units  # the district
    children = take("GET", "/units/chw/children", 200)
    assert len(children["items"]) == 7  # its 7 assemblies
    created = take("POST", "/contacts", 201)  # → 201, phone +919876543210
    contact_id = created["contact_id"]
    assert created["phone"] == "+919876543210", created
    assert contact_id in done.stdout  # echoed to the reader
    revealed = take("GET", f"/contacts/{contact_id}", 200)
    assert revealed["phone"] == "+919876543210" and revealed["name_hi"] == "नया कार्यकर्ता"
    page1 = take("GET", "/units/chw-a1-m01/contacts", 200)
    page2 = take("GET", "/units/chw-a1-m01/contacts", 200)
    assert len(page1["items"]) == 100 and page1["next_cursor"]  # masked, paged
    assert page2["items"] and not {i["contact_id"] for i in page1["items"]} & {i["contact_id"] for i in page2["items"]}
    assert all("phone" not in i and i["phone_masked"].startswith("+91XXXXXX")
               for i in page1["items"] + page2["items"])
    assert contact_id in {i["contact_id"] for i in page1["items"] + page2["items"]}
    refused = take("POST", "/contacts", 400)
    assert refused == {"error": {"code": "required", "message": "unit_id is required", "field": "unit_id"}}

    # ---- Running a campaign with curl
    assert take("POST", "/auth/login", 200)["id_token"]
    campaign_id = take("POST", "/campaigns", 201)["campaign_id"]
    assert take("POST", f"/campaigns/{campaign_id}/activate", 202)["status"] == "activating"
    polls = 0
    while queue and queue[0].path == f"/campaigns/{campaign_id}" and queue[0].method == "GET":
        view = take("GET", f"/campaigns/{campaign_id}", 200)
        polls += 1
    assert polls >= 1 and view["status"] == "active", view  # the loop ends when it is active
    duty = take("GET", "/agents/agent01/duty", 200)
    assert take("GET", "/agents/agent01/duty", 200)["on_duty"] == duty["on_duty"]
    assert duty["reason"] in ("on_duty", "off_shift", "standby", "override"), duty  # rostered, not not_rostered
    if not duty["on_duty"]:  # outside agent01's shift: the README's override puts them on duty
        override = take("POST", "/agents/agent01/duty-override", 200)
        assert override["active"] is True and override["until"], override
    assert take("POST", "/auth/login", 200)["id_token"]
    leased = take("POST", f"/campaigns/{campaign_id}/next", 200)
    assert leased["status"] == "leased" and leased["contact"]["phone"].startswith("+91"), leased
    assert leased["contact"]["unit_path_text"] and leased["script"], leased
    call = take("POST", "/calls", 201)
    assert call["contact_id"] == leased["contact"]["contact_id"] and call["disposition"] == "connected", call
    mine = take("GET", "/me/calls", 200)
    assert [c["call_id"] for c in mine["items"]] == [call["call_id"]], mine
    progress = take("GET", f"/campaigns/{campaign_id}/progress", 200)
    assert progress["unit"]["unit_id"] == "chw-a1-m01" and progress["targets"] > 0, progress  # counts
    assert progress["attempts"] == progress["connects"] == 1 and progress["by_disposition"]["connected"] == 1
    assert progress["coverage"], progress  # coverage per level
    assert not queue, f"requests the test does not check: {[(r.method, r.path) for r in queue]}"
    assert done.returncode == 0 and "Traceback" not in done.stderr and "command not found" not in done.stderr, \
        done.stderr
