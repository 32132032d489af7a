"""The REST API stage: gateway responses in the app's error shape, throttling from the load model,
access logs, tracing, the request-body cap and the sign-in rate limit per address at the gateway."""

from __future__ import annotations

import json
import posixpath
from typing import Any
from urllib.parse import unquote

from aws_cdk.assertions import Match, Template

from chalicelib.accounts import rules as sign_in
from chalicelib.core import errors
from chalicelib.core.http import ROUTE_ROLES, STATUS, error_response
from infra.api import GATEWAY_RESPONSES
from infra.codemodel import default_max_body_bytes
from infra.config import default_context, stage_config
from infra.cost import WAF_RULES
from infra.load import DISTRICT, STATE
from infra.stack import LOGIN_PATH

from . import cfn

REQUIRED = {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"}


def _app_error_keys() -> set[str]:
    return set(json.loads(error_response(errors.Forbidden("x")).body)["error"])


def _render_gateway_template(text: str, message: str) -> Any:
    """What API Gateway sends: $context.error.messageString is the message as a JSON string."""
    return json.loads(text.replace("$context.error.messageString", json.dumps(message)))


def test_gateway_responses_carry_the_app_error_shape(templates: dict[str, Any], stage: str) -> None:
    body = cfn.props(templates[stage], "RestAPI")["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert set(responses) >= REQUIRED
    codes_by_status = {status: cls.code for cls, status in STATUS.items()}
    for kind, response in responses.items():
        rendered = _render_gateway_template(response["responseTemplates"]["application/json"], "Unauthorized")
        assert set(rendered) == {"error"} and set(rendered["error"]) == _app_error_keys(), kind
        assert rendered["error"]["message"] == "Unauthorized"
        status = response.get("statusCode")
        if status in codes_by_status:  # the same code the app gives the same status
            assert rendered["error"]["code"] == codes_by_status[status], kind
        assert response["responseParameters"]["gatewayresponse.header.Cache-Control"] == "'no-store'"
    assert responses["UNAUTHORIZED"]["statusCode"] == 401
    assert responses["ACCESS_DENIED"]["statusCode"] == 403
    assert responses["THROTTLED"]["statusCode"] == 429
    assert "gatewayresponse.header.Retry-After" in responses["THROTTLED"]["responseParameters"]
    assert set(GATEWAY_RESPONSES) == set(responses)


def test_gateway_responses_survive_the_sam_transform(expanded: dict[str, Any], stage: str) -> None:
    (api,) = cfn.resources(expanded[stage], "AWS::ApiGateway::RestApi").values()
    assert set(api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]) >= REQUIRED


def test_stage_throttling_follows_the_load_model(expanded: dict[str, Any], stage: str) -> None:
    load = stage_config(stage, default_context()).load
    Template.from_json(expanded[stage]).has_resource_properties("AWS::ApiGateway::Stage", {
        "StageName": "api",
        "TracingEnabled": True,
        "AccessLogSetting": Match.object_like({"Format": Match.string_like_regexp("requestId")}),
        "MethodSettings": [Match.object_like({
            "ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": load.rate_limit,
            "ThrottlingBurstLimit": load.burst_limit, "DataTraceEnabled": False, "LoggingLevel": "ERROR"})],
    })


def test_the_load_model_numbers() -> None:
    """The arithmetic infra/README.md walks through (35 seats, 10,000 calls a day; a state is 30x)."""
    assert round(DISTRICT.average_rps, 2) == 1.07
    assert (DISTRICT.rate_limit, DISTRICT.burst_limit) == (20, 140)
    assert (STATE.rate_limit, STATE.burst_limit) == (545, 4200)
    for load in (DISTRICT, STATE):
        assert load.rate_limit >= 5 * load.peak_rps  # room for retries over patchy 4G
        assert load.burst_limit >= load.seats * 4  # a whole shift signing in at once
        assert load.burst_limit <= 5000  # AWS's regional burst quota for an account


def test_access_logs_hold_no_path_query_or_body(expanded: dict[str, Any], stage: str) -> None:
    (api_stage,) = cfn.resources(expanded[stage], "AWS::ApiGateway::Stage").values()
    fmt = api_stage["Properties"]["AccessLogSetting"]["Format"]
    for leak in ("$context.path", "$input", "querystring", "$context.requestOverride"):
        assert leak not in fmt


def test_request_bodies_are_capped_at_the_gateway(templates: dict[str, Any], stage: str) -> None:
    template = templates[stage]
    (acl_id, acl), = cfn.resources(template, "AWS::WAFv2::WebACL").items()
    props = acl["Properties"]
    (rule,) = [r for r in props["Rules"] if "SizeConstraintStatement" in r["Statement"]]
    size = rule["Statement"]["SizeConstraintStatement"]
    assert size["Size"] == default_max_body_bytes()  # the app's own cap (Settings.max_body_bytes)
    assert size["ComparisonOperator"] == "GT"
    assert size["FieldToMatch"]["Body"]["OversizeHandling"] == "MATCH"
    assert props["AssociationConfig"]["RequestBody"]["API_GATEWAY"]["DefaultSizeInspectionLimit"] == "KB_64"
    assert default_max_body_bytes() <= 64 * 1024
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 413
    body = json.loads(props["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert set(body["error"]) == _app_error_keys() and body["error"]["code"] == errors.PayloadTooLarge.code
    (association,) = cfn.resources(template, "AWS::WAFv2::WebACLAssociation").values()
    assert cfn.referenced(association["Properties"]["WebACLArn"]) == acl_id
    assert "${RestAPI}/stages/api" in cfn.render(association["Properties"]["ResourceArn"])


def _transform(value: str, kind: str) -> str:
    """What WAF's text transformations do to a path, for the few this ACL uses."""
    if kind == "URL_DECODE":
        return unquote(value)
    if kind == "NORMALIZE_PATH":
        normal = posixpath.normpath(value.replace("//", "/"))
        return normal + "/" if value.endswith("/") and normal != "/" else normal
    if kind == "LOWERCASE":
        return value.lower()
    assert kind == "NONE", kind
    return value


def _login_rule(template: dict[str, Any]) -> dict[str, Any]:
    (acl,) = cfn.resources(template, "AWS::WAFv2::WebACL").values()
    (rule,) = [r for r in acl["Properties"]["Rules"] if "RateBasedStatement" in r["Statement"]]
    return dict(rule)


def test_sign_in_is_rate_limited_per_address_at_the_gateway(templates: dict[str, Any], stage: str,
                                                            chalice_app: Any) -> None:
    """A rate-based rule on /auth/login, per source address, in the web ACL on the API stage (the
    association is checked above): blocked with 429 in the app's error shape and a Retry-After."""
    template = templates[stage]
    rule = _login_rule(template)
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"  # the connection's address: a client cannot forge it
    window_s = rate["EvaluationWindowSec"]
    assert rate["Limit"] == sign_in.WAF_LOGIN_LIMIT_PER_5_MIN and window_s == 300
    # Never stricter than the app's own budget per address, and a whole shift behind one office NAT
    # (its seats signing in twice each) passes it.
    assert rate["Limit"] * (sign_in.WINDOW_S / window_s) <= sign_in.SOURCE_ATTEMPT_LIMIT
    assert rate["Limit"] >= 2 * DISTRICT.seats  # one office is one district's call centre
    # The rule counts sign-in requests only, however the path is written.
    match = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"UriPath": {}} and match["PositionalConstraint"] == "CONTAINS"
    assert match["SearchString"] == LOGIN_PATH
    assert ROUTE_ROLES[("POST", LOGIN_PATH)] is None  # the public sign-in route of the app

    def counted(path: str) -> bool:
        for step in sorted(match["TextTransformations"], key=lambda t: t["Priority"]):
            path = _transform(path, step["Type"])
        return match["SearchString"] in path

    for path in ("/api/auth/login", "/api/auth/login/", "/api//auth/%6Cogin", "/api/./auth/LOGIN", "/auth/login"):
        assert counted(path), path
    for path in ("/api/auth/refresh", "/api/auth/new-password", "/api/me", "/api/agents"):
        assert not counted(path), path
    # Blocked: 429 in the app's error shape, the code the app gives its own sign-in throttling.
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": str(window_s)} in response["ResponseHeaders"]
    (acl,) = cfn.resources(template, "AWS::WAFv2::WebACL").values()
    body = json.loads(acl["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert set(body["error"]) >= _app_error_keys() and body["error"]["code"] == "too_many_attempts"
    assert body["error"]["retry_after_s"] == window_s
    assert "नेटवर्क" in body["error"]["message"] and "network" in body["error"]["message"]
    assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    assert len(acl["Properties"]["Rules"]) == WAF_RULES  # what the cost table charges for
