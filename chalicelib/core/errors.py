"""The app's own exceptions. They carry a stable code, a message and the offending field;
`core.http` turns them into HTTP responses, in one place."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details or {}


class ValidationError(AppError):
    code = "invalid"


class Unauthorized(AppError):
    code = "unauthorized"


class Forbidden(AppError):
    code = "forbidden"


class NotFound(AppError):
    code = "not_found"


class Conflict(AppError):
    code = "conflict"


class Gone(AppError):
    """What was there is gone for good (a file withdrawn by an erasure)."""

    code = "gone"


class PayloadTooLarge(AppError):
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    code = "unsupported_media_type"


class TooManyRequests(AppError):
    code = "too_many_requests"


class Unavailable(AppError):
    """A dependency (DynamoDB, Cognito) refused or timed out: retryable by the client."""

    code = "unavailable"
