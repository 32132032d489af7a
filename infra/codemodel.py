"""What the code declares that the deployment must provide, read from the code itself.

Nothing here imports the CDK: the stack builds from it, and the tests compare the synthesised template
with it. Tables and indexes come from every PynamoDB model registered with `db.table` (importing `app`
registers every store), the functions and their event sources from the Chalice app object, the roles
and password policy from `core.auth` and `accounts.rules`, the required environment variables from
`core/settings.py`, and each stage's fixed variables from `.chalice/config.json`.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "chalicelib" / "core" / "settings.py"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
DEPLOYED_STAGES = ("dev", "prod")
# Epoch-seconds NumberAttributes with one of these names are expiry times, as a TTLAttribute is
# (notify's outbox keeps `expires_at` as a number): DynamoDB's TTL is turned on for them.
TTL_NAMES = ("ttl", "expires_at", "expire_at", "expiry")


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str  # S, N or B


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: KeySpec
    range_key: KeySpec | None
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    non_key_attributes: tuple[str, ...] = ()
    local: bool = False


@dataclass(frozen=True)
class TableSpec:
    base_name: str
    model: str
    hash_key: KeySpec
    range_key: KeySpec | None
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None


@dataclass(frozen=True)
class EventSource:
    """One Chalice handler that is not the REST API: its Lambda name and what invokes it."""

    name: str  # the Chalice function name (also the handler's name in app.handler_map)
    kind: str  # schedule, sqs, sns, s3, cloudwatch_event, lambda
    target: str | None = None  # queue / topic / bucket name, or the schedule expression
    is_arn: bool = False

    @property
    def asynchronous(self) -> bool:
        """Invoked asynchronously by Lambda (retries and an on-failure destination apply)."""
        return self.kind in {"schedule", "sns", "s3", "cloudwatch_event", "lambda"}


@dataclass
class CodeModel:
    stage: str
    stage_environment: dict[str, str]
    tables: list[TableSpec]
    required_env: list[str]
    event_sources: list[EventSource]
    roles: list[str]
    password_policy: dict[str, Any]
    max_body_bytes: int
    lambda_timeout: int  # the API handler's
    authorizers: list[str] = field(default_factory=list)
    error_keys: list[str] = field(default_factory=list)

    @property
    def table_prefix(self) -> str:
        return self.stage_environment["SAMPARK_TABLE_PREFIX"]

    def table_name(self, base: str) -> str:
        return f"{self.table_prefix}-{base}"


# ---- tables ---------------------------------------------------------------------------------------


def _key(schema: list[dict[str, str]], kind: str, types: dict[str, str]) -> KeySpec | None:
    for element in schema:
        if element["KeyType"] == kind:
            return KeySpec(element["AttributeName"], types[element["AttributeName"]])
    return None


def table_spec(model: Any) -> TableSpec:
    """The table a PynamoDB model needs, as `Model.create_table` would ask DynamoDB for it."""
    from pynamodb.attributes import NumberAttribute, TTLAttribute

    schema = model._get_schema()
    types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    indexes = []
    for local, entries in ((False, schema["global_secondary_indexes"]), (True, schema["local_secondary_indexes"])):
        for index in entries:
            projection = index["projection"]
            hash_key = _key(index["key_schema"], "HASH", types)
            assert hash_key is not None, f"{model.__name__}.{index['index_name']} has no hash key"
            indexes.append(IndexSpec(
                name=index["index_name"], hash_key=hash_key, range_key=_key(index["key_schema"], "RANGE", types),
                projection=projection["ProjectionType"],
                non_key_attributes=tuple(sorted(projection.get("NonKeyAttributes", []))), local=local,
            ))
    attributes = model.get_attributes().values()
    ttl = [a.attr_name for a in attributes if isinstance(a, TTLAttribute)] or [
        a.attr_name for a in attributes if type(a) is NumberAttribute and a.attr_name in TTL_NAMES]
    assert len(ttl) <= 1, f"{model.__name__} declares more than one TTLAttribute"
    hash_key = _key(schema["key_schema"], "HASH", types)
    assert hash_key is not None
    return TableSpec(
        base_name=model.Meta.base_name, model=f"{model.__module__}.{model.__name__}", hash_key=hash_key,
        range_key=_key(schema["key_schema"], "RANGE", types), indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        ttl_attribute=ttl[0] if ttl else None,
    )


def registered_tables() -> list[TableSpec]:
    from chalicelib.core import db

    specs = [table_spec(m) for m in db.all_models()]  # imports every store, which registers its models
    names = [s.base_name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"two models claim the same table: {duplicates}"
    return sorted(specs, key=lambda s: s.base_name)


# ---- settings -------------------------------------------------------------------------------------


def required_env_vars(source: Path = SETTINGS_FILE) -> list[str]:
    """Every variable settings.py reads with `_required(env, "NAME")`: the resource names."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_required":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.isupper():
                    names.add(arg.value)
    return sorted(names)


def stage_environment(stage: str) -> dict[str, str]:
    """The variables `.chalice/config.json` sets for a stage (global ones, then the stage's)."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def lambda_timeout(stage: str, function: str = "api_handler") -> int:
    """A function's timeout as chalice reads it from config.json (per function, per stage, global)."""
    from chalice.config import Config

    config = Config(chalice_stage=stage, function_name=function,
                    config_from_disk=json.loads(CHALICE_CONFIG.read_text(encoding="utf-8")))
    return int(config.lambda_timeout or 60)  # chalice's own default


def default_max_body_bytes() -> int:
    from chalicelib.core.settings import load_settings

    env = {name: "x" for name in required_env_vars()}
    env.update(SAMPARK_STAGE="dev", AWS_REGION="ap-south-1")
    return load_settings(env).max_body_bytes


def error_keys() -> list[str]:
    """The keys of the app's error object, as `core.http` writes it."""
    from chalicelib.core import errors
    from chalicelib.core.http import error_response

    body = json.loads(error_response(errors.Unauthorized("x")).body)
    return sorted(body["error"])


# ---- the Chalice app ------------------------------------------------------------------------------


def load_app(stage: str) -> Any:
    """Import app.py afresh with the stage's variables, as `chalice package --stage` does.

    Handlers may name their queue, topic or bucket from the environment at import time, so a second stage
    in the same process must not reuse the first one's modules, nor see the variables packaging the first
    one left in os.environ (`chalice package` sets the stage's variables there before importing the app).
    """
    for name in [m for m in sys.modules if m == "app" or m == "chalicelib" or m.startswith("chalicelib.")]:
        del sys.modules[name]
    for name in [v for v in os.environ if v.startswith("SAMPARK_")]:
        del os.environ[name]
    os.environ.update(stage_environment(stage))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("app").app


def event_sources(app: Any) -> list[EventSource]:
    from chalice import app as chalice_app

    found = []
    for source in app.event_sources:
        if isinstance(source, chalice_app.ScheduledEventConfig):
            expression = source.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            found.append(EventSource(source.name, "schedule", text))
        elif isinstance(source, chalice_app.SQSEventConfig):
            target = source.queue_arn or source.queue
            found.append(EventSource(source.name, "sqs", target, is_arn=bool(source.queue_arn)))
        elif isinstance(source, chalice_app.SNSEventConfig):
            found.append(EventSource(source.name, "sns", source.topic, is_arn=source.topic.startswith("arn:")))
        elif isinstance(source, chalice_app.S3EventConfig):
            found.append(EventSource(source.name, "s3", source.bucket))
        elif isinstance(source, chalice_app.CloudWatchEventConfig):
            found.append(EventSource(source.name, "cloudwatch_event", json.dumps(source.event_pattern)))
        else:
            raise TypeError(f"infra does not know the event source {type(source).__name__} ({source.name})")
    for function in app.pure_lambda_functions:
        found.append(EventSource(function.name, "lambda"))
    return sorted(found, key=lambda s: s.name)


def describe(stage: str) -> CodeModel:
    if stage not in DEPLOYED_STAGES:
        raise ValueError(f"infra deploys the stages {DEPLOYED_STAGES}, not {stage!r}")
    app = load_app(stage)
    from chalicelib.accounts.rules import POOL_POLICY
    from chalicelib.core.auth import ALL_ROLES

    return CodeModel(
        stage=stage, stage_environment=stage_environment(stage), tables=registered_tables(),
        required_env=required_env_vars(), event_sources=event_sources(app), roles=sorted(ALL_ROLES),
        password_policy=dict(POOL_POLICY), max_body_bytes=default_max_body_bytes(),
        lambda_timeout=lambda_timeout(stage), error_keys=error_keys(),
        authorizers=sorted(a.name for a in app.builtin_auth_handlers),
    )
