"""Every handler of the Chalice app is a function in the templates, invoked by what the code says, with
explicit retries and somewhere for its failures to go; every route is in the REST API with the
authorizer the route x role matrix says."""

from __future__ import annotations

from typing import Any

from chalice.utils import to_cfn_resource_name

from chalicelib.core.http import ROUTE_ROLES
from infra import messaging
from infra.codemodel import event_sources, lambda_timeout

from . import cfn

SAM_EVENT = {"schedule": "Schedule", "sqs": "SQS", "sns": "SNS", "s3": "S3", "cloudwatch_event": "CloudWatchEvent"}


def _queue(template: dict[str, Any], value: Any) -> dict[str, Any]:
    logical = cfn.referenced(value)
    assert logical, f"{value} does not point at a resource of the template"
    resource = template["Resources"][logical]
    assert resource["Type"] == "AWS::SQS::Queue"
    return dict(resource["Properties"])


def test_every_handler_is_a_function(templates: dict[str, Any], chalice_app: Any, stage: str) -> None:
    functions = cfn.functions(templates[stage])
    expected = {to_cfn_resource_name(s.name): s for s in event_sources(chalice_app)}
    expected_names = set(expected) | {to_cfn_resource_name(a.name) for a in chalice_app.builtin_auth_handlers}
    if chalice_app.routes:
        expected_names.add("APIHandler")
    assert set(functions) == expected_names
    for logical, source in expected.items():
        events = functions[logical]["Properties"].get("Events", {})
        if source.kind == "lambda":
            assert not events
        else:
            assert [e["Type"] for e in events.values()] == [SAM_EVENT[source.kind]], logical


def test_functions_are_named_traced_and_sized(templates: dict[str, Any], chalice_app: Any, stage: str) -> None:
    functions = cfn.functions(templates[stage])
    for logical, function in functions.items():
        props = function["Properties"]
        assert props["FunctionName"] == f"sampark-{stage}-{logical}"
        assert props["Runtime"] == "python3.11"
        assert props["Tracing"] == "Active"
        assert props["MemorySize"] >= 256
    for source in event_sources(chalice_app):
        assert functions[to_cfn_resource_name(source.name)]["Properties"]["Timeout"] == lambda_timeout(
            stage, source.name)
    # API Gateway gives up at 29 s: the API and its authorizer must answer well before
    synchronous = ["APIHandler", *(to_cfn_resource_name(a.name) for a in chalice_app.builtin_auth_handlers)]
    assert all(functions[f]["Properties"]["Timeout"] < 29 for f in synchronous)


def test_authorizer_runs_with_its_own_minimal_role(templates: dict[str, Any], chalice_app: Any, stage: str) -> None:
    template = templates[stage]
    for auth in chalice_app.builtin_auth_handlers:
        role = cfn.role_of(template, to_cfn_resource_name(auth.name))
        assert role != cfn.role_of(template, "APIHandler")
        actions = {a for s in cfn.statements(template, role) for a in cfn.as_list(s["Action"])}
        assert actions <= {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments",
                           "xray:PutTelemetryRecords"}


def test_asynchronous_functions_retry_then_report_failures(templates: dict[str, Any], chalice_app: Any,
                                                           stage: str) -> None:
    template = templates[stage]
    functions = cfn.functions(template)
    for source in event_sources(chalice_app):
        props = functions[to_cfn_resource_name(source.name)]["Properties"]
        config = props.get("EventInvokeConfig")
        if not source.asynchronous:
            assert config is None, f"{source.name} is not invoked asynchronously"
            continue
        assert config["MaximumRetryAttempts"] == messaging.ASYNC_RETRIES
        assert config["MaximumEventAgeInSeconds"] == messaging.MAX_EVENT_AGE_S
        assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
        _queue(template, config["DestinationConfig"]["OnFailure"]["Destination"])
        for event in props.get("Events", {}).values():
            if event["Type"] in ("Schedule", "CloudWatchEvent"):
                assert event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] == messaging.EVENTBRIDGE_RETRIES
                _queue(template, event["Properties"]["DeadLetterConfig"]["Arn"])
            if event["Type"] == "SNS":
                _queue(template, event["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])


def test_sqs_handlers_read_queues_of_this_stack_with_dead_letter_queues(templates: dict[str, Any], chalice_app: Any,
                                                                       stage: str) -> None:
    template = templates[stage]
    functions = cfn.functions(template)
    for source in event_sources(chalice_app):
        if source.kind != "sqs":
            continue
        (event,) = functions[to_cfn_resource_name(source.name)]["Properties"]["Events"].values()
        queue = _queue(template, event["Properties"]["Queue"])
        # the queue the code names (by stage) is the queue of this stack
        assert queue["QueueName"].startswith(f"sampark-{stage}-")
        assert queue["VisibilityTimeout"] >= 6 * lambda_timeout(stage, source.name)
        redrive = queue["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == messaging.SQS_MAX_RECEIVES
        _queue(template, redrive["deadLetterTargetArn"])


def test_s3_handlers_are_notified_by_buckets_of_this_stack(templates: dict[str, Any], expanded: dict[str, Any],
                                                           chalice_app: Any, stage: str) -> None:
    functions = cfn.functions(templates[stage])
    for source in event_sources(chalice_app):
        if source.kind != "s3":
            continue
        logical = to_cfn_resource_name(source.name)
        (event,) = functions[logical]["Properties"]["Events"].values()
        bucket = cfn.referenced(event["Properties"]["Bucket"])
        assert bucket and templates[stage]["Resources"][bucket]["Type"] == "AWS::S3::Bucket"
        notifications = expanded[stage]["Resources"][bucket]["Properties"]["NotificationConfiguration"]
        assert any(cfn.referenced(n["Function"]) == logical for n in notifications["LambdaConfigurations"])


def test_every_route_is_in_the_api_with_the_authorizer_the_matrix_says(templates: dict[str, Any], chalice_app: Any,
                                                                       stage: str) -> None:
    body = cfn.props(templates[stage], "RestAPI")["DefinitionBody"]
    paths = body["paths"]
    for path, methods in chalice_app.routes.items():
        for method in methods:
            operation = paths[path][method.lower()]
            secured = bool(operation.get("security"))
            assert secured == (ROUTE_ROLES.get((method, path)) is not None), f"{method} {path}"


def test_every_function_logs_to_a_group_with_retention(templates: dict[str, Any], stage: str) -> None:
    groups = {cfn.render(r["Properties"]["LogGroupName"]): r["Properties"].get("RetentionInDays")
              for r in cfn.resources(templates[stage], "AWS::Logs::LogGroup").values()}
    for function in cfn.functions(templates[stage]).values():
        name = function["Properties"]["FunctionName"]
        assert groups.get(f"/aws/lambda/{name}") == (365 if stage == "prod" else 30)
    assert all(groups.values()), "every log group has a retention"
