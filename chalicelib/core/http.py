"""HTTP in and out, in one place: the `endpoint` decorator every route uses.

It registers the route with the JWT authorizer and its allowed roles (the route x role matrix test
reads ROUTE_ROLES), checks the role, parses and caps the body, and maps the app's exceptions to
status codes. Views receive a `Req` and return a dict (200), or `(status, dict)`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chalice import Blueprint, Response
from pynamodb.exceptions import PynamoDBException

from . import errors
from .auth import ALL_ROLES, Principal, jwt_authorizer, principal_from_context
from .db import translate
from .observability import logger
from .settings import get_settings

STATUS: dict[type[errors.AppError], int] = {
    errors.ValidationError: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.TooManyRequests: 429,
    errors.Unavailable: 503,
}

# (METHOD, path) -> roles allowed; None marks a public route.
ROUTE_ROLES: dict[tuple[str, str], frozenset[str] | None] = {}

# Chalice answers an unlisted content type with its own 415 body; accept these and refuse in our shape.
_ACCEPTED_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded",
                   "multipart/form-data", "application/octet-stream"]
_BODY_METHODS = {"POST", "PUT", "PATCH"}


@dataclass(frozen=True)
class Req:
    principal: Principal | None
    body: Any
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def user(self) -> Principal:
        assert self.principal is not None, "public routes have no principal"
        return self.principal


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store",
                 **(headers or {})},
    )


def error_response(exc: errors.AppError) -> Response:
    status = STATUS.get(type(exc)) or next(
        (code for cls, code in STATUS.items() if isinstance(exc, cls)), 400
    )
    error: dict[str, Any] = {"code": exc.code, "message": exc.message, "field": exc.field}
    error.update(exc.details)
    retry_after = exc.details.get("retry_after_s", 2)  # a refusal that knows its wait says it
    headers = {"Retry-After": str(retry_after)} if status in (429, 503) else None
    return json_response({"error": error}, status, headers)


def _parse_body(request: Any) -> Any:
    raw: bytes = request.raw_body or b""
    if len(raw) > get_settings().max_body_bytes:
        raise errors.PayloadTooLarge(f"request body is larger than {get_settings().max_body_bytes} bytes")
    if not raw.strip():
        return {}
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise errors.UnsupportedMediaType("send the body as application/json")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.ValidationError("request body is not valid JSON", code="malformed_json") from exc


def endpoint(bp: Blueprint, path: str, *, methods: Iterable[str] = ("GET",),
             roles: Iterable[str] | None = None, public: bool = False) -> Callable[..., Any]:
    """Register `view` for `path`. `roles` are the roles allowed; `public=True` skips auth."""
    methods = [m.upper() for m in methods]
    allowed = None if public else frozenset(roles or ())
    if allowed is not None and (not allowed or not allowed <= ALL_ROLES):
        raise ValueError(f"{path}: roles must be a non-empty subset of {sorted(ALL_ROLES)}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        for method in methods:
            ROUTE_ROLES[(method, path)] = allowed

        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request = bp.current_request
            try:
                principal = None
                if allowed is not None:
                    principal = principal_from_context(request.context)
                    if not principal.roles & allowed:
                        raise errors.Forbidden("your role may not use this route")
                body = _parse_body(request) if request.method in _BODY_METHODS else None
                req = Req(principal, body, dict(request.query_params or {}), dict(request.headers))
                result = view(req, **params)
            except errors.AppError as exc:
                return error_response(exc)
            except PynamoDBException as exc:
                logger.warning("database error", extra={"code": exc.cause_response_code})
                return error_response(translate(exc))  # type: ignore[arg-type]
            except Exception:
                logger.exception("unhandled error")
                return json_response(
                    {"error": {"code": "internal", "message": "internal error", "field": None}}, 500
                )
            if isinstance(result, Response):
                return result
            status, payload = result if isinstance(result, tuple) else (200, result)
            return json_response(payload, status)

        kwargs: dict[str, Any] = {"methods": methods, "content_types": _ACCEPTED_TYPES}
        if allowed is not None:
            kwargs["authorizer"] = jwt_authorizer
        bp.route(path, **kwargs)(handler)
        return handler

    return decorate
