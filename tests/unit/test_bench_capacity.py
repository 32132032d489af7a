"""Capacity units as on-demand DynamoDB bills them (bench/capacity.py), checked against moto holding
real items: the meter sees every request's items before and after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench import capacity as cap


def test_item_sizes_follow_dynamodb_rules() -> None:
    assert cap.item_size({"pk": {"S": "abc"}}) == 2 + 3
    assert cap.item_size({"n": {"N": "12345"}}) == 1 + 4  # 5 significant digits: 3 bytes, plus 1
    assert cap.item_size({"n": {"N": "100"}}) == 1 + 2
    assert cap.item_size({"b": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert cap.item_size({"hi": {"S": "नमस्ते"}}) == 2 + len("नमस्ते".encode())
    assert cap.item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1
    assert cap.item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)
    assert cap.item_size(None) == 0


def test_units_round_up_per_request() -> None:
    assert cap.write_units(0, 1) == 1 and cap.write_units(1024, 1025) == 2 and cap.write_units(0, 0) == 1
    assert cap.read_units(100, consistent=False) == 0.5 and cap.read_units(4097, consistent=True) == 2.0


def test_an_index_is_written_only_when_its_projection_changes() -> None:
    keys, before = ["g"], {"pk": {"S": "1"}, "g": {"S": "a"}, "x": {"S": "1"}}
    assert cap.index_write_units(before, {**before, "x": {"S": "2"}}, keys, []) == 0  # keys only: unchanged
    assert cap.index_write_units(before, {**before, "x": {"S": "2"}}, keys, None) == 1  # all attributes
    assert cap.index_write_units(before, {**before, "g": {"S": "b"}}, keys, []) == 2  # moved: delete and put
    assert cap.index_write_units(before, {"pk": {"S": "1"}}, keys, []) == 1  # left the (sparse) index
    assert cap.index_write_units(None, {"pk": {"S": "1"}}, keys, []) == 0  # never in it


@pytest.fixture
def metered(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    from moto.dynamodb import responses

    original = responses.DynamoHandler.call_action
    log = tmp_path / "units.jsonl"
    with mock_aws():
        cap.install(str(log))
        try:
            ddb = boto3.client("dynamodb", region_name="ap-south-1")
            ddb.create_table(
                TableName="t", BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "g", "AttributeType": "S"}],
                GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "KEYS_ONLY"}}])
            yield ddb, log
        finally:
            responses.DynamoHandler.call_action = original  # type: ignore[method-assign]


def _measure(log: Path, action: Any) -> dict[str, Any]:
    log.write_text("", encoding="utf-8")
    action()
    lines = [__import__("json").loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    log.unlink()
    return cap.summarise(lines)


def test_writes_reads_and_transactions_under_moto(metered: tuple[Any, Path]) -> None:
    ddb, log = metered
    big = "x" * 1500  # 1.5 KB: two write units, one read unit
    item = {"pk": {"S": "a"}, "g": {"S": "one"}, "body": {"S": big}}
    assert _measure(log, lambda: ddb.put_item(TableName="t", Item=item))["wru"] == 2 + 1  # + the index's put
    assert _measure(log, lambda: ddb.get_item(TableName="t", Key={"pk": {"S": "a"}}))["rru"] == 0.5
    assert _measure(log, lambda: ddb.get_item(TableName="t", Key={"pk": {"S": "a"}}, ConsistentRead=True))["rru"] == 1
    # an update that does not touch the index's keys: the table only, sized by the larger image
    assert _measure(log, lambda: ddb.update_item(TableName="t", Key={"pk": {"S": "a"}},
                                                 UpdateExpression="SET body = :b",
                                                 ExpressionAttributeValues={":b": {"S": "short"}}))["wru"] == 2
    # a failed condition still costs a write
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName="t", Item=item, ConditionExpression="attribute_not_exists(pk)")
    ddb.put_item(TableName="t", Item={"pk": {"S": "c"}})
    transact = {"TransactItems": [
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}, "n": {"N": "1"}}}},
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET g = :g",
                    "ExpressionAttributeValues": {":g": {"S": "two"}}}},
        {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "c"}},
                            "ConditionExpression": "attribute_exists(pk)"}}]}
    units = _measure(log, lambda: ddb.transact_write_items(**transact))
    # doubled per item (1 + 1 + 1) x 2, and the index moves from "one" to "two": a delete and a put
    assert units["wru"] == 6 + 2 and units["by_op"]["TransactWriteItems"]["requests"] == 1
    query = _measure(log, lambda: ddb.query(TableName="t", IndexName="by_g", KeyConditionExpression="g = :g",
                                            ExpressionAttributeValues={":g": {"S": "two"}}))
    assert query["rru"] == 0.5  # an index is read eventually consistent, the items rounded up together


def test_the_meter_counts_only_while_its_file_exists(metered: tuple[Any, Path]) -> None:
    ddb, log = metered
    ddb.put_item(TableName="t", Item={"pk": {"S": "z"}})
    assert not log.exists()
