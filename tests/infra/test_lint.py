"""cfn-lint on the templates as synthesised (SAM) and as deployed (expanded); checkov on the expanded
templates, with only the checks infra/README.md skips, each with its reason."""

from __future__ import annotations

import json

from .conftest import Infra, checkov_skips


def test_cfn_lint_passes(infra: Infra) -> None:
    result = infra.cfn_lint.result()
    matches = json.loads(result["stdout"] or "[]")
    serious = [m for m in matches if m["Level"] in ("Error", "Warning")]
    assert not serious, "\n".join(f"{m['Rule']['Id']} {m['Filename']}: {m['Message']}" for m in serious)
    assert result["returncode"] in (0, 8), result["stderr"]  # 8: informational matches only


def test_checkov_passes_with_only_the_documented_skips(infra: Infra) -> None:
    result = infra.checkov.result()
    reports = json.loads(result["stdout"])
    reports = reports if isinstance(reports, list) else [reports]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
              for report in reports for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
    passed = sum(report["summary"]["passed"] for report in reports)
    assert passed > 100  # it did look at the templates


def test_every_skipped_check_has_a_reason() -> None:
    skips = checkov_skips()
    assert skips, "infra/README.md lists the skipped checkov checks"
    for check, reason in skips.items():
        assert len(reason) > 20, f"{check} is skipped without a real reason"
