"""SNS topics, the SES identity and configuration set, and the queues: the ones the app's SQS handlers
read, their dead-letter queues, and the failure queue every asynchronous function reports to."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .codemodel import CodeModel, lambda_timeout
from .config import StageConfig

# Explicit retry counts (the tests read these)
SQS_MAX_RECEIVES = 5  # a message that fails 5 times goes to its queue's DLQ
ASYNC_RETRIES = 2  # Lambda retries a failed asynchronous invocation twice, then the failure queue
EVENTBRIDGE_RETRIES = 3  # EventBridge retries delivering a schedule 3 times, then the failure queue
MAX_EVENT_AGE_S = 3600  # a job older than an hour is stale (every job is keyed on its period)
DLQ_RETENTION = Duration.days(14)


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_") if part)


@dataclass
class Messaging:
    topics: dict[str, sns.Topic]  # by short name: state, central, ops, ses-feedback, and SNS event topics
    source_queues: dict[str, sqs.Queue]  # by queue name: the queues the app's SQS handlers read
    dead_letter_queues: list[sqs.Queue]
    failures: sqs.Queue
    configuration_set: ses.CfnConfigurationSet
    identity: ses.CfnEmailIdentity
    identity_arn: str
    configuration_set_arn: str


def _queue(scope: Construct, logical: str, name: str, **kwargs: object) -> sqs.Queue:
    return sqs.Queue(scope, logical, queue_name=name, encryption=sqs.QueueEncryption.SQS_MANAGED,
                     enforce_ssl=True, **kwargs)  # type: ignore[arg-type]


def _topic(scope: Construct, logical: str, name: str, display: str) -> sns.Topic:
    return sns.Topic(scope, logical, topic_name=name, display_name=display, enforce_ssl=True)


def make_messaging(scope: Construct, model: CodeModel, config: StageConfig) -> Messaging:
    stack = Stack.of(scope)
    account_only = {"StringEquals": {"aws:SourceAccount": stack.account}}

    topics = {
        "district": _topic(scope, "DistrictTopic", f"{config.prefix}-district", "Sampark: district leadership"),
        "state": _topic(scope, "StateTopic", f"{config.prefix}-state", "Sampark: state team"),
        "central": _topic(scope, "CentralTopic", f"{config.prefix}-central", "Sampark: central team"),
        "ops": _topic(scope, "OpsTopic", f"{config.prefix}-ops", "Sampark alarms"),
        "ses-feedback": _topic(scope, "SesFeedbackTopic", f"{config.prefix}-ses-feedback", "Sampark mail bounces"),
    }
    # enforce_ssl gives each topic a policy, which replaces SNS's default one: the services that publish
    # to a topic must now be named there (CloudWatch alarms to ops, SES events to ses-feedback).
    topics["ops"].add_to_resource_policy(iam.PolicyStatement(
        actions=["sns:Publish"], principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        resources=[topics["ops"].topic_arn], conditions=account_only))
    topics["ses-feedback"].add_to_resource_policy(iam.PolicyStatement(
        actions=["sns:Publish"], principals=[iam.ServicePrincipal("ses.amazonaws.com")],
        resources=[topics["ses-feedback"].topic_arn], conditions=account_only))
    # every SAMPARK_<WORD>_TOPIC_ARN setting names a topic <word> (district, for the district team's summaries)
    for var in model.required_env:
        word = var.removeprefix("SAMPARK_").removesuffix("_TOPIC_ARN").lower().replace("_", "-")
        if var.endswith("_TOPIC_ARN") and word not in topics:
            topics[word] = _topic(scope, f"{camel(word)}Topic", f"{config.prefix}-{word}", f"Sampark: {word}")
    for key, emails in config.subscribers.items():
        if key not in topics:
            raise ValueError(f"sampark:{config.stage}.{key}_emails: there is no topic {key!r} ({sorted(topics)})")
        for email in emails:
            topics[key].add_subscription(subscriptions.EmailSubscription(email))

    failures = _queue(scope, "AsyncFailures", f"{config.prefix}-async-failures", retention_period=DLQ_RETENTION)
    # EventBridge (schedules) and SNS (subscriptions) deliver what they could not hand to Lambda here;
    # Lambda's own on-failure destination sends with the function's role.
    failures.add_to_resource_policy(iam.PolicyStatement(
        actions=["sqs:SendMessage"], resources=[failures.queue_arn],
        principals=[iam.ServicePrincipal("events.amazonaws.com"), iam.ServicePrincipal("sns.amazonaws.com")],
        conditions=account_only))
    dead_letter_queues = [failures]
    source_queues: dict[str, sqs.Queue] = {}
    for source in model.event_sources:
        if source.kind == "sqs" and not source.is_arn and source.target and source.target not in source_queues:
            name = source.target
            dlq = _queue(scope, f"Queue{camel(name)}Dlq", f"{name}-dlq", retention_period=DLQ_RETENTION)
            source_queues[name] = _queue(
                scope, f"Queue{camel(name)}", name,
                # AWS's advice for a Lambda event source: visibility at least 6x the function's timeout
                visibility_timeout=Duration.seconds(6 * lambda_timeout(model.stage, source.name)),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=SQS_MAX_RECEIVES),
            )
            dead_letter_queues.append(dlq)
        if source.kind == "sns" and not source.is_arn and source.target:
            key = source.target
            # a handler on one of the stack's own topics (e.g. SES feedback) subscribes to it, not to a twin
            own = {f"{config.prefix}-{short}" for short in topics}
            if key not in topics and key not in own:
                topics[key] = _topic(scope, f"Topic{camel(key)}", key, f"Sampark events: {key}")

    configuration_set = ses.CfnConfigurationSet(
        scope, "MailConfigurationSet", name=f"{config.prefix}-mail",
        reputation_options=ses.CfnConfigurationSet.ReputationOptionsProperty(reputation_metrics_enabled=True),
        sending_options=ses.CfnConfigurationSet.SendingOptionsProperty(sending_enabled=True),
        delivery_options=ses.CfnConfigurationSet.DeliveryOptionsProperty(tls_policy="REQUIRE"),
        suppression_options=ses.CfnConfigurationSet.SuppressionOptionsProperty(
            suppressed_reasons=["BOUNCE", "COMPLAINT"]),
    )
    destination = ses.CfnConfigurationSetEventDestination(
        scope, "MailFeedback", configuration_set_name=f"{config.prefix}-mail",
        event_destination=ses.CfnConfigurationSetEventDestination.EventDestinationProperty(
            name="bounces-and-complaints", enabled=True,
            matching_event_types=["bounce", "complaint", "reject", "renderingFailure"],
            sns_destination=ses.CfnConfigurationSetEventDestination.SnsDestinationProperty(
                topic_arn=topics["ses-feedback"].topic_arn),
        ),
    )
    destination.node.add_dependency(configuration_set)
    is_domain = "@" not in config.ses_identity
    identity = ses.CfnEmailIdentity(
        scope, "MailIdentity", email_identity=config.ses_identity,
        configuration_set_attributes=ses.CfnEmailIdentity.ConfigurationSetAttributesProperty(
            configuration_set_name=f"{config.prefix}-mail"),
        dkim_signing_attributes=ses.CfnEmailIdentity.DkimSigningAttributesProperty(
            next_signing_key_length="RSA_2048_BIT") if is_domain else None,
        feedback_attributes=ses.CfnEmailIdentity.FeedbackAttributesProperty(email_forwarding_enabled=True),
    )
    identity.node.add_dependency(configuration_set)
    return Messaging(
        topics=topics, source_queues=source_queues, dead_letter_queues=dead_letter_queues, failures=failures,
        configuration_set=configuration_set, identity=identity,
        identity_arn=stack.format_arn(service="ses", resource="identity", resource_name=config.ses_identity),
        configuration_set_arn=stack.format_arn(service="ses", resource="configuration-set",
                                               resource_name=f"{config.prefix}-mail"),
    )
