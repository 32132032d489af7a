"""DynamoDB tables and indexes, one per registered PynamoDB model, exactly as the model declares them."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from .codemodel import CodeModel, IndexSpec, KeySpec, TableSpec
from .config import StageConfig

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
                "INCLUDE": dynamodb.ProjectionType.INCLUDE}


def logical_name(base_name: str) -> str:
    return "Table" + "".join(part.capitalize() for part in base_name.replace("-", "_").split("_"))


def _attribute(key: KeySpec | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type]) if key else None


def _add_index(table: dynamodb.Table, index: IndexSpec) -> None:
    non_key = list(index.non_key_attributes) or None
    if index.local:
        sort_key = _attribute(index.range_key)
        assert sort_key is not None, f"local index {index.name} needs a range key"
        table.add_local_secondary_index(index_name=index.name, sort_key=sort_key,
                                        projection_type=_PROJECTIONS[index.projection], non_key_attributes=non_key)
    else:
        table.add_global_secondary_index(
            index_name=index.name, partition_key=_attribute(index.hash_key), sort_key=_attribute(index.range_key),
            projection_type=_PROJECTIONS[index.projection], non_key_attributes=non_key,
        )


def make_table(scope: Construct, model: CodeModel, config: StageConfig, spec: TableSpec) -> dynamodb.Table:
    table = dynamodb.Table(
        scope, logical_name(spec.base_name),
        table_name=model.table_name(spec.base_name),
        partition_key=_attribute(spec.hash_key),  # type: ignore[arg-type]
        sort_key=_attribute(spec.range_key),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        deletion_protection=config.is_prod,
        removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        time_to_live_attribute=spec.ttl_attribute,
    )
    for index in spec.indexes:
        _add_index(table, index)
    return table


def make_tables(scope: Construct, model: CodeModel, config: StageConfig) -> dict[str, dynamodb.Table]:
    return {spec.base_name: make_table(scope, model, config, spec) for spec in model.tables}
