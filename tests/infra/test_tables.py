"""The tables in the templates are the tables the PynamoDB models declare: same names, keys, indexes,
projections and TTL; on-demand, point-in-time recovery, deletion protection and retention in prod."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.codemodel import TableSpec, registered_tables, stage_environment

from . import cfn


@pytest.fixture(scope="module")
def specs() -> list[TableSpec]:
    return registered_tables()  # every model registered by importing the app


def _keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in schema}


def _expected_key(spec_hash: Any, spec_range: Any) -> dict[str, str]:
    keys = {"HASH": spec_hash.name}
    if spec_range:
        keys["RANGE"] = spec_range.name
    return keys


def _table(template: dict[str, Any], name: str) -> dict[str, Any]:
    found = [r for r in cfn.resources(template, "AWS::DynamoDB::Table").values()
             if r["Properties"]["TableName"] == name]
    assert len(found) == 1, f"table {name} is not in the template exactly once"
    return found[0]


def test_every_model_has_its_table_and_no_other_table_exists(templates: dict[str, Any], specs: list[TableSpec],
                                                              stage: str) -> None:
    prefix = stage_environment(stage)["SAMPARK_TABLE_PREFIX"]
    tables = cfn.resources(templates[stage], "AWS::DynamoDB::Table").values()
    names = sorted(r["Properties"]["TableName"] for r in tables)
    assert names == sorted(f"{prefix}-{s.base_name}" for s in specs)


def test_table_schemas_equal_the_models(templates: dict[str, Any], specs: list[TableSpec], stage: str) -> None:
    prefix = stage_environment(stage)["SAMPARK_TABLE_PREFIX"]
    for spec in specs:
        props = _table(templates[stage], f"{prefix}-{spec.base_name}")["Properties"]
        where = f"{spec.model} ({prefix}-{spec.base_name})"
        assert _keys(props["KeySchema"]) == _expected_key(spec.hash_key, spec.range_key), where
        declared = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
        expected = {k.name: k.type for k in (spec.hash_key, spec.range_key) if k}
        for index in spec.indexes:
            expected.update({k.name: k.type for k in (index.hash_key, index.range_key) if k})
        assert declared == expected, f"{where}: attribute definitions"
        actual_indexes = {}
        for local, key in ((False, "GlobalSecondaryIndexes"), (True, "LocalSecondaryIndexes")):
            for index in props.get(key, []):
                projection = index["Projection"]
                actual_indexes[index["IndexName"]] = (local, _keys(index["KeySchema"]), projection["ProjectionType"],
                                                      tuple(sorted(projection.get("NonKeyAttributes", []))))
        expected_indexes = {
            i.name: (i.local, _expected_key(i.hash_key, i.range_key), i.projection, i.non_key_attributes)
            for i in spec.indexes}
        assert actual_indexes == expected_indexes, f"{where}: indexes"
        ttl = props.get("TimeToLiveSpecification")
        if spec.ttl_attribute:
            assert ttl == {"AttributeName": spec.ttl_attribute, "Enabled": True}, f"{where}: TTL"
        else:
            assert ttl is None, f"{where}: TTL on a table whose model declares no TTLAttribute"


def test_tables_are_on_demand_with_point_in_time_recovery(templates: dict[str, Any], stage: str) -> None:
    template = Template.from_json(templates[stage])
    count = len(cfn.resources(templates[stage], "AWS::DynamoDB::Table"))
    template.resource_properties_count_is("AWS::DynamoDB::Table", Match.object_like({
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": stage == "prod",
    }), count)
    for resource in cfn.resources(templates[stage], "AWS::DynamoDB::Table").values():
        assert "ProvisionedThroughput" not in resource["Properties"]
        assert resource["DeletionPolicy"] == ("Retain" if stage == "prod" else "Delete")


def test_expiry_attributes_get_ttl() -> None:
    """A TTLAttribute, or an epoch NumberAttribute named like an expiry (the outbox's `expires_at`)."""
    from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
    from pynamodb.models import Model

    from infra.codemodel import table_spec

    class Expiring(Model):
        class Meta:
            table_name = "expiring"
            base_name = "expiring"

        key = UnicodeAttribute(hash_key=True)
        expires = TTLAttribute()

    class Numbered(Model):
        class Meta:
            table_name = "numbered"
            base_name = "numbered"

        key = UnicodeAttribute(hash_key=True)
        expires_at = NumberAttribute(null=True)
        count = NumberAttribute(default=0)

    assert table_spec(Expiring).ttl_attribute == "expires"
    assert table_spec(Numbered).ttl_attribute == "expires_at"


def test_tables_the_code_expires_have_ttl(templates: dict[str, Any], specs: list[TableSpec]) -> None:
    expiring = [s for s in specs if s.ttl_attribute]
    assert any(s.base_name == "outbox" for s in expiring), "notify's outbox keeps expires_at"
    for spec in expiring:
        table = _table(templates["prod"], f"sampark-prod-{spec.base_name}")
        assert table["Properties"]["TimeToLiveSpecification"]["AttributeName"] == spec.ttl_attribute
