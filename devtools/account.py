"""The one builder of a Sampark account outside AWS: what the app needs, made from the app's own
definitions, in moto (in-process for the api tests and the benchmarks, moto's server for the local stack).

* the Cognito user pool with its role groups and web client (devtools/provision.py);
* the verified SES sender, the activation and bulk queues, the bulk bucket, the four digest topics,
  named as infra/ names them for the stage;
* the settings that name them (`Account.env`), and then, with `create_tables`, every store's tables.

Used by tests/api/conftest.py (once per test process, copied into each test's mock), the benchmarks
(bench/moto_account.py) and `make run` (devtools/local_stack.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.campaigns.queues import activation_queue_name
from chalicelib.imports.blobs import bulk_bucket_name, bulk_queue_name

from .provision import Pool, create_pool

REGION = "ap-south-1"
TOPICS = ("district", "state", "central", "ops")  # digest audiences and operations alerts

# A boto3 client for a service name, bound to the account (region, endpoint, credentials).
ClientFor = Callable[[str], Any]


@dataclass(frozen=True)
class Account:
    env: dict[str, str]  # SAMPARK_* settings naming what was made
    pool: Pool
    cognito: Any = field(repr=False)


def queue_names(stage: str) -> tuple[str, str]:
    """The activation queue and the bulk queue of a stage."""
    return activation_queue_name(stage), bulk_queue_name(stage)


def create_queues(sqs: Any, stage: str, attributes: dict[str, str] | None = None) -> tuple[str, str]:
    """The activation and bulk queues (created again at the same URLs when they exist): their URLs."""
    return tuple(sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]  # type: ignore[return-value]
                 for name in queue_names(stage))


def create_account(client: ClientFor, *, stage: str, table_prefix: str, ses_sender: str,
                   queue_attributes: dict[str, str] | None = None, region: str = REGION) -> Account:
    """Everything but the tables (they need the settings bound first: `create_tables`)."""
    cognito = client("cognito-idp")
    pool = create_pool(cognito, table_prefix)
    client("ses").verify_email_identity(EmailAddress=ses_sender)
    activation, bulk = create_queues(client("sqs"), stage, queue_attributes)
    bucket = bulk_bucket_name(stage)
    client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    sns = client("sns")
    topics = {f"SAMPARK_{word.upper()}_TOPIC_ARN": sns.create_topic(Name=f"sampark-{stage}-{word}")["TopicArn"]
              for word in TOPICS}
    env = {"SAMPARK_STAGE": stage, "SAMPARK_TABLE_PREFIX": table_prefix,
           "SAMPARK_USER_POOL_ID": pool.pool_id, "SAMPARK_USER_POOL_CLIENT_ID": pool.client_id,
           "SAMPARK_SES_SENDER": ses_sender, "SAMPARK_ACTIVATION_QUEUE_URL": activation,
           "SAMPARK_BULK_BUCKET": bucket, "SAMPARK_BULK_QUEUE_URL": bulk, **topics}
    return Account(env, pool, cognito)


def bind(env: dict[str, str], setenv: Callable[[str, str], None]) -> None:
    """Put the settings in the environment (`setenv`: os.environ's, or a test's monkeypatch) and bind
    the app to them: settings and clients read afresh, the models bound to the tables' names."""
    from chalicelib.core import db
    from chalicelib.core.clients import reset_clients
    from chalicelib.core.settings import reset_settings

    for key, value in env.items():
        setenv(key, value)
    reset_settings()
    reset_clients()
    db.bind()


def create_tables() -> list[str]:
    """Every store's tables, as the bound settings name them."""
    from .provision import create_tables as create

    return create()


def moto_client(region: str = REGION) -> ClientFor:
    """Clients of moto in-process (`mock_aws`): credentials and endpoint from the environment."""
    import boto3

    return lambda service: boto3.client(service, region_name=region)  # type: ignore[call-overload]


def server_client(endpoint: str, region: str = REGION) -> ClientFor:
    """Clients of moto's server (the local stack)."""
    import boto3

    return lambda service: boto3.client(service, region_name=region, endpoint_url=endpoint,  # type: ignore[call-overload]
                                        aws_access_key_id="local", aws_secret_access_key="local")
