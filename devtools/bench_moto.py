"""An in-process moto account for the benchmarks, set up as the API tests set theirs up
(tests/api/conftest.py): the tables from the app's registry, the queues, the bulk bucket, the topics,
and the settings naming them. No user pool logins: the benchmarks call the services directly."""

from __future__ import annotations

import os
import resource
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REGION = "ap-south-1"


def clean_env() -> dict[str, str]:
    """This environment without AWS or Sampark settings (a local stack started earlier sets them)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAMPARK_"))}


@contextmanager
def moto_account() -> Iterator[None]:
    import boto3
    from moto import mock_aws

    for key in [k for k in os.environ if k.startswith(("AWS_", "SAMPARK_"))]:
        del os.environ[key]
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION,
                      POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_METRICS_DISABLED="true")
    with mock_aws():
        from chalicelib.core import db
        from chalicelib.core.clients import reset_clients
        from chalicelib.core.settings import reset_settings
        from devtools.provision import create_pool, create_tables

        pool = create_pool(boto3.client("cognito-idp", region_name=REGION), "sampark-bench")
        sender = "sampark@example.org"
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=sender)
        sqs = boto3.client("sqs", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="sampark-dev-bulk", CreateBucketConfiguration={"LocationConstraint": REGION})
        sns = boto3.client("sns", region_name=REGION)
        os.environ.update({
            "SAMPARK_STAGE": "dev", "SAMPARK_TABLE_PREFIX": "sampark-bench",
            "SAMPARK_USER_POOL_ID": pool.pool_id, "SAMPARK_USER_POOL_CLIENT_ID": pool.client_id,
            "SAMPARK_SES_SENDER": sender,
            "SAMPARK_ACTIVATION_QUEUE_URL": sqs.create_queue(QueueName="sampark-dev-campaign-activation")["QueueUrl"],
            "SAMPARK_BULK_BUCKET": "sampark-dev-bulk",
            "SAMPARK_BULK_QUEUE_URL": sqs.create_queue(QueueName="sampark-dev-bulk")["QueueUrl"],
            **{f"SAMPARK_{w.upper()}_TOPIC_ARN": sns.create_topic(Name=f"sampark-dev-{w}")["TopicArn"]
               for w in ("district", "state", "central", "ops")},
        })
        reset_settings()
        reset_clients()
        db.bind()
        create_tables()
        yield


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    """Count the DynamoDB calls made inside the block, as `operation table` (the last part of the name)."""
    import botocore.client

    seen: Counter[str] = Counter()
    inner = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            for table in params.get("RequestItems") or {params.get("TableName", "?"): None}:
                seen[f"{operation} {table.rsplit('-', 1)[-1]}"] += 1
        return inner(self, operation, params)

    botocore.client.BaseClient._make_api_call = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        botocore.client.BaseClient._make_api_call = inner  # type: ignore[method-assign]


def rss_mb() -> float:
    """Peak resident memory of this process so far: VmHWM, which starts afresh at exec (ru_maxrss also
    counts the parent's resident memory at the fork), else ru_maxrss (KB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def traced(work: Callable[[], Any]) -> tuple[Any, float]:
    """Run `work` and return its result and the peak of Python memory allocated during it, in MB."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, round(peak / 1024 / 1024, 1)
