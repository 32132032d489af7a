"""The one DynamoDB call counter (devtools/call_counter.py), under moto in-process: what it counts, by
operation or by table, only inside its block, alongside the suite's own recording."""

from __future__ import annotations

import boto3
import pytest

from devtools import call_counter
from tests.api.conftest import Env
from tests.conftest import count_dynamodb_calls


def _tables() -> tuple[str, str]:
    from chalicelib.core.settings import get_settings

    prefix = get_settings().table_prefix
    return f"{prefix}-contacts", f"{prefix}-units"


def test_a_block_counts_its_dynamodb_calls_by_operation_and_no_other_service(aws: Env) -> None:
    contacts, _ = _tables()
    ddb = boto3.client("dynamodb", region_name="ap-south-1")
    ddb.describe_table(TableName=contacts)  # before the block: not counted
    watching = len(call_counter.LISTENERS)
    with call_counter.counting() as calls:
        ddb.describe_table(TableName=contacts)
        ddb.describe_table(TableName=contacts)
        ddb.list_tables()
        boto3.client("sqs", region_name="ap-south-1").list_queues()  # not DynamoDB
    ddb.list_tables()  # after it: not counted
    assert calls == {"DescribeTable": 2, "ListTables": 1}
    assert len(call_counter.LISTENERS) == watching  # the block's listener is gone


def test_by_table_counts_each_table_a_batch_reads(aws: Env) -> None:
    contacts, units = _tables()
    ddb = boto3.client("dynamodb", region_name="ap-south-1")
    with call_counter.counting(call_counter.by_operation_and_table) as calls, call_counter.counting() as requests:
        ddb.batch_get_item(RequestItems={contacts: {"Keys": [{"contact_id": {"S": "c"}}]},
                                         units: {"Keys": [{"unit_id": {"S": "u"}}]}})
    assert requests == {"BatchGetItem": 1}
    assert calls == {"BatchGetItem contacts": 1, "BatchGetItem units": 1}


def test_a_tests_own_count_lasts_to_its_end(aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    contacts, _ = _tables()
    calls = count_dynamodb_calls(monkeypatch)
    ddb = boto3.client("dynamodb", region_name="ap-south-1")
    ddb.describe_table(TableName=contacts)
    with call_counter.counting():
        ddb.list_tables()
    ddb.describe_table(TableName=contacts)
    assert calls == {"DescribeTable": 2, "ListTables": 1}
