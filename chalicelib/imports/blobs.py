"""S3 and SQS for imports and exports: the only module of these features that talks to them.

One bucket (SAMPARK_BULK_BUCKET) holds, by prefix:
  uploads/<import id>          the file as the admin uploaded it (presigned PUT)
  imports/<import id>/...      the manifest of chunks and the rejected rows of each chunk
  reports/<import id>.csv      the per-row error report
  exports/<export id>/...      export parts and the finished CSV
A lifecycle rule (infra/) expires every prefix after 30 days. Links are presigned for 15 minutes.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from ..core.errors import Gone, NotFound, Unavailable
from ..core.settings import Settings, SettingsError, get_settings

LINK_SECONDS = 900


class Withdrawn(Gone):
    """The file was withdrawn because a person it held was erased: answered 410."""

    code = "withdrawn"
MULTIPART_MIN = 5 * 1024 * 1024


def bulk_bucket_name(stage: str) -> str:
    return f"sampark-{stage}-bulk"


def bulk_queue_name(stage: str) -> str:
    return f"sampark-{stage}-bulk"


# The S3 trigger and the SQS trigger must be named when the app is imported: `chalice deploy/package
# --stage X` imports it with that stage's environment. A bare import (tests, tools) gets the local names.
UPLOAD_BUCKET = os.environ.get("SAMPARK_BULK_BUCKET") or bulk_bucket_name(os.environ.get("SAMPARK_STAGE") or "local")
BULK_QUEUE = bulk_queue_name(os.environ.get("SAMPARK_STAGE") or "local")


def _s3() -> Any:
    return _s3_for(get_settings())


@cache
def _s3_for(settings: Settings) -> Any:
    """Its own client, one per deployment: presigned URLs need SigV4, and path-style addressing for
    the local server."""
    import boto3
    from botocore.config import Config

    config = Config(signature_version="s3v4", connect_timeout=2, read_timeout=20,
                    retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path" if settings.aws_endpoint else "auto"})
    return boto3.session.Session().client("s3", region_name=settings.region, endpoint_url=settings.aws_endpoint,
                                          config=config)


def _bucket() -> str:
    return get_settings().bulk_bucket


def _fail(exc: Exception) -> Exception:
    return Unavailable("file storage could not complete the request")


def upload_url(key: str) -> str:
    return str(_s3().generate_presigned_url("put_object", Params={"Bucket": _bucket(), "Key": key},
                                            ExpiresIn=LINK_SECONDS))


CSV_TYPE = "text/csv; charset=utf-8"


def download_url(key: str, filename: str, content_type: str = CSV_TYPE) -> str:
    """A presigned GET that downloads the object as `filename`, served as `content_type`."""
    disposition = f"attachment; filename=\"{filename}\""
    return str(_s3().generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key, "ResponseContentDisposition": disposition,
                              "ResponseContentType": content_type},
        ExpiresIn=LINK_SECONDS))


def size_of(key: str) -> int | None:
    from botocore.exceptions import ClientError

    try:
        return int(_s3().head_object(Bucket=_bucket(), Key=key)["ContentLength"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise _fail(exc) from exc


def read(key: str, start: int | None = None, end: int | None = None) -> bytes:
    """The object, or the bytes [start, end) of it."""
    from botocore.exceptions import ClientError

    params: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if start is not None and end is not None:
        if end <= start:
            return b""
        params["Range"] = f"bytes={start}-{end - 1}"
    try:
        return bytes(_s3().get_object(**params)["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            raise NotFound("the file is not in storage", field="key") from exc
        raise _fail(exc) from exc


def write(key: str, body: bytes, content_type: str = "text/csv; charset=utf-8") -> None:
    from botocore.exceptions import ClientError

    try:
        _s3().put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type)
    except ClientError as exc:
        raise _fail(exc) from exc


def write_json(key: str, value: Any) -> None:
    write(key, json.dumps(value, separators=(",", ":")).encode(), "application/json")


def read_json(key: str) -> Any:
    return json.loads(read(key))


def delete(key: str) -> None:
    _s3().delete_object(Bucket=_bucket(), Key=key)


def delete_all(prefixes: list[str]) -> int:
    """Delete every object under these prefixes (a whole key is its own prefix): 1,000 per call."""
    from botocore.exceptions import ClientError

    doomed = [key for prefix in prefixes for key in keys(prefix)]
    try:
        for start in range(0, len(doomed), 1000):
            batch = [{"Key": k} for k in doomed[start:start + 1000]]
            _s3().delete_objects(Bucket=_bucket(), Delete={"Objects": batch, "Quiet": True})
    except ClientError as exc:
        raise _fail(exc) from exc
    return len(doomed)


def keys(prefix: str) -> list[str]:
    """Every key under a prefix, in key order (S3 lists lexicographically)."""
    found: list[str] = []
    for page in _s3().get_paginator("list_objects_v2").paginate(Bucket=_bucket(), Prefix=prefix):
        found += [o["Key"] for o in page.get("Contents", [])]
    return found


def concatenate(key: str, head: bytes, part_keys: list[str]) -> int:
    """Write `head` then every part, in order, as one object, without holding it all in memory
    (a multipart upload of parts of at least 5 MB). Returns the size written."""
    s3, bucket = _s3(), _bucket()
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="text/csv; charset=utf-8")
    parts: list[dict[str, Any]] = []
    buffer, total = bytearray(head), 0

    def flush() -> None:
        nonlocal buffer, total
        number = len(parts) + 1
        result = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number,
                                Body=bytes(buffer))
        parts.append({"ETag": result["ETag"], "PartNumber": number})
        total += len(buffer)
        buffer = bytearray()

    try:
        for part in part_keys:
            buffer += read(part)
            if len(buffer) >= MULTIPART_MIN:
                flush()
        if buffer or not parts:
            flush()
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": parts})
    except Exception:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
        raise
    return total


def enqueue(message: dict[str, Any]) -> None:
    """One chunk of work for the bulk worker."""
    from ..core.clients import client

    settings = get_settings()
    url = settings.bulk_queue_url
    if url.rstrip("/").rsplit("/", 1)[-1] != bulk_queue_name(settings.stage):
        raise SettingsError(f"SAMPARK_BULK_QUEUE_URL must name the queue {bulk_queue_name(settings.stage)}")
    client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(message, separators=(",", ":")))
