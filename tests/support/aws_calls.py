"""What the app asks of AWS, as IAM sees it: every botocore call made while a route or a job runs,
turned into (IAM action, resource) pairs, with the resource named by the setting that names it
("env:SAMPARK_BULK_QUEUE_URL") or by the table's base name ("table:contacts/index/by_tree").

The test suite records them (tests/conftest.py, and tests/support/scan_guard for the local server) and
checks them against the hand-written IAM policy in the synthesised template
(tests/infra/policy_check.py). Calls made outside any route or job (fixtures, seeding, provisioning)
are not the deployed app's and are not recorded.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

# Operations that need no IAM permission: Cognito's user-facing API is authorised by the user's
# password or token, not by the caller's role.
PUBLIC_OPERATIONS = {
    ("cognito-idp", op) for op in (
        "InitiateAuth", "RespondToAuthChallenge", "GetUser", "GlobalSignOut", "ChangePassword",
        "ForgotPassword", "ConfirmForgotPassword", "RevokeToken", "SignUp", "ConfirmSignUp")
}

_DYNAMO_TRANSACT = {"ConditionCheck": "ConditionCheckItem", "Put": "PutItem", "Update": "UpdateItem",
                    "Delete": "DeleteItem", "Get": "GetItem"}
_SQS = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
        "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
_S3_OBJECT = {"HeadObject": "GetObject", "GetObject": "GetObject", "PutObject": "PutObject",
              "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject",
              "CopyObject": "PutObject", "UploadPartCopy": "PutObject", "AbortMultipartUpload": "AbortMultipartUpload",
              "DeleteObject": "DeleteObject", "ListParts": "ListMultipartUploadParts",
              # Multi-Object Delete is authorised as s3:DeleteObject on each object, not on the bucket
              "DeleteObjects": "DeleteObject",
              "GetObjectTagging": "GetObjectTagging", "PutObjectTagging": "PutObjectTagging"}
_S3_BUCKET = {"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket", "HeadBucket": "ListBucket",
              "ListMultipartUploads": "ListBucketMultipartUploads"}
_PRESIGN = {"put_object": "PutObject", "get_object": "GetObject", "upload_part": "PutObject",
            "head_object": "GetObject"}


def _by_setting(value: str | None, env: Mapping[str, str], kind: str) -> str:
    """Name a resource by the SAMPARK_ setting whose value it is (or a part of)."""
    if value:
        for name, setting in env.items():
            if name.startswith("SAMPARK_") and setting and setting == value:
                return f"env:{name}"
    return f"{kind}:{value}"


def _table(name: str, env: Mapping[str, str], index: str | None = None) -> str:
    """A table by its base name: the registered model bound to it says which (the environment may not:
    chalice.test.Client puts the config.json stage's variables in os.environ while a test runs)."""
    bases = _bound_tables()
    if name in bases:
        base = bases[name]
    else:
        prefix = env.get("SAMPARK_TABLE_PREFIX", "")
        base = name[len(prefix) + 1:] if prefix and name.startswith(prefix + "-") else f"?{name}"
    return f"table:{base}" + (f"/index/{index}" if index else "")


def _bound_tables() -> dict[str, str]:
    try:
        from chalicelib.core import db
    except Exception:  # pragma: no cover - the app is not importable here
        return {}
    return {m.Meta.table_name: m.Meta.base_name for m in db.all_models()}  # type: ignore[attr-defined]


@cache
def _setting_fields() -> dict[str, str]:
    """Settings field -> the variable it is read from (`field=_required(env, "NAME")` in settings.py)."""
    source = Path(__file__).resolve().parents[2] / "chalicelib" / "core" / "settings.py"
    fields = {}
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and isinstance(node.value, ast.Call):
            call = node.value
            if getattr(call.func, "id", None) == "_required" and len(call.args) == 2:
                name = call.args[1]
                if node.arg and isinstance(name, ast.Constant) and isinstance(name.value, str):
                    fields[node.arg] = name.value
    return fields


def app_settings() -> dict[str, str]:
    """The resource names the running app uses, by the variable that names them."""
    try:
        from chalicelib.core.settings import get_settings

        settings = get_settings()
    except Exception:
        return {}
    return {var: str(getattr(settings, field)) for field, var in _setting_fields().items()
            if isinstance(getattr(settings, field, None), str)}


def describe(iam_prefix: str, service: str, op: str, params: Mapping[str, Any],
             env: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The (IAM action, resource) pairs one API call needs."""
    env = {**os.environ, **app_settings()} if env is None else env
    if (service, op) in PUBLIC_OPERATIONS:
        return []
    if service == "dynamodb":
        if op == "TransactWriteItems" or op == "TransactGetItems":
            pairs = []
            for item in params.get("TransactItems", []):
                for kind, body in item.items():
                    pairs.append((f"dynamodb:{_DYNAMO_TRANSACT[kind]}", _table(body["TableName"], env)))
            return pairs
        if op in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{op}", _table(t, env)) for t in params.get("RequestItems", {})]
        return [(f"dynamodb:{op}", _table(params.get("TableName", "?"), env, params.get("IndexName")))]
    if service == "sqs":
        return [(f"sqs:{_SQS.get(op, op)}", _by_setting(params.get("QueueUrl"), env, "queue"))]
    if service == "sns":
        if params.get("PhoneNumber"):
            return [("sns:Publish", "sms")]
        arn = params.get("TopicArn") or params.get("TargetArn")
        return [(f"sns:{'Publish' if op == 'PublishBatch' else op}", _by_setting(arn, env, "topic"))]
    if service in ("ses", "sesv2"):
        sender = params.get("Source") or params.get("FromEmailAddress")
        action = f"ses:{'SendEmail' if service == 'sesv2' and op == 'SendEmail' else op}"
        pairs = [(action, _by_setting(sender, env, "sender"))]
        if params.get("ConfigurationSetName"):
            pairs.append((action, _by_setting(params["ConfigurationSetName"], env, "configuration-set")))
        return pairs
    if service == "s3":
        bucket = _by_setting(params.get("Bucket"), env, "bucket")
        if op in _S3_OBJECT:
            return [(f"s3:{_S3_OBJECT[op]}", f"{bucket}/object")]
        return [(f"s3:{_S3_BUCKET.get(op, op)}", bucket)]
    if service == "cognito-idp":
        return [(f"cognito-idp:{op}", _by_setting(params.get("UserPoolId"), env, "user-pool"))]
    return [(f"{iam_prefix}:{op}", "unknown")]


def describe_presigned(client_method: str, params: Mapping[str, Any],
                       env: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """A presigned S3 URL is used later by someone else, with the signer's permissions."""
    env = {**os.environ, **app_settings()} if env is None else env
    bucket = _by_setting(params.get("Bucket"), env, "bucket")
    return [(f"s3:{_PRESIGN.get(client_method, client_method)}", f"{bucket}/object")]


def current_context() -> str | None:
    """The route or job being served, if any (set by the app's middleware)."""
    try:
        from chalicelib.core.observability import current_route
    except Exception:  # pragma: no cover - the app is not importable here
        return None
    return current_route.get()


class CallRecorder:
    """Every (service, operation, IAM action, resource) the app needed, with one route that needed it."""

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str, str, str], str] = {}

    def add(self, service: str, op: str, pairs: list[tuple[str, str]], route: str) -> None:
        for action, resource in pairs:
            self.calls.setdefault((service, op, action, resource), route)

    def record(self, client: Any, op: str, params: Mapping[str, Any]) -> None:
        route = current_context()
        if route is None:
            return
        model = client.meta.service_model
        self.add(model.service_name, op, describe(model.signing_name, model.service_name, op, params), route)

    def record_presigned(self, client_method: str, params: Mapping[str, Any]) -> None:
        route = current_context()
        if route is not None:
            self.add("s3", f"presign:{client_method}", describe_presigned(client_method, params), route)

    def rows(self) -> list[dict[str, str]]:
        return [{"service": s, "op": o, "action": a, "resource": r, "route": route}
                for (s, o, a, r), route in sorted(self.calls.items())]


def install_presign_recorder(recorder: CallRecorder) -> None:
    """Presigned URLs are not API calls; record what using them will need. Must run before the first
    S3 client is made (botocore copies the function onto each new client class)."""
    import botocore.signers

    original = botocore.signers.generate_presigned_url
    if getattr(original, "_sampark_recorder", False):
        return

    def generate_presigned_url(self: Any, ClientMethod: str, Params: Any = None,
                               ExpiresIn: int = 3600, HttpMethod: Any = None) -> Any:
        recorder.record_presigned(ClientMethod, Params or {})
        return original(self, ClientMethod, Params=Params, ExpiresIn=ExpiresIn, HttpMethod=HttpMethod)

    generate_presigned_url._sampark_recorder = True  # type: ignore[attr-defined]
    botocore.signers.generate_presigned_url = generate_presigned_url
