"""The import and export machinery of the local stack, where `chalice local` runs no triggers.

In AWS an upload to the bulk bucket fires an S3 ObjectCreated event into `import_uploaded`, and the
bulk queue's event source mapping feeds `bulk_worker`. Locally devtools/account.py makes the
bucket and the queue on the moto server, and `bulk_pumps` starts two threads that do what AWS does:
an `UploadPump` that lists new uploads and invokes `import_uploaded` with the event S3 sends (retried
twice on failure, as Lambda retries an asynchronous event), and devtools.local_events' `SqsPump` for
the queue.
"""

from __future__ import annotations

from typing import Any

from chalicelib.bulk.routes import WORKER_FUNCTION
from chalicelib.core.observability import logger
from chalicelib.imports.routes import UPLOAD_FUNCTION

from .local_events import Pump, SqsPump, handler_invoker


def _client(service: str, endpoint: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id="local",
                        aws_secret_access_key="local")


def s3_event(bucket: str, key: str, size: int, region: str) -> dict[str, Any]:
    """The event S3 sends for one created object."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region, "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": {"key": key, "size": size}},
    }]}


class UploadPump(Pump):
    """Polls the bucket's uploads/ prefix and invokes the upload function once per new object."""

    ATTEMPTS = 3

    def __init__(self, bucket: str, *, endpoint: str, region: str, interval_s: float = 0.3) -> None:
        self.bucket, self.endpoint, self.region, self.interval_s = bucket, endpoint, region, interval_s
        super().__init__()
        self.handled = 0
        self._seen: set[str] = set()

    def poll_once(self, s3: Any, invoke: Any) -> int:
        handled = 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="uploads/"):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key in self._seen:
                    continue
                self._seen.add(key)
                for attempt in range(self.ATTEMPTS):
                    if self._stop.is_set():  # stopping: no retry against servers going away
                        break
                    try:
                        invoke(s3_event(self.bucket, key, int(obj["Size"]), self.region))
                        handled += 1
                        break
                    except Exception:
                        logger.exception("local upload event failed", extra={"attempt": attempt + 1})
        self.handled += handled
        return handled

    def start(self) -> UploadPump:
        s3 = _client("s3", self.endpoint, self.region)
        invoke = handler_invoker(UPLOAD_FUNCTION)

        def run() -> None:
            while not self._stop.wait(self.interval_s):
                try:
                    self.poll_once(s3, invoke)
                except Exception:  # the local server going away while stopping, most often
                    if not self._stop.wait(1):
                        logger.exception("local upload pump could not poll")

        self._launch(run, "upload-pump")
        return self


def bulk_pumps(env: dict[str, str], *, endpoint: str, region: str) -> list[Any]:
    """Start the two pumps; the caller stops them (each has stop())."""
    return [
        UploadPump(env["SAMPARK_BULK_BUCKET"], endpoint=endpoint, region=region).start(),
        SqsPump(env["SAMPARK_BULK_QUEUE_URL"], WORKER_FUNCTION, endpoint=endpoint, region=region).start(),
    ]
