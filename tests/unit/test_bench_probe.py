"""bench/probe counts the lease races lost inside POST /next: an UpdateItem on the call targets
that fails its condition, or (the lease of issue 18) a transaction cancelled by the target's condition."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest
from moto import mock_aws

PROBE = Path(__file__).resolve().parents[2] / "bench" / "probe" / "sitecustomize.py"


@pytest.fixture
def probed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Path]]:
    log = tmp_path / "probe.jsonl"
    monkeypatch.setenv("BENCH_PROBE_LOG", str(log))
    original = botocore.client.BaseClient._make_api_call
    spec = importlib.util.spec_from_file_location("bench_probe_under_test", PROBE)
    assert spec is not None and spec.loader is not None
    with mock_aws():
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        try:
            ddb = boto3.client("dynamodb", region_name="ap-south-1")
            for name in ("x-call_targets", "x-audit"):
                ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
            ddb.put_item(TableName="x-call_targets", Item={"pk": {"S": "t"}, "status": {"S": "leased"}})
            yield ddb, log
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def _outcomes(log: Path) -> list[str]:
    return [json.loads(line)["outcome"] for line in log.read_text(encoding="utf-8").splitlines()]


def _lease(ddb: Any, audit_condition: str | None = None) -> None:
    audit: dict[str, Any] = {"TableName": "x-audit", "Item": {"pk": {"S": "a"}}}
    if audit_condition:
        audit["ConditionExpression"] = audit_condition
    ddb.transact_write_items(TransactItems=[
        {"Put": audit},
        {"Update": {"TableName": "x-call_targets", "Key": {"pk": {"S": "t"}}, "UpdateExpression": "SET #s = :l",
                    "ConditionExpression": "#s = :q", "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":l": {"S": "leased"}, ":q": {"S": "queued"}}}}])


def test_a_transaction_cancelled_by_the_targets_condition_is_a_lost_race(probed: tuple[Any, Path]) -> None:
    ddb, log = probed
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        _lease(ddb)
    assert _outcomes(log) == ["ConditionalCheckFailedException"]


def test_a_transaction_cancelled_by_another_item_is_not(probed: tuple[Any, Path]) -> None:
    ddb, log = probed
    ddb.put_item(TableName="x-call_targets", Item={"pk": {"S": "t"}, "status": {"S": "queued"}})
    ddb.put_item(TableName="x-audit", Item={"pk": {"S": "a"}})
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        _lease(ddb, "attribute_not_exists(pk)")
    assert _outcomes(log) == ["TransactionCanceledException:None"]


def test_an_update_of_a_target_is_probed_and_other_writes_are_not(probed: tuple[Any, Path]) -> None:
    ddb, log = probed
    ddb.put_item(TableName="x-audit", Item={"pk": {"S": "b"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.update_item(TableName="x-call_targets", Key={"pk": {"S": "t"}}, UpdateExpression="SET n = :n",
                        ConditionExpression="attribute_not_exists(pk)", ExpressionAttributeValues={":n": {"N": "1"}})
    ddb.update_item(TableName="x-call_targets", Key={"pk": {"S": "t"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "2"}})
    assert _outcomes(log) == ["ConditionalCheckFailedException", "ok"]
