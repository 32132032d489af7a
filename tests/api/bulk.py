"""Helpers of the import and export tests: upload a file as the CLI does, and run the jobs that
the S3 event and the SQS trigger would run in AWS (the same functions, through the app's middleware)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import boto3
import requests

from devtools.local_events import drain, handler_invoker
from devtools.local_imports import s3_event

REGION = "ap-south-1"


def run_jobs() -> int:
    """Deliver every pending bulk message to the worker until the queue is empty."""
    sqs = boto3.client("sqs", region_name=REGION)
    return drain(sqs, os.environ["SAMPARK_BULK_QUEUE_URL"], REGION, handler_invoker("bulk_worker"))


def deliver_upload(import_id: str) -> None:
    bucket, key = os.environ["SAMPARK_BULK_BUCKET"], f"uploads/{import_id}"
    head = boto3.client("s3", region_name=REGION).head_object(Bucket=bucket, Key=key)
    handler_invoker("import_uploaded")(s3_event(bucket, key, int(head["ContentLength"]), REGION))


def start(api: Any, kind: str, data: bytes, *, filename: str = "list.csv", key: str | None = None,
          **extra: Any) -> dict[str, Any]:
    r = api.post("/imports", {"kind": kind, "filename": filename, "size": len(data), **extra},
                 headers={"idempotency-key": key or uuid.uuid4().hex})
    assert r.status == 201, r.body
    upload = r.json["upload"]
    put = requests.put(upload["url"], data=data, timeout=10)
    assert put.status_code == 200, put.text
    return dict(r.json)


def run_import(api: Any, kind: str, data: bytes, **kw: Any) -> dict[str, Any]:
    """Upload, let the S3 event and the worker run to the end, and return GET /imports/{id}."""
    job = start(api, kind, data, **kw)
    deliver_upload(job["import_id"])
    run_jobs()
    r = api.get(f"/imports/{job['import_id']}")
    assert r.status == 200, r.body
    return dict(r.json)


def report_rows(view: dict[str, Any]) -> list[list[str]]:
    """The error report, downloaded through its presigned link, as rows (header first)."""
    import csv
    import io

    body = requests.get(view["report_url"], timeout=10).content
    assert body.startswith(b"\xef\xbb\xbf"), body[:20]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
