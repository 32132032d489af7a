"""Every variable chalicelib/core/settings.py requires is set in every function, names a resource that
exists in the same template, and the settings load from it as they would in Lambda."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.settings import load_settings
from infra.codemodel import required_env_vars, stage_environment

from . import cfn


def _value(template: dict[str, Any], value: Any) -> str:
    """What a variable holds once deployed, with made-up account values."""
    target = cfn.referenced(value)
    if target is not None:
        resource = template["Resources"][target]
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.ap-south-1.amazonaws.com/123456789012/{cfn.render(props['QueueName'])}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:ap-south-1:123456789012:{cfn.render(props['TopicName'])}"
        if kind == "AWS::Cognito::UserPool":
            return "ap-south-1_AbCdEfGhI"
        if kind == "AWS::Cognito::UserPoolClient":
            return "4example0client0id0000000"
        raise AssertionError(f"a variable points at a {kind}: infra/environment.py does not expect that")
    return cfn.render(value).replace("${AWS::AccountId}", "123456789012")


def _names(template: dict[str, Any]) -> set[str]:
    """Every name a literal variable may hold: buckets, SES identities, configuration sets."""
    found = set()
    for kind, key in (("AWS::S3::Bucket", "BucketName"), ("AWS::SES::EmailIdentity", "EmailIdentity"),
                      ("AWS::SES::ConfigurationSet", "Name")):
        for resource in cfn.resources(template, kind).values():
            found.add(cfn.render(resource["Properties"][key]).replace("${AWS::AccountId}", "123456789012"))
    return found


def test_required_variables_are_read_from_the_code() -> None:
    names = required_env_vars()
    assert {"SAMPARK_STAGE", "SAMPARK_TABLE_PREFIX", "SAMPARK_USER_POOL_ID"} <= set(names)
    assert all(n.startswith("SAMPARK_") for n in names)


def test_every_function_has_every_required_variable(templates: dict[str, Any], stage: str) -> None:
    for logical, function in cfn.functions(templates[stage]).items():
        env = function["Properties"]["Environment"]["Variables"]
        missing = [n for n in required_env_vars() if n not in env]
        assert not missing, f"{logical} lacks {missing}"
        assert env["SAMPARK_STAGE"] == stage
        assert "SAMPARK_AWS_ENDPOINT" not in env, "the local endpoint must never reach a deployed stage"


def test_every_variable_names_a_resource_of_the_template(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    prefix = stage_environment(stage)["SAMPARK_TABLE_PREFIX"]
    tables = [r["Properties"]["TableName"] for r in cfn.resources(template, "AWS::DynamoDB::Table").values()]
    names = _names(template)
    for function in cfn.functions(template).values():
        env = function["Properties"]["Environment"]["Variables"]
        for name in required_env_vars():
            value = env[name]
            target = cfn.referenced(value)
            if name == "SAMPARK_STAGE":
                continue
            if name == "SAMPARK_TABLE_PREFIX":
                assert value == prefix and tables and all(t.startswith(f"{prefix}-") for t in tables)
            elif target is not None:
                assert target in template["Resources"], f"{name} points at {target}, which is not in the template"
                _value(template, value)
            else:
                text = _value(template, value)
                covered = text in names or (text.split("@", 1)[-1] in names if "@" in text else False)
                assert covered, f"{name}={text} names no bucket, SES identity or configuration set of the stack"


def test_settings_load_from_each_function_environment(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    for logical, function in cfn.functions(template).items():
        env = {k: _value(template, v) for k, v in function["Properties"]["Environment"]["Variables"].items()}
        env["AWS_REGION"] = "ap-south-1"  # the Lambda runtime sets it
        settings = load_settings(env)
        assert settings.stage == stage, logical
        assert settings.aws_endpoint is None


@pytest.mark.parametrize("broken", ["SAMPARK_USER_POOL_ID"])
def test_the_check_notices_a_missing_variable(templates: dict[str, Any], broken: str) -> None:
    env = dict(cfn.functions(templates["dev"])["APIHandler"]["Properties"]["Environment"]["Variables"])
    env.pop(broken)
    assert [n for n in required_env_vars() if n not in env] == [broken]
