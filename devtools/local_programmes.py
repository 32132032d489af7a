"""Programmes on the local stack: `chalice local` runs no SNS subscriptions, so the runner subscribes a
queue to the programmes topic (as SNS would deliver to a Lambda) and a pump hands each message to the
same `programme_published` function, with the SNS event shape AWS sends. Publishing locally is then
what the central office does in AWS:

    aws --endpoint-url http://127.0.0.1:5001 sns publish --topic-arn <printed at start> --message '{...}'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .local_events import SqsPump, handler_invoker, receive_and_invoke

INBOX = "sampark-local-programmes-inbox"


def _client(service: str, endpoint: str | None, region: str) -> Any:
    import boto3

    if endpoint is None:  # in-process moto (tests)
        return boto3.client(service, region_name=region)
    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id="local",
                        aws_secret_access_key="local")


def create_programme_resources(endpoint: str | None, region: str) -> tuple[str, str]:
    """The programmes topic (named as the handler's subscription) and a queue subscribed to it."""
    from chalicelib.relay.routes import PROGRAMME_TOPIC

    sns, sqs = _client("sns", endpoint, region), _client("sqs", endpoint, region)
    topic_arn = sns.create_topic(Name=PROGRAMME_TOPIC)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=INBOX, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


def sns_event(sqs_event: dict[str, Any]) -> dict[str, Any]:
    """The SNS event Lambda would get for the notification an SQS subscription received."""
    envelope = json.loads(sqs_event["Records"][0]["body"])
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": f"{envelope.get('TopicArn', '')}:local",
        "Sns": {"Type": envelope.get("Type", "Notification"), "MessageId": envelope["MessageId"],
                "TopicArn": envelope.get("TopicArn"), "Subject": envelope.get("Subject"),
                "Message": envelope["Message"], "Timestamp": envelope.get("Timestamp"),
                "MessageAttributes": envelope.get("MessageAttributes") or {}},
    }]}


def as_sns(invoke: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    return lambda event: invoke(sns_event(event))


class ProgrammePump(SqsPump):
    """An SqsPump whose messages are SNS notifications, handed over as SNS events."""

    def start(self) -> ProgrammePump:
        sqs = _client("sqs", self.endpoint, self.region)
        invoke = as_sns(handler_invoker(self.function_name))

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.handled += receive_and_invoke(sqs, self.queue_url, self.region, invoke, wait_s=1)
                except Exception:  # the local server going away while stopping, most often
                    if not self._stop.wait(1):
                        from chalicelib.core.observability import logger

                        logger.exception("local programme pump could not poll")

        self._launch(run, "sqs-pump-programmes")
        return self
