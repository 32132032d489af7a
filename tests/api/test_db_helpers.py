"""The store helpers of core/db.py under moto: a conditional put of a new item, a conditional update and
get-or-none, asserted on what the table then holds (read back with boto3, not through the helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core import db
from chalicelib.core.errors import Conflict, NotFound, Unavailable

REGION = "ap-south-1"
TABLE = "sampark-test-db-helpers"


class ThingModel(Model):
    """A throwaway table, not registered with db.table (the app's tables are held equal to infra/)."""

    class Meta:
        table_name = TABLE
        region = REGION

    thing_id = UnicodeAttribute(hash_key=True)
    part = UnicodeAttribute(range_key=True, default="-")
    label = UnicodeAttribute(null=True)
    count = NumberAttribute(default=0)


@pytest.fixture
def things(aws: Any) -> Iterator[Any]:
    ThingModel._connection = None
    ThingModel.create_table(billing_mode="PAY_PER_REQUEST", wait=False)
    yield boto3.client("dynamodb", region_name=REGION)
    ThingModel._connection = None


def _held(client: Any, *hash_keys: str) -> list[dict[str, Any]]:
    """What the table holds under these hash keys (a Query each: the suite refuses any Scan)."""
    items = [item for key in hash_keys or ("a", "b")
             for item in client.query(TableName=TABLE, KeyConditionExpression="thing_id = :k",
                                      ExpressionAttributeValues={":k": {"S": key}}, ConsistentRead=True)["Items"]]
    return sorted(({k: next(iter(v.values())) for k, v in item.items()} for item in items),
                  key=lambda i: (i["thing_id"], i["part"]))


def test_put_new_writes_once_then_is_a_conflict(things: Any) -> None:
    db.put_new(ThingModel("a", "-", label="first"))
    assert _held(things) == [{"thing_id": "a", "part": "-", "label": "first", "count": "0"}]

    with pytest.raises(Conflict) as raised:
        db.put_new(ThingModel("a", "-", label="second"))
    assert "exists already" in raised.value.message
    with pytest.raises(NotFound):  # the caller's own error, when it names one
        db.put_new(ThingModel("a", "-", label="third"), NotFound("no such thing"))
    assert _held(things) == [{"thing_id": "a", "part": "-", "label": "first", "count": "0"}]

    assert db.put_if_absent(ThingModel("a", "-", label="again")) is False
    assert db.put_if_absent(ThingModel("b", "-", label="other")) is True
    assert [i["label"] for i in _held(things)] == ["first", "other"]


def test_put_if_absent_conditions_on_the_whole_key(things: Any) -> None:
    """The condition is on the hash key's attribute, which DynamoDB evaluates against the item at the
    full key: another range key under the same hash key is a new item."""
    assert db.put_if_absent(ThingModel("a", "x")) is True
    assert db.put_if_absent(ThingModel("a", "y")) is True
    assert db.put_if_absent(ThingModel("a", "x", label="late")) is False
    assert [(i["part"], i.get("label")) for i in _held(things)] == [("x", None), ("y", None)]


def test_update_if_writes_only_when_the_condition_holds(things: Any) -> None:
    db.put_new(ThingModel("a", "-", count=1))
    item = ThingModel("a", "-")
    assert db.update_if(item, [ThingModel.count.add(1)], ThingModel.count == 1) is True
    assert item.count == 2  # the item holds what the table holds
    assert db.update_if(ThingModel("a", "-"), [ThingModel.count.add(1)], ThingModel.count == 1) is False
    assert db.update_if(ThingModel("a", "-"), [ThingModel.label.set("x")], None) is True
    assert _held(things) == [{"thing_id": "a", "part": "-", "label": "x", "count": "2"}]


def test_get_or_none(things: Any) -> None:
    assert db.get_or_none(ThingModel, "a", "-") is None
    db.put_new(ThingModel("a", "-", label="here"))
    found = db.get_or_none(ThingModel, "a", "-", consistent=True)
    assert found is not None and found.label == "here"
    assert db.get_or_none(ThingModel, "a", "other") is None


def test_a_failure_that_is_no_condition_is_the_apps_error(things: Any) -> None:
    """A missing table (any DynamoDB failure but a failed condition) is translated, not swallowed."""
    things.delete_table(TableName=TABLE)
    with pytest.raises(Unavailable):
        db.put_if_absent(ThingModel("a", "-"))
    with pytest.raises(Unavailable):
        db.update_if(ThingModel("a", "-"), [ThingModel.count.add(1)], None)
    with pytest.raises(Unavailable):
        db.get_or_none(ThingModel, "a", "-")


def test_put_if_replaces_only_the_state_it_names(things: Any) -> None:
    db.put_new(ThingModel("a", "-", label="v1", count=1))
    assert db.put_if(ThingModel("a", "-", label="v2", count=2), ThingModel.count == 1) is True
    assert db.put_if(ThingModel("a", "-", label="lost", count=9), ThingModel.count == 1) is False
    assert _held(things) == [{"thing_id": "a", "part": "-", "label": "v2", "count": "2"}]
    with pytest.raises(Unavailable):
        things.delete_table(TableName=TABLE)
        db.put_if(ThingModel("a", "-"), None)


def test_a_database_failure_a_store_let_through_is_answered_by_translate(api: Any, monkeypatch: Any) -> None:
    """core/http.py answers a PynamoDB failure that reached it (no store translated it) as db.translate says:
    throttling is a 429, anything else a 503 — the app's JSON, never a 500."""
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import GetError

    from chalicelib.digests import store as digest_store

    def fail(code: str) -> Any:
        def get(key: str) -> Any:
            raise GetError("get failed", ClientError({"Error": {"Code": code, "Message": "m"}}, "GetItem"))
        return get

    monkeypatch.setattr(digest_store, "get", fail("ProvisionedThroughputExceededException"))
    busy = api.get("/settings/digests")
    assert busy.status == 429 and busy.error["code"] == "too_many_requests", busy.body
    monkeypatch.setattr(digest_store, "get", fail("InternalServerError"))
    down = api.get("/settings/digests")
    assert down.status == 503 and down.error["code"] == "unavailable", down.body
