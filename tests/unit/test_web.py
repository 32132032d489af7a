"""The web client's files, without a browser: one catalogue per language with the same keys and
placeholders; every string the client shows comes from them (no Hindi or English sentence in the
code); every refusal code the API's calling routes can answer has a message; nothing is loaded from
outside the app; and the static routes serve the files with a strict CSP, ETags and a stamped
service worker."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from chalice.test import Client

from chalicelib.calls.rules import DISPOSITIONS
from chalicelib.campaigns.rules import KINDS, QUESTION_KINDS, STATUSES
from chalicelib.core import errors
from chalicelib.org.rules import LANGUAGES, LEVELS, ROLES
from chalicelib.relay.rules import SOURCES
from chalicelib.shifts.rules import SHIFTS
from chalicelib.web import routes

STATIC = routes.STATIC
CHALICELIB = STATIC.parents[1]
CATALOGUES = {lang: routes.catalogue(lang) for lang in ("hi", "en")}  # base and every screen's fragment
SCRIPTS = {p.name: p.read_text(encoding="utf-8") for p in STATIC.glob("*.js")}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Refusals of the routes the client calls: raised with code="..." or as a calling-hours Closed("...").
REFUSAL_SOURCES = ["calls", "campaigns", "accounts", "core", "shifts/duty.py"]  # duty: the next call's gate
DUTY_REASONS = ["off_shift", "on_leave", "not_rostered", "standby", "inactive", "not_an_agent"]


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    hi, en = CATALOGUES["hi"], CATALOGUES["en"]
    assert set(hi) == set(en)
    for key in hi:
        assert hi[key].strip() and en[key].strip(), key
        assert set(PLACEHOLDER.findall(hi[key])) == set(PLACEHOLDER.findall(en[key])), key
    assert re.search(r"[\u0900-\u097F]", hi["login.title"]) and not re.search(r"[\u0900-\u097F]", en["login.title"])


def test_every_key_the_client_uses_is_in_the_catalogues() -> None:
    catalogue = set(CATALOGUES["en"])
    used = {key for source in SCRIPTS.values() for key in re.findall(r"(?<![\w.])t\('([^']+)'", source)}
    assert used and not used - catalogue, sorted(used - catalogue)
    prefixes = {p for source in SCRIPTS.values() for p in re.findall(r"(?<![\w.])t\(`([a-z_.]+)\$\{", source)}
    enumerations = {
        "disposition.": DISPOSITIONS, "role.": ROLES, "level.": LEVELS, "kind.": KINDS, "language.": LANGUAGES,
        "shift.name.": SHIFTS, "shift.state.": ["on_duty", "upcoming", "finished", *DUTY_REASONS],
        "error.": [], "field.": [],
        # the office's campaign screens
        "status.": STATUSES, "qkind.": QUESTION_KINDS, "source.": SOURCES, "form.err.code_": [],
        "campaigns.col.": ["title", "status", "kind", "target", "dates", "progress"],
        "campaigns.confirm_": ["activate", "close", "activate_note", "close_note"],
        "campaigns.yes_": ["activate", "close"],
        "form.err.missing_": ["title_hi", "title_en", "script_hi", "script_en", "starts_on", "ends_on"],
        # the wall board: a seat's state
        "board.state_": ["on_call", "idle", "on_break", "absent", "off_shift"],
        # the lists: imports and exports (data.refuse. and data.err. are open sets, as error. is: the screen
        # falls back to a generic message for a code it has no sentence for)
        "data.tab_": ["imports", "exports"], "data.import_kind_": ["contacts", "units", "dnc"],
        "data.export_kind_": ["contacts", "campaign_results", "call_logs"], "data.format_": ["csv", "xlsx"],
        "data.status_": ["awaiting_upload", "processing", "done", "failed", "withdrawn"],
        "data.report_": ["line", "column", "value", "reason"],
        "data.count_": ["rows_done", "rows_total", "created", "updated", "unchanged", "rejected"],
        "data.refuse.": [], "data.err.": [],
    }
    assert prefixes <= set(enumerations), prefixes - set(enumerations)
    for prefix, values in enumerations.items():
        missing = [v for v in values if f"{prefix}{v}" not in catalogue]
        assert not missing, (prefix, missing)


def test_no_sentence_is_written_in_the_code() -> None:
    """Every string a person reads comes from the catalogues: no Devanagari in the code or the page,
    and no English text node in the page (its title is the product's name)."""
    for name, source in {**SCRIPTS, "index.html": (STATIC / "index.html").read_text(encoding="utf-8")}.items():
        assert not re.search(r"[\u0900-\u097F]", source), name
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    texts = [t.strip() for t in re.findall(r">([^<]+)<", page) if t.strip()]
    assert texts == ["Sampark"]
    for name, source in SCRIPTS.items():  # literal text handed to the DOM builder or textContent
        assert not re.findall(r"(?:\bh\('\w+', \{[^}]*\}, |textContent = )'[A-Za-z][a-z]+ [a-z]", source), name


def refusal_codes() -> set[str]:
    codes: set[str] = set()
    for source in REFUSAL_SOURCES:
        paths = [CHALICELIB / source] if source.endswith(".py") else sorted((CHALICELIB / source).glob("*.py"))
        for path in (p for p in paths if p.exists()):
            source = path.read_text(encoding="utf-8")
            codes.update(re.findall(r'\bcode="([a-z_]+)"', source))
            codes.update(re.findall(r'\bClosed\("([a-z_]+)"', source))
    codes.update(f"campaign_{status}" for status in STATUSES if status != "active")  # f"campaign_{status}"
    codes.update(cls.code for cls in vars(errors).values()
                 if isinstance(cls, type) and issubclass(cls, errors.AppError) and cls is not errors.AppError)
    return codes


def test_every_refusal_of_the_calling_routes_has_a_message_in_both_languages() -> None:
    codes = refusal_codes()
    assert {"lease_not_held", "outside_calling_hours", "campaign_closed", "unauthorized", "call_id_reused"} <= codes
    expected = codes | set(DUTY_REASONS) | {"off_duty", "network", "timeout", "session_expired", "still_sending",
                                            "internal"}
    for lang, catalogue in CATALOGUES.items():
        missing = sorted(c for c in expected if f"error.{c}" not in catalogue)
        assert not missing, (lang, missing)


def test_nothing_comes_from_outside_the_app() -> None:
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        text = text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("'http://www.w3.org/2000/svg'", "")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path.name
        assert "@import" not in text and "eval(" not in text and ".innerHTML" not in text, path.name
    assert "'unsafe-inline'" not in routes.CSP and "'unsafe-eval'" not in routes.CSP
    assert "default-src 'none'" in routes.CSP and "connect-src 'self'" in routes.CSP


def imported_by(modules: set[str]) -> set[str]:
    """Every module the given ones import, directly or not."""
    seen, todo = set(), list(modules)
    while todo:
        for m in re.findall(r"from '\./([\w.]+)'", SCRIPTS[todo.pop()]):
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def test_every_module_is_served_and_preloaded() -> None:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    referenced = set(re.findall(r'(?:href|src)="/app/([^"]+)"', page))
    assert referenced <= set(routes.assets()), referenced - set(routes.assets())
    imported = imported_by({"app.js"})  # what the page loads statically, from app.js down
    assert imported <= referenced, imported - referenced  # every module an agent needs preloaded: one round trip
    lazy = set(re.findall(r"\['\./([\w.]+\.js)', '\w+'\]", SCRIPTS["app.js"]))  # office screens, loaded when opened
    assert lazy and lazy <= set(routes.assets()), lazy - set(routes.assets())
    assert not lazy & referenced, lazy & referenced  # not in the agent's first load
    assert {name for name in SCRIPTS if name != "sw.js"} <= referenced | lazy | imported_by(lazy)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The app in-process: the static routes touch no AWS, but the app's middleware wants settings."""
    from app import app

    for key, value in {"SAMPARK_STAGE": "dev", "SAMPARK_TABLE_PREFIX": "t", "SAMPARK_USER_POOL_ID": "p",
                       "SAMPARK_USER_POOL_CLIENT_ID": "c", "SAMPARK_SES_SENDER": "s@example.org",
                       "SAMPARK_ACTIVATION_QUEUE_URL": "q", "SAMPARK_BULK_BUCKET": "b",
                       "SAMPARK_BULK_QUEUE_URL": "q", "SAMPARK_DISTRICT_TOPIC_ARN": "t",
                       "SAMPARK_STATE_TOPIC_ARN": "t", "SAMPARK_CENTRAL_TOPIC_ARN": "t",
                       "SAMPARK_OPS_TOPIC_ARN": "t"}.items():
        monkeypatch.setenv(key, value)
    with Client(app) as c:
        yield c


def test_the_page_is_served_with_a_strict_csp_and_revalidated_by_etag(client: Client) -> None:
    r = client.http.get("/")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    bucket = "https://sampark-dev-bulk.s3.amazonaws.com"  # the stage's bulk bucket, as its presigned links name it
    assert csp == routes.CSP.replace("connect-src 'self'", f"connect-src 'self' {bucket}"), csp
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-cache"
    assert r.headers["X-Frame-Options"] == "DENY" and "max-age" in r.headers["Strict-Transport-Security"]
    assert client.http.get("/", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert b'lang="hi"' in r.body and b"/app/app.js" in r.body


def test_files_by_name_only_from_the_list(client: Client) -> None:
    for name, kind in [("app.js", "text/javascript"), ("app.css", "text/css"), ("hi.json", "application/json"),
                       ("icon.svg", "image/svg+xml"), ("manifest.webmanifest", "application/manifest+json")]:
        r = client.http.get(f"/app/{name}")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(kind), name
    for name in ("nope.js", "index.html", "sw.js", "..%2Fapp.py", "routes.py"):
        r = client.http.get(f"/app/{name}")
        assert r.status_code == 404 and json.loads(r.body)["error"]["code"] == "not_found", name


def test_the_service_worker_is_stamped_with_the_build_and_the_files_to_keep(client: Client) -> None:
    r = client.http.get("/sw.js")
    body = r.body.decode()
    assert r.status_code == 200 and r.headers["Service-Worker-Allowed"] == "/"
    assert "__BUILD__" not in body and "__SHELL__" not in body
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))  # type: ignore[union-attr]
    assert "/" in shell and "/app/app.js" in shell and "/app/en.json" in shell and "/app/sw.js" not in shell
    assert set(shell) == {"/"} | {f"/app/{n}" for n in routes.assets() if n not in routes.ROOT_FILES}


def test_every_script_parses_as_an_es_module() -> None:
    """One syntax error in any module stops the whole client (app.js imports them all): node checks
    each file as the browser would parse it. Node is on the machine (Lighthouse and axe use npm)."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "node is needed to check the client's scripts (apt-get install -y nodejs)"
    for name in sorted(SCRIPTS):
        result = subprocess.run([node, "--experimental-default-type=module", "--check", str(STATIC / name)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{name}:\n{result.stderr[-2000:]}"


def test_each_screens_strings_and_styles_are_merged_into_one_file_each() -> None:
    merged = routes._merge({"en.json": '{"a": "A"}', "en.board.json": '{"b": "B"}', "app.css": "x{}",
                            "app.board.css": "y{}", "app.js": "//"})
    assert set(merged) == {"en.json", "app.css", "app.js"}  # fragments are not served on their own
    assert json.loads(merged["en.json"]) == {"a": "A", "b": "B"} and merged["app.css"].endswith("y{}")
    with pytest.raises(ValueError, match="repeats keys"):
        routes._merge({"en.json": '{"a": "A"}', "en.board.json": '{"a": "again"}'})
