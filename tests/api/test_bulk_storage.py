"""The bulk bucket under moto: an export's parts are joined in order into one object, across the 5 MB
multipart threshold; a missing part aborts the upload and leaves no object and no open upload; storage
failures are the app's errors (404 for a missing file, 503 when S3 refuses), never a 500."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.core.errors import NotFound, Unavailable
from chalicelib.core.settings import SettingsError, reset_settings
from chalicelib.imports import blobs
from tests.api.conftest import Env

BUCKET = "sampark-dev-bulk"
MB = 1024 * 1024


def s3() -> object:
    return boto3.client("s3", region_name="ap-south-1")


def test_parts_are_joined_in_order_across_the_multipart_threshold(aws: Env) -> None:
    parts = {"exports/e1/part-0001": b"a" * (3 * MB), "exports/e1/part-0002": b"b" * (3 * MB),
             "exports/e1/part-0003": "तीसरा,भाग\r\n".encode()}
    for key, body in parts.items():
        blobs.write(key, body)
    assert blobs.keys("exports/e1/") == sorted(parts)
    size = blobs.concatenate("reports/e1.csv", b"\xef\xbb\xbfhead\r\n", blobs.keys("exports/e1/"))
    joined = b"\xef\xbb\xbfhead\r\n" + b"".join(parts[k] for k in sorted(parts))
    assert size == len(joined) == blobs.size_of("reports/e1.csv")
    assert blobs.read("reports/e1.csv") == joined  # 2 parts: 6 MB, then the rest
    assert blobs.read("reports/e1.csv", 3, 8) == joined[3:8] and blobs.read("reports/e1.csv", 8, 8) == b""


def test_a_head_alone_is_one_part(aws: Env) -> None:
    assert blobs.concatenate("reports/empty.csv", b"name,phone\r\n", []) == len(b"name,phone\r\n")
    assert blobs.read("reports/empty.csv") == b"name,phone\r\n"


def test_a_missing_part_aborts_the_upload_and_leaves_nothing(aws: Env) -> None:
    blobs.write("exports/e2/part-0001", b"x" * 100)
    with pytest.raises(NotFound):
        blobs.concatenate("reports/e2.csv", b"head\r\n", ["exports/e2/part-0001", "exports/e2/part-0002"])
    assert blobs.size_of("reports/e2.csv") is None
    assert s3().list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []  # type: ignore[attr-defined]


def test_storage_refusals_are_unavailable_not_500(aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPARK_BULK_BUCKET", "sampark-dev-no-such-bucket")
    reset_settings()
    try:
        with pytest.raises(Unavailable):
            blobs.write("reports/x.csv", b"x")
        with pytest.raises(Unavailable):
            blobs.size_of("reports/x.csv")
        with pytest.raises(Unavailable):
            blobs.read("reports/x.csv")
    finally:
        monkeypatch.setenv("SAMPARK_BULK_BUCKET", BUCKET)
        reset_settings()
    with pytest.raises(NotFound):
        blobs.read("reports/x.csv")  # the right bucket: the file simply is not there


def test_a_queue_url_naming_another_queue_is_refused_before_sending(aws: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs = boto3.client("sqs", region_name="ap-south-1")
    other = sqs.create_queue(QueueName="sampark-dev-other")["QueueUrl"]
    monkeypatch.setenv("SAMPARK_BULK_QUEUE_URL", other)
    reset_settings()
    with pytest.raises(SettingsError, match="sampark-dev-bulk"):
        blobs.enqueue({"kind": "chunk", "n": 1})
    assert sqs.receive_message(QueueUrl=other, WaitTimeSeconds=0).get("Messages", []) == []
