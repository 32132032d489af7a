"""devtools/moto_local.py reads a Query's partition only (moto's own Query reads every item of the table): the
answers must be exactly moto's — every key condition, order, limit and page, a table without a sort key, an
index Query (left to moto) — whatever else the table holds."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from devtools import moto_local

REGION = "ap-south-1"


def _tables(client: Any) -> None:
    client.create_table(
        TableName="t", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                                     {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    client.create_table(TableName="h", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables["t"]
    for i in range(3000):
        table.put_item({"pk": {"S": f"p{i % 30}"}, "sk": {"S": f"s{i:05d}"}, "g": {"S": f"g{i % 7}"},
                        "n": {"N": str(i)}})
    client.put_item(TableName="h", Item={"pk": {"S": "a"}, "n": {"N": "1"}})


def _answers(client: Any) -> list[Any]:
    def v(**values: str) -> dict[str, Any]:
        return {f":{k}": {"S": s} for k, s in values.items()}

    asks: list[dict[str, Any]] = [
        {"TableName": "t", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": v(p="p7")},
        {"TableName": "t", "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b", "ScanIndexForward": False,
         "Limit": 9, "ExpressionAttributeValues": v(p="p7", a="s00100", b="s02000")},
        {"TableName": "t", "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)", "FilterExpression": "n > :n",
         "ExpressionAttributeValues": {**v(p="p3", a="s01"), ":n": {"N": "1500"}}},
        {"TableName": "t", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": v(p="nobody")},
        {"TableName": "t", "IndexName": "by_g", "KeyConditionExpression": "g = :g AND sk < :a",
         "ExpressionAttributeValues": v(g="g2", a="s00500")},
        {"TableName": "h", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": v(p="a")},
    ]
    out = []
    for ask in asks:
        first = client.query(**ask)
        out.append((first["Items"], first.get("LastEvaluatedKey"), first["Count"], first["ScannedCount"]))
    page, pages = {"TableName": "t", "KeyConditionExpression": "pk = :p", "Limit": 7,
                   "ExpressionAttributeValues": v(p="p11")}, []
    while True:
        got = client.query(**page)
        pages.append(got["Items"])
        if "LastEvaluatedKey" not in got:
            break
        page["ExclusiveStartKey"] = got["LastEvaluatedKey"]
    out.append(pages)
    return out


def test_a_query_through_the_patch_answers_what_moto_answers() -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        _tables(client)
        plain = _answers(client)
        with moto_local.patched():
            patched = _answers(client)
        assert patched == plain
        assert [len(a[0]) for a in plain[:6]] == [100, 9, 17, 0, 72, 1]  # the asks found what they should
        assert sum(len(p) for p in plain[6]) == 100 and len(plain[6]) == 15
        assert "all_items" not in vars(dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables["t"])  # put back
