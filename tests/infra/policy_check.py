"""The proof that the hand-written IAM policy covers what the code calls.

tests/conftest.py records every AWS call the app makes during the run (devtools/aws_calls.py: only calls
made while a route or a job runs), as (IAM action, resource) pairs. At the end of the session each pair
must be allowed by the policy of the app's role in every synthesised template, on the ARN the pair's
resource resolves to in that template. A call the policy does not allow fails the run, naming the
route that made it.
"""

from __future__ import annotations

import fnmatch
import json
import os
from pathlib import Path
from typing import Any

from . import cfn

OUT = Path(__file__).resolve().parent.parent.parent / "test-output"
RUN = os.environ.setdefault("SAMPARK_TEST_RUN", f"{os.getpid()}")
SYNTH_NOTE = OUT / f"infra-synth-{RUN}.txt"  # written by the infra fixture: which synth this run checked
IDENTITY = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/%s"
CONFIG_SET = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/%s"


class Unresolvable(LookupError):
    pass


def _environment(template: dict[str, Any]) -> dict[str, Any]:
    api = cfn.functions(template).get("APIHandler") or next(iter(cfn.functions(template).values()))
    return dict(api["Properties"]["Environment"]["Variables"])


def _by_name(template: dict[str, Any], kind: str, key: str, name: str) -> str | None:
    for logical, resource in cfn.resources(template, kind).items():
        if cfn.render(resource["Properties"].get(key, "")) == name:
            return logical
    return None


def arns(template: dict[str, Any], resource: str) -> list[str]:
    """The ARN (rendered as in the policy) a recorded resource stands for in this template."""
    env = _environment(template)
    prefix = str(env["SAMPARK_TABLE_PREFIX"])
    if resource in ("sms", "*"):
        return ["*"]
    if resource.startswith("table:"):
        base, _, index = resource[len("table:"):].partition("/index/")
        table = _by_name(template, "AWS::DynamoDB::Table", "TableName", f"{prefix}-{base}")
        if table is None:
            raise Unresolvable(f"no table {prefix}-{base}")
        return [cfn.ref(f"{table}.Arn") + (f"/index/{index}" if index else "")]
    if resource.startswith("env:"):
        var, _, part = resource[len("env:"):].partition("/")
        if var not in env:
            raise Unresolvable(f"{var} is not set in the functions' environment")
        value = env[var]
        target = cfn.referenced(value)
        if target is None:  # a literal: a sender address, a bucket name, a configuration set
            text = cfn.render(value)
            bucket = _by_name(template, "AWS::S3::Bucket", "BucketName", text)
            if bucket:
                return [cfn.ref(f"{bucket}.Arn") + ("/object" if part else "")]
            if "@" in text:
                domain = text.split("@", 1)[1]
                found = [i for i in (text, domain) if _by_name(template, "AWS::SES::EmailIdentity", "EmailIdentity", i)]
                if not found:
                    raise Unresolvable(f"{var}={text}: no SES identity covers it")
                config_sets = [cfn.render(r["Properties"]["Name"])
                               for r in cfn.resources(template, "AWS::SES::ConfigurationSet").values()]
                return [IDENTITY % found[0]] + [CONFIG_SET % c for c in config_sets]
            if _by_name(template, "AWS::SES::ConfigurationSet", "Name", text):
                return [CONFIG_SET % text]
            raise Unresolvable(f"{var}={text} names nothing in the template")
        kind = template["Resources"][target]["Type"]
        if kind == "AWS::SNS::Topic":
            return [cfn.ref(target)]
        return [cfn.ref(f"{target}.Arn") + ("/object" if part else "")]
    raise Unresolvable(f"the app called AWS on {resource!r}, which no setting or table names")


def allowed(template: dict[str, Any], role: str, action: str, arn: str) -> bool:
    for statement in cfn.statements(template, role):
        if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
            continue
        actions = cfn.as_list(statement["Action"])
        if not any(fnmatch.fnmatchcase(action, a) for a in actions):
            continue
        if any(fnmatch.fnmatchcase(arn, cfn.render(r)) for r in cfn.as_list(statement["Resource"])):
            return True
    return False


def check(rows: list[dict[str, str]], templates: dict[str, dict[str, Any]]) -> list[str]:
    """Every recorded (action, resource) allowed to the app's role in every template; problems as text."""
    problems = []
    for stage, template in sorted(templates.items()):
        role = cfn.role_of(template, "APIHandler")
        for row in rows:
            try:
                targets = arns(template, row["resource"])
            except Unresolvable as exc:
                problems.append(f"{stage}: {row['action']} by {row['route']}: {exc}")
                continue
            for arn in targets:
                if not allowed(template, role, row["action"], arn):
                    problems.append(f"{stage}: {row['action']} on {arn} ({row['resource']}) by {row['route']} "
                                    "is not allowed by the app role's policy")
    return problems


def unexercised(rows: list[dict[str, str]], template: dict[str, Any]) -> list[str]:
    """Granted actions no recorded call needed (a hint, not a failure: the suite may not reach them all)."""
    used = {row["action"] for row in rows}
    granted = {a for s in cfn.statements(template, cfn.role_of(template, "APIHandler"))
               for a in cfn.as_list(s["Action"])}
    service_side = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "logs:CreateLogStream",
                    "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    return sorted(granted - used - service_side)


WORKER_ROWS: list[dict[str, str]] = []  # under xdist, in the controller: what each worker's tests recorded


def merged_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {(r["service"], r["op"], r["action"], r["resource"]): r for r in rows}
    for r in WORKER_ROWS:
        merged.setdefault((r["service"], r["op"], r["action"], r["resource"]), r)
    return [merged[k] for k in sorted(merged)]


def finish(session: Any, rows: list[dict[str, str]]) -> None:
    """Called by tests/conftest.py at the end of the session. An xdist worker hands its rows to the
    controller (workeroutput; tests/conftest.py's pytest_testnodedown adds them to WORKER_ROWS), which
    finishes after every worker and checks them all."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["aws_calls"] = rows
        return
    rows = merged_rows(rows)
    (OUT / "aws-calls.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if not SYNTH_NOTE.exists():
        if rows:
            print("\nIAM policy check skipped: the infra tests did not run in this session (make test runs both)")
        return
    directory = Path(SYNTH_NOTE.read_text(encoding="utf-8").strip())
    SYNTH_NOTE.unlink(missing_ok=True)
    from infra.synth import Synth

    synth = Synth(directory)
    try:
        templates = {stage: synth.template(stage) for stage in synth.stages}
    except OSError as exc:
        session.exitstatus = 1
        print(f"\nFAIL: the IAM policy check could not read the synthesised templates: {exc}")
        return
    problems = check(rows, templates)
    coverage = {"calls": len(rows), "problems": problems,
                "granted_but_not_exercised": unexercised(rows, templates[synth.stages[0]])}
    (OUT / "iam-coverage.json").write_text(json.dumps(coverage, indent=1), encoding="utf-8")
    if problems:
        session.exitstatus = 1
        print("\nFAIL: the app made AWS calls its IAM policy does not allow:\n  " + "\n  ".join(problems))
    else:
        print(f"\nIAM policy covers all {len(rows)} recorded (action, resource) pairs of the app's AWS calls")
