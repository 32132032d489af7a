"""Hygiene gates of `make test`: bandit finds nothing of medium or high severity in the code that is
deployed (app.py, chalicelib/, infra/); a finding that is a false positive is argued inline with
`# nosec <id>` and its reason."""

from __future__ import annotations

import json
import subprocess  # nosec B404 - runs the pinned bandit on our own tree
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_bandit_finds_no_medium_or_high_issue() -> None:
    proc = subprocess.run(  # nosec B603 - fixed arguments
        [sys.executable, "-m", "bandit", "-q", "-r", "app.py", "chalicelib", "infra", "-ll", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    report = json.loads(proc.stdout)
    issues = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_severity']}: {i['issue_text']}"
              for i in report["results"]]
    assert not issues, "bandit:\n" + "\n".join(issues)
    assert not report["errors"], report["errors"]


def test_the_cold_path_imports_nothing_heavy_a_request_may_not_need() -> None:
    """jinja2 and email.mime (digests), phonenumbers (phone parsing) load when used, and the X-Ray SDK
    only when subsegments are asked for (core/observability.py): the import of `app` is most of every
    cold start (make bench measures its ratio to the bare dependencies and fails over 1.2)."""
    code = ("import sys, app; print(' '.join(m for m in ('jinja2', 'phonenumbers', 'email.mime', 'hypothesis', "
            "'aws_xray_sdk') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,  # nosec B603
                          check=True)
    assert proc.stdout.strip() == "", f"imported at cold start: {proc.stdout.strip()}"


def test_blueprints_import_their_services_and_stores_at_first_use() -> None:
    """Every function imports app.py; only the core and the blueprints load then (core/lazy.py), and a
    route's first call imports its feature. The lazy name still reaches the real module."""
    code = ("import sys, app; feature = [m for m in sys.modules if m.startswith('chalicelib.') "
            "and not m.startswith('chalicelib.core') and m.count('.') == 2 "
            "and m.rsplit('.', 1)[1] not in ('routes', 'queues', 'blobs')]; print(' '.join(sorted(feature))); "
            "from chalicelib.calls import routes; routes.service.record_call; "
            "print('chalicelib.calls.service' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,  # nosec B603
                          check=True)
    loaded, after_use = proc.stdout.rstrip("\n").split("\n")
    assert loaded == "", f"imported at cold start: {loaded}"
    assert after_use == "True"
