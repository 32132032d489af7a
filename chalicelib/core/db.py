"""DynamoDB plumbing shared by the stores: binding PynamoDB models to the deployment, one cached
connection for transactions, and the translation of DynamoDB failures into the app's errors.

PynamoDB reads `Meta.host`/`Meta.table_name` when it first opens a model's connection and caches
that connection on the class, so `bind()` sets them from the settings and drops any cached
connection. The composition root (`app.py`) binds once per container; tests and the local runner
bind again after changing the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

import botocore.loaders
import botocore.session
import pynamodb.connection.base as pynamodb_connection_base
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import GetError, PutError, PynamoDBException, TableError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from .errors import AppError, Conflict, TooManyRequests, Unavailable
from .settings import Settings, get_settings

M = TypeVar("M", bound=type[Model])
T = TypeVar("T", bound=Model)
MODELS: list[type[Model]] = []


_LOADER = botocore.loaders.create_loader()


def _session_with_shared_loader() -> botocore.session.Session:
    """PynamoDB opens one botocore session per model (and thread), and each session parses the
    DynamoDB service definitions again (~0.1 s of JSON per model, in every cold start). Sessions
    that share one data loader parse them once per container."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _LOADER)
    return session


pynamodb_connection_base.get_session = _session_with_shared_loader  # type: ignore[attr-defined]
THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


def table(base_name: str) -> Any:
    """Class decorator: register a model under its base table name (the prefix comes at bind)."""

    def register(model: M) -> M:
        model.Meta.base_name = base_name  # type: ignore[attr-defined]
        model.Meta.table_name = base_name
        MODELS.append(model)
        if _bound:  # a store imported after binding joins the same deployment
            _apply(model, get_settings())
        return model

    return register


_bound = False


def bind(settings: Settings | None = None) -> None:
    global _bound
    settings = settings or get_settings()
    for model in MODELS:
        _apply(model, settings)
    connection.cache_clear()
    _bound = True


def _apply(model: type[Model], settings: Settings) -> None:
    meta = model.Meta
    meta.table_name = settings.table_name(meta.base_name)  # type: ignore[attr-defined]
    meta.region = settings.region
    meta.host = settings.aws_endpoint
    meta.connect_timeout_seconds = settings.ddb_connect_timeout_s
    meta.read_timeout_seconds = settings.ddb_read_timeout_s
    meta.max_retry_attempts = settings.ddb_max_retries
    model._connection = None


def bind_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware: bind the models at the first invocation of a container, not at import
    (importing the app, as `chalice package` does, must not need the deployment's settings)."""
    if not _bound:
        bind()
    return get_response(event)


@lru_cache(maxsize=1)
def connection() -> Connection:
    settings = get_settings()
    return Connection(
        region=settings.region,
        host=settings.aws_endpoint,
        connect_timeout_seconds=settings.ddb_connect_timeout_s,
        read_timeout_seconds=settings.ddb_read_timeout_s,
        max_retry_attempts=settings.ddb_max_retries,
    )


def all_models() -> list[type[Model]]:
    """Every registered model. Blueprints import their stores at first use (core/lazy.py), so the
    tools that need all of them (provisioning, infra, the call recorder) import every chalicelib module."""
    import importlib
    import pkgutil

    import chalicelib

    global _all_imported
    if not _all_imported:
        for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
            importlib.import_module(module.name)
        _all_imported = True
    return list(MODELS)


_all_imported = False


def create_tables() -> list[str]:
    """Create every registered table (on-demand billing) that does not exist yet. Local/test only;
    in AWS the tables come from infra/, which a test holds equal to these models."""
    created = []
    for model in all_models():
        try:  # one call, not three (exists, create, wait): moto's tables are active at once
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=False)
        except TableError as exc:
            if exc.cause_response_code != "ResourceInUseException":
                raise
            continue
        created.append(model.Meta.table_name)
    return created


def error_code(exc: PynamoDBException) -> str | None:
    """DynamoDB's error code, or None when the failure never got an answer (a timeout, a dropped
    connection: botocore's errors carry `response = None` then, which PynamoDB's own property trips on)."""
    response = getattr(exc.cause, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    """One entry per transaction item: the reason it was cancelled (None for items that were fine).
    Mind the order: PynamoDB sends condition checks, then deletes, then puts, then updates,
    whatever order they were added in."""
    return [reason.code if reason else None for reason in exc.cancellation_reasons]


def is_condition_failure(exc: PynamoDBException) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


DatabaseError = PynamoDBException  # a DynamoDB failure no store expected: core/http.py answers it by translate


def translate(exc: PynamoDBException) -> AppError:
    """A DynamoDB failure that no store expected, as the app's own error."""
    if error_code(exc) in THROTTLED:
        return TooManyRequests("the database is busy; retry in a moment")
    return Unavailable("the database could not complete the request")


# ---- the common shapes of a store's writes and reads -------------------------------------------


def get_or_none(model: type[T], hash_key: Any, range_key: Any = None, *, consistent: bool = False) -> T | None:
    """One GetItem: the item, or None when there is none."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except model.DoesNotExist:
        return None
    except GetError as exc:
        raise translate(exc) from exc


def put_if(item: Model, condition: Condition | None) -> bool:
    """One PutItem of `item`, written only when `condition` holds on the item it replaces: False (and
    nothing written) when it does not."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if is_condition_failure(exc):
            return False
        raise translate(exc) from exc
    return True


def put_if_absent(item: Model) -> bool:
    """One PutItem of a new item, on condition that its hash key does not exist: False (and nothing
    written) when an item with that key is there already (a retry, a race)."""
    hash_key = next(a for a in type(item).get_attributes().values() if a.is_hash_key)
    return put_if(item, hash_key.does_not_exist())


def put_new(item: Model, conflict: AppError | None = None) -> None:
    """`put_if_absent`, with an existing item as the app's Conflict (`conflict`, or a plain one)."""
    if not put_if_absent(item):
        raise conflict or Conflict(f"this {type(item).__name__.removesuffix('Model').lower()} exists already")


def update_if(item: Model, actions: list[Action], condition: Condition | None) -> bool:
    """One UpdateItem of `item`'s key, written only when `condition` holds: False (and nothing written)
    when it does not. On success the item holds what the table now holds."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if is_condition_failure(exc):
            return False
        raise translate(exc) from exc
    return True


Key = tuple[type[Model], Any, Any]  # (model, hash key, range key or None): string keys only


def _key_names(model: type[Model]) -> tuple[str, str | None]:
    hash_name = range_name = None
    for name, attribute in model.get_attributes().items():
        if attribute.is_hash_key:
            hash_name = attribute.attr_name or name
        elif attribute.is_range_key:
            range_name = attribute.attr_name or name
    if hash_name is None:
        raise ValueError(f"{model.__name__} has no hash key")
    return hash_name, range_name


def batch_get(keys: list[Key], *, consistent: bool = True, eventual: tuple[type[Model], ...] = ()) -> dict[Key, Model]:
    """One BatchGetItem across tables (at most 100 distinct keys; unprocessed keys are asked again,
    each retry one more call). Returns the items found, by the key they were asked under. Reads are
    strongly consistent when `consistent`, except the tables of the models in `eventual` (BatchGetItem's
    ConsistentRead is per table: those cost half the read units)."""
    wanted: dict[str, tuple[type[Model], list[Key]]] = {}
    for key in dict.fromkeys(keys):
        wanted.setdefault(key[0].Meta.table_name, (key[0], []))[1].append(key)
    if sum(len(v[1]) for v in wanted.values()) > 100:
        raise ValueError("a BatchGetItem reads at most 100 keys")
    request: dict[str, Any] = {}
    names: dict[str, tuple[str, str | None]] = {}
    for name, (model, model_keys) in wanted.items():
        hash_name, range_name = _key_names(model)
        names[name] = (hash_name, range_name)
        raw = []
        for _, hash_value, range_value in model_keys:
            item = {hash_name: {"S": str(hash_value)}}
            if range_name is not None:
                item[range_name] = {"S": str(range_value)}
            raw.append(item)
        request[name] = {"Keys": raw, "ConsistentRead": consistent and model not in eventual}
    found: dict[Key, Model] = {}
    for _ in range(5):
        if not request:
            return found
        try:
            response = connection().dispatch("BatchGetItem", {"RequestItems": request})
        except (BotoCoreError, ClientError) as exc:
            raise translate(GetError("batch get failed", exc)) from exc
        for name, items in response.get("Responses", {}).items():
            model = wanted[name][0]
            hash_name, range_name = names[name]
            for data in items:
                found[(model, data[hash_name]["S"], data[range_name]["S"] if range_name else None)] = \
                    model.from_raw_data(data)
        request = response.get("UnprocessedKeys") or {}
    raise TooManyRequests("the database is busy; retry in a moment")


@contextmanager
def transaction(token: str | None = None) -> Iterator[TransactWrite]:
    """A TransactWrite on the shared connection; `token` makes retries of the same write idempotent."""
    with TransactWrite(connection=connection(), client_request_token=token) as tx:
        yield tx
