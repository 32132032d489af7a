"""DynamoDB failures become the app's own errors (core/db.py): a throttle is a 429, anything else a 503 —
also a failure that never got an answer (a read timeout under load), which used to crash the translation
into a 500."""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from pynamodb.exceptions import GetError, PutError

from chalicelib.core import db
from chalicelib.core.errors import TooManyRequests, Unavailable


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "GetItem")


def test_a_read_timeout_is_a_503_not_a_crash() -> None:
    for cause in (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), ConnectTimeoutError(endpoint_url="http://x")):
        exc = GetError("batch get failed", cause)
        assert db.error_code(exc) is None
        assert isinstance(db.translate(exc), Unavailable)
        assert not db.is_condition_failure(exc)


def test_throttling_is_a_429_and_a_condition_failure_is_recognised() -> None:
    assert isinstance(db.translate(GetError("x", _client_error("ProvisionedThroughputExceededException"))),
                      TooManyRequests)
    assert isinstance(db.translate(GetError("x", _client_error("InternalServerError"))), Unavailable)
    assert db.is_condition_failure(PutError("x", _client_error("ConditionalCheckFailedException")))
