"""The Chalice app as CDK resources: `chalice package` runs at synth time (through chalice.cdk), and the
packaged SAM template is then finished here: function names, retries and failure destinations, event
sources wired to this stack's queues, topics and buckets, and the REST API's stage settings (throttling,
access logs, tracing, gateway responses in the app's error shape)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk import CfnResource
from chalice.cdk import Chalice

from . import package

# How chalice names the REST API's function and the API itself in its SAM template.
API_HANDLER = "APIHandler"
REST_API = "RestAPI"
API_STAGE = "api"


@contextlib.contextmanager
def _s3_events_as_sam() -> Iterator[None]:
    """`chalice package` refuses @on_s3_event, because CloudFormation cannot add notifications to a bucket
    made elsewhere. This stack makes the bucket itself, so the event is emitted as a SAM S3 event naming
    the bucket; infra/stack.py then points it at the bucket resource (SAM needs a Ref in the template)."""
    from chalice.package import SAMTemplateGenerator

    def generate(self: Any, resource: Any, template: dict[str, Any]) -> None:
        from chalice.utils import to_cfn_resource_name

        function = template["Resources"][to_cfn_resource_name(resource.lambda_function.resource_name)]
        rules = [{"Name": kind, "Value": value}
                 for kind, value in (("prefix", resource.prefix), ("suffix", resource.suffix)) if value]
        properties: dict[str, Any] = {"Bucket": resource.bucket, "Events": resource.events}
        if rules:
            properties["Filter"] = {"S3Key": {"Rules": rules}}
        event_name = self._register_cfn_resource_name(resource.resource_name)
        function["Properties"]["Events"] = {event_name: {"Type": "S3", "Properties": properties}}

    original = SAMTemplateGenerator._generate_s3bucketnotification
    setattr(SAMTemplateGenerator, "_generate_s3bucketnotification", generate)  # noqa: B010
    try:
        yield
    finally:
        setattr(SAMTemplateGenerator, "_generate_s3bucketnotification", original)  # noqa: B010


class ChaliceApp(Chalice):  # type: ignore[misc]
    """chalice.cdk's construct, packaging S3 events too and leaving out what the runtime provides."""

    package_report: dict[str, Any]

    def _package_app(self) -> None:
        with _s3_events_as_sam():
            super()._package_app()
        self.package_report = package.slim(Path(self._sam_package_dir) / "deployment.zip")

    @property
    def sam(self) -> dict[str, Any]:
        """The packaged SAM template as chalice wrote it (before the overrides made here)."""
        return dict(json.loads((Path(self._sam_package_dir) / "sam.json").read_text(encoding="utf-8")))

    def functions(self) -> dict[str, dict[str, Any]]:
        return {name: resource for name, resource in self.sam["Resources"].items()
                if resource["Type"] == "AWS::Serverless::Function"}

    def resource(self, logical_id: str) -> CfnResource:
        resource: CfnResource = self.get_resource(logical_id)
        return resource


def error_template(code: str) -> str:
    """A gateway response body in the app's error shape; API Gateway fills in its own message."""
    return '{"error": {"code": "' + code + '", "message": $context.error.messageString, "field": null}}'


# API Gateway's own refusals (before the app runs), in the app's error shape. Without a statusCode the
# original status is kept (DEFAULT_4XX / DEFAULT_5XX cover every other type).
GATEWAY_RESPONSES: dict[str, tuple[int | None, str]] = {
    "UNAUTHORIZED": (401, "unauthorized"),
    "ACCESS_DENIED": (403, "forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found"),  # what API Gateway says for an unknown route
    "THROTTLED": (429, "too_many_requests"),
    "QUOTA_EXCEEDED": (429, "too_many_requests"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type"),
    "DEFAULT_4XX": (None, "invalid"),
    "DEFAULT_5XX": (None, "unavailable"),
}


def gateway_responses() -> dict[str, Any]:
    responses = {}
    for kind, (status, code) in GATEWAY_RESPONSES.items():
        headers = {"gatewayresponse.header.Cache-Control": "'no-store'"}
        if status == 429 or kind == "DEFAULT_5XX":
            headers["gatewayresponse.header.Retry-After"] = "'2'"
        response: dict[str, Any] = {"responseParameters": headers,
                                    "responseTemplates": {"application/json": error_template(code)}}
        if status:
            response["statusCode"] = status
        responses[kind] = response
    return responses


ACCESS_LOG_FORMAT = json.dumps({
    # no path parameters, query strings or bodies: nothing here can carry a phone number
    "requestId": "$context.requestId", "time": "$context.requestTime", "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod", "route": "$context.resourcePath", "status": "$context.status",
    "bytes": "$context.responseLength", "latencyMs": "$context.responseLatency",
    "integrationMs": "$context.integrationLatency", "user": "$context.authorizer.principalId",
    "error": "$context.error.message", "waf": "$context.waf.status",
}, separators=(",", ":"))
