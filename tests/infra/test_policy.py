"""The hand-written IAM policy: no wildcard actions, no Scan, resources restricted to this stack's ARNs,
and (tests/infra/policy_check.py, at the end of the session) everything the code calls allowed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.codemodel import CHALICE_CONFIG, DEPLOYED_STAGES
from infra.policy import STAR_RESOURCES

from . import cfn, policy_check


def _roles(template: dict[str, Any]) -> set[str]:
    return {cfn.role_of(template, f) for f in cfn.functions(template)}


def test_chalice_does_not_generate_the_policy() -> None:
    stages = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"]
    for stage in DEPLOYED_STAGES:
        assert stages[stage].get("autogen_policy") is False, stage


def test_no_wildcard_actions_no_scan_and_no_star_resources(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    for role in _roles(template):
        for statement in cfn.statements(template, role):
            assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
            actions = cfn.as_list(statement["Action"])
            for action in actions:
                service, _, name = action.partition(":")
                assert service and name and "*" not in action and "?" not in action, action
                assert action != "dynamodb:Scan"
            resources = [cfn.render(r) for r in cfn.as_list(statement["Resource"])]
            if "*" in resources:
                assert resources == ["*"] and set(actions) <= set(STAR_RESOURCES), statement
            for resource in resources:
                if resource != "*":  # the stack's own ARNs (a bucket's objects end in /*)
                    assert resource.startswith(("${", "arn:${AWS::Partition}:")), resource
                    assert "*" not in resource.rstrip("*").rstrip("/:"), resource


def test_every_table_and_index_is_granted_and_nothing_else(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    role = cfn.role_of(template, "APIHandler")
    tables = cfn.resources(template, "AWS::DynamoDB::Table")
    for logical, table in tables.items():
        arn = cfn.ref(f"{logical}.Arn")
        assert policy_check.allowed(template, role, "dynamodb:Query", arn)
        assert policy_check.allowed(template, role, "dynamodb:PutItem", arn)
        for index in table["Properties"].get("GlobalSecondaryIndexes", []):
            assert policy_check.allowed(template, role, "dynamodb:Query", f"{arn}/index/{index['IndexName']}")
            assert not policy_check.allowed(template, role, "dynamodb:PutItem", f"{arn}/index/{index['IndexName']}")
        assert not policy_check.allowed(template, role, "dynamodb:Scan", arn)
        assert not policy_check.allowed(template, role, "dynamodb:DeleteTable", arn)
    dynamo = [cfn.render(r) for s in cfn.statements(template, role) for r in cfn.as_list(s["Resource"])
              if any(a.startswith("dynamodb:") for a in cfn.as_list(s["Action"]))]
    assert all(any(d.startswith(cfn.ref(f"{t}.Arn")) for t in tables) for d in dynamo)


def test_sqs_handlers_may_consume_their_queues(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    for logical, function in cfn.functions(template).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                arn = cfn.render(event["Properties"]["Queue"])
                for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
                    role = cfn.role_of(template, logical)
                    assert policy_check.allowed(template, role, action, arn), (logical, action)


def test_functions_write_only_their_own_log_groups(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    for logical, function in cfn.functions(template).items():
        role = cfn.role_of(template, logical)
        name = function["Properties"]["FunctionName"]
        own = f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{name}:*"
        assert policy_check.allowed(template, role, "logs:PutLogEvents", own)
        other = own.replace(name, "someone-else")
        assert not policy_check.allowed(template, role, "logs:PutLogEvents", other)


@pytest.mark.parametrize(("action", "resource", "problem"), [
    ("dynamodb:Scan", "table:contacts", "not allowed"),
    ("dynamodb:Query", "table:contacts/index/no_such_index", "not allowed"),
    ("sqs:SendMessage", "queue:https://sqs.example/other", "no setting or table names"),
    ("dynamodb:GetItem", "table:?someone-elses-table", "no table"),
    ("sns:Publish", "env:SAMPARK_NO_SUCH_TOPIC_ARN", "not set"),
])
def test_the_policy_check_fails_on_what_the_policy_does_not_allow(templates: dict[str, Any], action: str,
                                                                 resource: str, problem: str) -> None:
    row = {"service": action.split(":")[0], "op": "x", "action": action, "resource": resource, "route": "GET /x"}
    problems = policy_check.check([row], {"dev": templates["dev"]})
    assert problems and problem in problems[0], problems


def test_the_policy_check_passes_what_the_code_does(templates: dict[str, Any]) -> None:
    rows = [{"service": "dynamodb", "op": "Query", "action": "dynamodb:Query",
             "resource": "table:contacts/index/by_tree", "route": "GET /units/{unit_id}/contacts"},
            {"service": "sqs", "op": "SendMessage", "action": "sqs:SendMessage",
             "resource": "env:SAMPARK_ACTIVATION_QUEUE_URL", "route": "POST /campaigns/{campaign_id}/activate"}]
    assert policy_check.check(rows, templates) == []
