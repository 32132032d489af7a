"""Event sources that `chalice local` does not run.

In AWS an SQS event source mapping invokes the app's `on_sqs_message` functions. Locally nothing
does, so `SqsPump` is a small thread that long-polls a queue on the local moto server and invokes
the same handler function, through the app's middleware, with the event shape AWS sends. A message is
deleted only when the handler returns; one that raises comes back after the queue's visibility
timeout, as in AWS. `drain()` does the same synchronously (tests).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.core.observability import logger


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 256

    def get_remaining_time_in_millis(self) -> int:
        return 25_000


def sqs_event(messages: list[dict[str, Any]], queue_url: str, region: str) -> dict[str, Any]:
    """The event an SQS event source mapping delivers for these received messages."""
    name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1")},
        "messageAttributes": {}, "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),  # as SQS computes it
        "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{region}:000000000000:{name}",
        "awsRegion": region,
    } for m in messages]}


def handler_invoker(function_name: str) -> Callable[[dict[str, Any]], Any]:
    """Call the app's registered function as Lambda would (middleware included)."""
    from app import app

    handler = app.handler_map[function_name]

    def invoke(event: dict[str, Any]) -> Any:
        return handler(event, LambdaContext(function_name, str(uuid.uuid4())))

    return invoke


def receive_and_invoke(sqs: Any, queue_url: str, region: str, invoke: Callable[[dict[str, Any]], Any],
                       wait_s: int = 0) -> int:
    """Receive at most one message (batch size 1, as the trigger), invoke, delete on success.
    Returns the number of messages handled (0 or 1); a failed invocation is logged and left."""
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=wait_s,
                                   AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
    if not received:
        return 0
    try:
        invoke(sqs_event(received, queue_url, region))
    except Exception:
        logger.exception("local event handler failed; the message will come back")
        return 0
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=received[0]["ReceiptHandle"])
    return 1


def drain(sqs: Any, queue_url: str, region: str, invoke: Callable[[dict[str, Any]], Any],
          limit: int = 10_000) -> int:
    """Handle messages until the queue is empty (messages sent by the handler included)."""
    handled = 0
    while handled < limit and receive_and_invoke(sqs, queue_url, region, invoke):
        handled += 1
    return handled


class Pump:
    """A daemon thread of the local stack standing in for an AWS trigger; `halt()` asks it to stop
    without waiting, `stop()` waits a moment for it (a run in progress fails fast once the servers are gone)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _launch(self, run: Callable[[], None], name: str) -> None:
        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def halt(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class SqsPump(Pump):
    def __init__(self, queue_url: str, function_name: str, *, endpoint: str, region: str) -> None:
        super().__init__()
        self.queue_url, self.function_name = queue_url, function_name
        self.endpoint, self.region = endpoint, region
        self.handled = 0

    def start(self) -> SqsPump:
        import boto3

        sqs = boto3.client("sqs", region_name=self.region, endpoint_url=self.endpoint,
                           aws_access_key_id="local", aws_secret_access_key="local")
        invoke = handler_invoker(self.function_name)

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.handled += receive_and_invoke(sqs, self.queue_url, self.region, invoke, wait_s=1)
                except Exception:  # the local server going away while stopping, most often
                    if not self._stop.wait(1):
                        logger.exception("local SQS pump could not poll")

        self._launch(run, f"sqs-pump-{self.function_name}")
        return self


def scheduled_event(region: str) -> dict[str, Any]:
    """The event EventBridge hands a scheduled function."""
    from datetime import UTC, datetime

    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region, "resources": [], "detail": {}}


class SchedulePump(Pump):
    """`chalice local` runs no schedules either: this thread invokes one scheduled function every
    `every_s` seconds (the first time at once), as its EventBridge rule would."""

    def __init__(self, function_name: str, every_s: float, *, region: str) -> None:
        super().__init__()
        self.function_name, self.every_s, self.region = function_name, every_s, region
        self.runs = 0

    def start(self) -> SchedulePump:
        invoke = handler_invoker(self.function_name)

        def run() -> None:
            while not self._stop.is_set():
                try:
                    invoke(scheduled_event(self.region))
                    self.runs += 1
                except Exception:  # the local server going away while stopping, most often
                    if not self._stop.is_set():
                        logger.exception("local schedule %s failed", self.function_name)
                self._stop.wait(self.every_s)

        self._launch(run, f"schedule-{self.function_name}")
        return self
