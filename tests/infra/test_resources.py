"""The rest of the stack: Cognito as devtools/provision.py makes it locally, topics, SES with bounce and
complaint notifications, dead-letter queues, alarms to the ops topic, log retention."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

from chalicelib.accounts.rules import POOL_POLICY
from chalicelib.core.auth import ALL_ROLES
from infra.config import default_context, stage_config

from . import cfn


def test_user_pool_matches_the_local_one(templates: dict[str, Any], stage: str) -> None:
    template = Template.from_json(templates[stage])
    template.has_resource_properties("AWS::Cognito::UserPool", {
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "Policies": {"PasswordPolicy": Match.object_like({
            "MinimumLength": POOL_POLICY["MinimumLength"], "RequireLowercase": POOL_POLICY["RequireLowercase"],
            "RequireUppercase": POOL_POLICY["RequireUppercase"], "RequireNumbers": POOL_POLICY["RequireNumbers"],
            "RequireSymbols": POOL_POLICY["RequireSymbols"]})},
        "DeletionProtection": "ACTIVE" if stage == "prod" else "INACTIVE",
    })
    template.has_resource_properties("AWS::Cognito::UserPoolClient", {
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "GenerateSecret": False,
    })
    groups = {r["Properties"]["GroupName"]
              for r in cfn.resources(templates[stage], "AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(ALL_ROLES)


def test_topics_for_state_central_and_ops(templates: dict[str, Any], stage: str) -> None:
    names = {cfn.render(r["Properties"]["TopicName"])
             for r in cfn.resources(templates[stage], "AWS::SNS::Topic").values()}
    assert {f"sampark-{stage}-{t}" for t in ("state", "central", "ops", "ses-feedback")} <= names


def test_mail_identity_and_configuration_set_report_bounces_and_complaints(templates: dict[str, Any],
                                                                          stage: str) -> None:
    template = templates[stage]
    config = stage_config(stage, default_context())
    (identity,) = cfn.resources(template, "AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == config.ses_identity
    (config_set,) = cfn.resources(template, "AWS::SES::ConfigurationSet").values()
    name = config_set["Properties"]["Name"]
    assert identity["Properties"]["ConfigurationSetAttributes"]["ConfigurationSetName"] == name
    assert config_set["Properties"]["ReputationOptions"]["ReputationMetricsEnabled"] is True
    (destination,) = cfn.resources(template, "AWS::SES::ConfigurationSetEventDestination").values()
    event = destination["Properties"]["EventDestination"]
    assert {"bounce", "complaint"} <= set(event["MatchingEventTypes"]) and event["Enabled"]
    topic = cfn.referenced(event["SnsDestination"]["TopicARN"])
    assert topic and template["Resources"][topic]["Type"] == "AWS::SNS::Topic"


def test_every_queue_is_a_dead_letter_queue_or_has_one_and_all_are_watched(templates: dict[str, Any],
                                                                           stage: str) -> None:
    template = templates[stage]
    queues = cfn.resources(template, "AWS::SQS::Queue")
    targets = {cfn.referenced(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
               for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    for function in cfn.functions(template).values():
        config = function["Properties"].get("EventInvokeConfig")
        if config:
            targets.add(cfn.referenced(config["DestinationConfig"]["OnFailure"]["Destination"]))
    watched = {cfn.referenced(d["Value"]) for a in cfn.resources(template, "AWS::CloudWatch::Alarm").values()
               for d in a["Properties"].get("Dimensions", []) if d["Name"] == "QueueName"}
    for logical, queue in queues.items():
        assert queue["Properties"].get("SqsManagedSseEnabled") is True, logical
        if "RedrivePolicy" in queue["Properties"]:
            continue  # a queue a handler reads, with its dead-letter queue
        assert logical in targets, f"{logical} is neither read by a handler nor anyone's dead-letter queue"
        assert logical in watched, f"dead-letter queue {logical} has no depth alarm"


def test_alarms_cover_functions_api_tables_and_mail_and_go_to_ops(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    alarms = cfn.resources(template, "AWS::CloudWatch::Alarm")
    ops = [k for k, r in cfn.resources(template, "AWS::SNS::Topic").items()
           if cfn.render(r["Properties"]["TopicName"]) == f"sampark-{stage}-ops"]
    for logical, alarm in alarms.items():
        assert [cfn.referenced(a) for a in alarm["Properties"]["AlarmActions"]] == ops, logical

    def metrics(namespace: str, name: str) -> list[dict[str, Any]]:
        return [a["Properties"] for a in alarms.values()
                if a["Properties"].get("Namespace") == namespace and a["Properties"].get("MetricName") == name]

    for function in cfn.functions(template).values():
        name = function["Properties"]["FunctionName"]
        for metric in ("Errors", "Throttles"):
            dims = [d["Value"] for a in metrics("AWS/Lambda", metric) for d in a["Dimensions"]]
            assert name in dims, (name, metric)
    assert metrics("AWS/ApiGateway", "5XXError")
    assert metrics("AWS/SES", "Reputation.BounceRate") and metrics("AWS/SES", "Reputation.ComplaintRate")
    table_alarms = [a for a in alarms.values() if "Metrics" in a["Properties"]]
    assert len(table_alarms) == len(cfn.resources(template, "AWS::DynamoDB::Table"))


def test_log_groups_have_retention(expanded: dict[str, Any], stage: str) -> None:
    for logical, group in cfn.resources(expanded[stage], "AWS::Logs::LogGroup").items():
        assert group["Properties"].get("RetentionInDays") == (365 if stage == "prod" else 30), logical


def test_buckets_are_private_encrypted_and_expire(templates: dict[str, Any], stage: str) -> None:
    for logical, bucket in cfn.resources(templates[stage], "AWS::S3::Bucket").items():
        props = bucket["Properties"]
        assert all(props["PublicAccessBlockConfiguration"].values()), logical
        assert props["BucketEncryption"]
        assert any(r.get("ExpirationInDays") for r in props["LifecycleConfiguration"]["Rules"])
