"""One stack per stage (`sampark-dev`, `sampark-prod`): everything Sampark needs in an AWS account."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from chalicelib.accounts import rules as sign_in

from . import messaging as msg
from .alarms import Alarms
from .api import (
    ACCESS_LOG_FORMAT,
    API_HANDLER,
    API_STAGE,
    REST_API,
    ChaliceApp,
    gateway_responses,
)
from .codemodel import ROOT, CodeModel
from .config import StageConfig
from .data import make_tables
from .environment import resolve
from .identity import make_identity
from .policy import Grants, grant_app, grant_logs_and_traces, lambda_role

LAMBDA_MEMORY_MB = 512  # cold starts with cryptography and Powertools are ~3x faster than at 128 MB
BULK_OBJECT_DAYS = 30  # imports and exports are working files: gone after 30 days
LOGIN_PATH = "/auth/login"  # the route the WAF's rate rule watches
LOGIN_RATE_WINDOW_S = 300  # the WAF rate rule's window: sign-in requests per address per 5 minutes


def _queue_name(arn: Any) -> str | None:
    """The queue or topic name at the end of chalice's `Fn::Sub` ARN."""
    if isinstance(arn, dict) and isinstance(arn.get("Fn::Sub"), str):
        return str(arn["Fn::Sub"]).rsplit(":", 1)[-1]
    return None


class SamparkStack(Stack):
    def __init__(self, scope: Construct, model: CodeModel, config: StageConfig, **kwargs: Any) -> None:
        # chalice.cdk names the Chalice stage after the construct's scope: the stack's id is the stage.
        super().__init__(scope, model.stage, stack_name=config.prefix,
                         description=f"Sampark outreach call centre, stage {model.stage}", **kwargs)
        self.model, self.config = model, config
        self.tables = make_tables(self, model, config)
        self.identity = make_identity(self, model, config)
        self.messaging = msg.make_messaging(self, model, config)
        self.buckets = self._buckets()
        self.alarms = Alarms(self, self.messaging.topics["ops"])

        self.app_role = lambda_role(self, "AppRole", "Sampark API and jobs: only what the code calls")
        self.authorizer_role = lambda_role(self, "AuthorizerRole", "Sampark JWT authorizer: logs and traces only")
        environment = resolve(model, config, self.identity, self.messaging, self.bucket_names)
        self.chalice = ChaliceApp(self, "Chalice", source_dir=str(ROOT), stage_config={
            "autogen_policy": False,
            "manage_iam_role": False,
            "iam_role_arn": self.app_role.role_arn,
            "environment_variables": environment,
            "xray": True,
            "lambda_memory_size": LAMBDA_MEMORY_MB,
        })
        self.function_names = self._finish_functions()
        self._finish_api()
        self._grant(environment)
        self._watch()
        self._outputs()

    # ---- resources the handlers name -----------------------------------------------------------

    def _buckets(self) -> dict[str, s3.Bucket]:
        """One bucket per bucket an @on_s3_event handler names (and per SAMPARK_<WORD>_BUCKET setting), named
        <name>-<account id>: bucket names are global, and a second deployment must not collide."""
        names = [s.target for s in self.model.event_sources if s.kind == "s3" and s.target]
        for var in self.model.required_env:
            if var.endswith("_BUCKET"):
                word = var.removeprefix("SAMPARK_").removesuffix("_BUCKET").lower().replace("_", "-")
                if not any(n.endswith(f"-{word}") for n in names):
                    names.append(f"{self.config.prefix}-{word}")
        buckets = {}
        # The functions get the name, not a Ref: S3 notifies a function that must already exist, so a Ref
        # from the function back to its bucket would be a dependency cycle.
        self.bucket_names = {name: Fn.join("-", [name, self.account]) for name in dict.fromkeys(names)}
        for name, physical in self.bucket_names.items():
            buckets[name] = s3.Bucket(
                self, f"Bucket{msg.camel(name)}", bucket_name=physical,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL, encryption=s3.BucketEncryption.S3_MANAGED,
                enforce_ssl=True, object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(BULK_OBJECT_DAYS),
                                                  abort_incomplete_multipart_upload_after=Duration.days(1))],
                # the mobile client uploads and downloads with presigned URLs, straight from the browser
                cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                                  allowed_origins=["*"], allowed_headers=["*"], exposed_headers=["ETag"],
                                  max_age=3600)],
                removal_policy=RemovalPolicy.RETAIN if self.config.is_prod else RemovalPolicy.DESTROY,
            )
        return buckets

    # ---- the functions chalice packaged -------------------------------------------------------------

    def _finish_functions(self) -> dict[str, str]:
        """Name every function, give it retries and a failure destination, and wire its event source to
        this stack's queue, topic or bucket. Returns {logical id: function name}."""
        authorizers = {to_cfn_resource_name(name) for name in self.model.authorizers}
        failures = self.messaging.failures
        on_failure = {
            "MaximumEventAgeInSeconds": msg.MAX_EVENT_AGE_S,
            "MaximumRetryAttempts": msg.ASYNC_RETRIES,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": failures.queue_arn}},
        }
        names = {}
        for logical, resource in sorted(self.chalice.functions().items()):
            function = self.chalice.resource(logical)
            name = f"{self.config.prefix}-{logical}"
            names[logical] = name
            function.add_property_override("FunctionName", name)
            # the log group exists before the function does (chalice's own log_retention_in_days names the
            # API handler's group wrongly in SAM templates), with the stage's retention
            logs.LogGroup(self, f"{logical}Logs", log_group_name=f"/aws/lambda/{name}",
                          retention=_retention(self.config.log_retention_days),
                          removal_policy=RemovalPolicy.DESTROY)
            if logical in authorizers:
                function.add_property_override("Role", self.authorizer_role.role_arn)
            events = resource["Properties"].get("Events", {})
            asynchronous = not events and logical != API_HANDLER and logical not in authorizers
            for event_name, event in events.items():
                path = f"Events.{event_name}.Properties"
                kind, props = event["Type"], event["Properties"]
                if kind == "SQS":
                    queue_name = _queue_name(props["Queue"])
                    if queue_name in self.messaging.source_queues:
                        function.add_property_override(f"{path}.Queue",
                                                       self.messaging.source_queues[queue_name].queue_arn)
                elif kind == "SNS":
                    asynchronous = True
                    topic_name = _queue_name(props["Topic"])
                    if topic_name in self.messaging.topics:
                        function.add_property_override(f"{path}.Topic", self.messaging.topics[topic_name].topic_arn)
                    function.add_property_override(f"{path}.RedrivePolicy", {"deadLetterTargetArn": failures.queue_arn})
                elif kind == "S3":
                    asynchronous = True
                    function.add_property_override(f"{path}.Bucket", {"Ref": self.get_logical_id(
                        self.buckets[props["Bucket"]].node.default_child)})  # type: ignore[arg-type]
                elif kind in ("Schedule", "CloudWatchEvent"):
                    asynchronous = True
                    function.add_property_override(f"{path}.DeadLetterConfig", {"Arn": failures.queue_arn})
                    function.add_property_override(f"{path}.RetryPolicy", {
                        "MaximumRetryAttempts": msg.EVENTBRIDGE_RETRIES,
                        "MaximumEventAgeInSeconds": msg.MAX_EVENT_AGE_S})
                else:
                    raise ValueError(f"{logical}: infra does not handle {kind} events yet")
            if asynchronous:
                function.add_property_override("EventInvokeConfig", on_failure)
        return names

    # ---- the REST API -----------------------------------------------------------------------------

    def _finish_api(self) -> None:
        load, prefix = self.config.load, self.config.prefix
        rest = self.chalice.resource(REST_API)
        rest.add_property_override("Name", prefix)
        rest.add_property_override("DefinitionBody.info.title", prefix)
        rest.add_property_override("DefinitionBody.x-amazon-apigateway-gateway-responses", gateway_responses())
        rest.add_property_override("TracingEnabled", True)
        rest.add_property_override("MethodSettings", [{
            "ResourcePath": "/*", "HttpMethod": "*",
            "ThrottlingRateLimit": load.rate_limit, "ThrottlingBurstLimit": load.burst_limit,
            "LoggingLevel": "ERROR", "DataTraceEnabled": False, "MetricsEnabled": False,
        }])
        retention = _retention(self.config.log_retention_days)
        access_logs = logs.LogGroup(self, "ApiAccessLogs", log_group_name=f"/aws/apigateway/{prefix}-access",
                                    retention=retention, removal_policy=RemovalPolicy.DESTROY)
        logs.LogGroup(self, "ApiExecutionLogs", retention=retention, removal_policy=RemovalPolicy.DESTROY,
                      log_group_name=Fn.sub("API-Gateway-Execution-Logs_${" + REST_API + "}/" + API_STAGE))
        rest.add_property_override("AccessLogSetting", {
            "DestinationArn": self.format_arn(service="logs", resource="log-group",
                                              resource_name=access_logs.log_group_name,
                                              arn_format=ArnFormat.COLON_RESOURCE_NAME),
            "Format": ACCESS_LOG_FORMAT,
        })
        # API Gateway writes its logs with one role per account and region (an account setting). It is kept
        # when the stack goes: another stage or API in the account may rely on it.
        push_role = iam.Role(self, "ApiGatewayLogsRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                             managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                                 "service-role/AmazonAPIGatewayPushToCloudWatchLogs")])
        push_role.apply_removal_policy(RemovalPolicy.RETAIN)
        account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=push_role.role_arn)
        account.apply_removal_policy(RemovalPolicy.RETAIN)
        rest.node.add_dependency(account)
        if self.config.waf:
            self._firewall()

    def _firewall(self) -> None:
        """A regional web ACL on the API stage: the request-body cap at the gateway (the app's own limit,
        answered 413 in the app's error shape before a Lambda runs), AWS's known-bad-inputs rules, and a
        rate limit per source address on sign-in (429 in the app's error shape)."""
        prefix, cap = self.config.prefix, self.model.max_body_bytes
        too_large = json.dumps({"error": {"code": "payload_too_large", "field": None,
                                          "message": f"request body is larger than {cap} bytes"}})
        too_many = json.dumps({"error": {
            "code": "too_many_attempts", "field": None, "retry_after_s": LOGIN_RATE_WINDOW_S,
            "message": "too many sign-in attempts from this network: wait 5 minutes and try again "
                       "(इस नेटवर्क से बहुत बार साइन-इन की कोशिश हुई: 5 मिनट बाद फिर कोशिश करें)"}})

        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True)

        acl = wafv2.CfnWebACL(
            self, "ApiFirewall", name=f"{prefix}-api", scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility(f"{prefix}-api"),
            # inspect bodies up to 64 KB (the default is 16 KB), so the cap can be the app's own
            association_config=wafv2.CfnWebACL.AssociationConfigProperty(request_body={
                "API_GATEWAY": wafv2.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(
                    default_size_inspection_limit="KB_64")}),
            custom_response_bodies={
                "payload_too_large": wafv2.CfnWebACL.CustomResponseBodyProperty(content_type="APPLICATION_JSON",
                                                                                content=too_large),
                "too_many_attempts": wafv2.CfnWebACL.CustomResponseBodyProperty(content_type="APPLICATION_JSON",
                                                                                content=too_many)},
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="body-size-cap", priority=0, visibility_config=visibility(f"{prefix}-body-size-cap"),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                                body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")),
                            comparison_operator="GT", size=cap,
                            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0,
                                                                                              type="NONE")])),
                    action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty(
                        custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                            response_code=413, custom_response_body_key="payload_too_large")))),
                wafv2.CfnWebACL.RuleProperty(
                    name="known-bad-inputs", priority=1, visibility_config=visibility(f"{prefix}-known-bad-inputs"),
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name="AWSManagedRulesKnownBadInputsRuleSet"))),
                # Every request to the sign-in route counts, per source address, over 5 minutes: a third of
                # the app's own budget per address (accounts/rules.py), so the app's counters stay the
                # precise limit and this one takes the flood off the Lambda and DynamoDB. The path is
                # decoded and normalised first, so /api//auth/%6Cogin counts too.
                wafv2.CfnWebACL.RuleProperty(
                    name="login-rate", priority=2, visibility_config=visibility(f"{prefix}-login-rate"),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP", limit=sign_in.WAF_LOGIN_LIMIT_PER_5_MIN,
                            evaluation_window_sec=LOGIN_RATE_WINDOW_S,
                            scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                                byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                                    positional_constraint="CONTAINS", search_string=LOGIN_PATH,
                                    text_transformations=[
                                        wafv2.CfnWebACL.TextTransformationProperty(priority=i, type=kind)
                                        for i, kind in enumerate(("URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"))],
                                )))),
                    action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty(
                        custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                            response_code=429, custom_response_body_key="too_many_attempts",
                            response_headers=[wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                                name="Retry-After", value=str(LOGIN_RATE_WINDOW_S))])))),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "ApiFirewallAssociation", web_acl_arn=acl.attr_arn,
            resource_arn=Fn.sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${" + REST_API
                                + "}/stages/" + API_STAGE)).add_override("DependsOn", [f"{REST_API}{API_STAGE}Stage"])
        # Log only what the firewall blocks, without the Authorization header.
        waf_logs = logs.LogGroup(self, "ApiFirewallLogs", log_group_name=f"aws-waf-logs-{prefix}",
                                 retention=_retention(self.config.log_retention_days),
                                 removal_policy=RemovalPolicy.DESTROY)
        wafv2.CfnLoggingConfiguration(
            self, "ApiFirewallLogging", resource_arn=acl.attr_arn,
            log_destination_configs=[self.format_arn(service="logs", resource="log-group",
                                                     resource_name=waf_logs.log_group_name,
                                                     arn_format=ArnFormat.COLON_RESOURCE_NAME)],
            redacted_fields=[wafv2.CfnLoggingConfiguration.FieldToMatchProperty(
                single_header={"Name": "authorization"})],
            logging_filter={"DefaultBehavior": "DROP", "Filters": [{
                "Behavior": "KEEP", "Requirement": "MEETS_ANY",
                "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}]}]},
        )

    # ---- IAM ----------------------------------------------------------------------------------------

    def _grant(self, environment: dict[str, Any]) -> None:
        authorizers = {to_cfn_resource_name(name) for name in self.model.authorizers}
        app_functions = [n for logical, n in self.function_names.items() if logical not in authorizers]
        auth_functions = [n for logical, n in self.function_names.items() if logical in authorizers]
        grant_logs_and_traces(self.app_role, self, app_functions)
        grant_logs_and_traces(self.authorizer_role, self, auth_functions)
        named = set(environment)
        send_queues: list[sqs.IQueue] = [self.messaging.failures]  # Lambda's on-failure destination
        queues = {**self.messaging.source_queues}
        for var, value in environment.items():
            if var.endswith("_QUEUE_URL"):
                send_queues += [q for q in queues.values() if q.queue_url == value]
        consume: list[sqs.IQueue] = list(self.messaging.source_queues.values())
        for source in self.model.event_sources:
            if source.kind == "sqs" and source.is_arn and source.target:
                consume.append(sqs.Queue.from_queue_arn(self, f"External{msg.camel(source.name)}", source.target))
        topics = [t for t in (self._topic_for(environment[v]) for v in sorted(named) if v.endswith("_TOPIC_ARN"))
                  if t is not None]
        grant_app(self.app_role, Grants(
            tables=[(self.tables[spec.base_name], [i.name for i in spec.indexes]) for spec in self.model.tables],
            send_queues=list(dict.fromkeys(send_queues)), consume_queues=consume, topics=topics,
            buckets=list(self.buckets.values()), user_pools=[self.identity.pool.user_pool_arn],
            mail_resources=[self.messaging.identity_arn, self.messaging.configuration_set_arn]
            if any(v.endswith(("_SENDER", "_FROM", "_FROM_ADDRESS")) for v in named) else [],
            sender=self.config.sender, sends_sms=_sends_sms(),
        ))

    def _topic_for(self, value: Any) -> Any:
        return next((t for t in self.messaging.topics.values() if t.topic_arn == value), None)

    # ---- alarms and outputs ---------------------------------------------------------------------------

    def _watch(self) -> None:
        for logical, name in self.function_names.items():
            self.alarms.function(logical, name)
        self.alarms.api(self.config.prefix, API_STAGE)
        for base, table in self.tables.items():
            self.alarms.table(f"Table{msg.camel(base)}", table)
        for queue in self.messaging.dead_letter_queues:
            self.alarms.dead_letters(self.get_logical_id(queue.node.default_child), queue)  # type: ignore[arg-type]
        self.alarms.mail()

    def _outputs(self) -> None:
        CfnOutput(self, "UserPoolId", value=self.identity.pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.identity.client.user_pool_client_id)
        for key in ("state", "central", "ops", "ses-feedback"):
            CfnOutput(self, f"{msg.camel(key)}TopicArn", value=self.messaging.topics[key].topic_arn)
        for name, bucket in self.buckets.items():
            CfnOutput(self, f"{msg.camel(name)}BucketName", value=bucket.bucket_name)
        if "@" not in self.config.ses_identity:  # a domain: three CNAME records prove it and sign with DKIM
            for i in (1, 2, 3):
                CfnOutput(self, f"DkimRecord{i}", value=Fn.join(" CNAME ", [
                    self.messaging.identity.get_att(f"DkimDNSTokenName{i}").to_string(),
                    self.messaging.identity.get_att(f"DkimDNSTokenValue{i}").to_string()]))


def _retention(days: int) -> logs.RetentionDays:
    return {30: logs.RetentionDays.ONE_MONTH, 90: logs.RetentionDays.THREE_MONTHS,
            365: logs.RetentionDays.ONE_YEAR}[days]


def _sends_sms() -> bool:
    """Whether any store or adapter publishes to a phone number (PhoneNumber=) through SNS."""
    pattern = re.compile(r"\.publish\([^)]*PhoneNumber\s*=", re.S)
    return any(pattern.search(path.read_text(encoding="utf-8")) for path in (ROOT / "chalicelib").rglob("*.py"))
