"""HTTP in and out, in one place: the `endpoint` decorator every route uses.

It registers the route with the JWT authorizer and its allowed roles (the route x role matrix test
reads ROUTE_ROLES), checks the role, parses and caps the body, and maps the app's exceptions to
status codes. Views receive a `Req` and return a dict (200), or `(status, dict)`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chalice import Blueprint, Response

from . import access, errors
from .auth import ALL_ROLES, Principal, jwt_authorizer, principal_from_context
from .db import DatabaseError, error_code, translate
from .observability import logger
from .settings import get_settings

STATUS: dict[type[errors.AppError], int] = {
    errors.ValidationError: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
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
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.ValidationError("request body is not valid UTF-8 JSON", code="malformed_json") from exc
    if _nesting(text) > MAX_JSON_DEPTH:  # json.loads recurses: a deep body would be a RecursionError
        raise errors.ValidationError(f"request body nests deeper than {MAX_JSON_DEPTH} levels",
                                     code="malformed_json")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise errors.ValidationError("request body is not valid JSON", code="malformed_json") from exc
    _refuse_surrogates(body, "")
    return body


MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _nesting(text: str) -> int:
    """The deepest nesting of arrays and objects in `text`, outside strings (a body that is not
    JSON at all gets a number too; json.loads refuses it next)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_surrogates(value: Any, path: str) -> None:
    """JSON's \\uD800 escapes can spell a lone UTF-16 surrogate: not a character, and not encodable,
    so hashing or storing it would fail. Refused on the field that holds it (keys included)."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise errors.ValidationError(f"{path or 'body'} is not valid Unicode text (a lone surrogate)",
                                         field=path or None, code="invalid_unicode")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if _SURROGATE.search(key):
                raise errors.ValidationError("a field name is not valid Unicode text (a lone surrogate)",
                                             field=path or None, code="invalid_unicode")
            _refuse_surrogates(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_surrogates(item, f"{path}[{i}]")


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
                    access.confirm(principal)  # the token's holder is still active, in this role
                body = _parse_body(request) if request.method in _BODY_METHODS else None
                req = Req(principal, body, dict(request.query_params or {}), dict(request.headers))
                result = view(req, **params)
            except errors.AppError as exc:
                return error_response(exc)
            except DatabaseError as exc:
                logger.warning("database error", extra={"code": error_code(exc)})
                return error_response(translate(exc))
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


# ---- every response --------------------------------------------------------------------------

# The web client's policy (chalicelib/web serves its page under the same one): nothing from outside the
# app, no plugins, no framing. Every HTML answer carries it, whoever made it (a digest preview too).
HTML_CSP = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "manifest-src 'self'", "worker-src 'self'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
# HTML that is not the client's page (an emailed digest, previewed) styles itself with style=""
# attributes, as email HTML must; those may apply, while scripts, <style> elements, and any load
# from elsewhere stay refused by the same policy.
DOCUMENT_CSP = HTML_CSP + "; style-src-attr 'unsafe-inline'"
HTML_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
# Chalice's own refusals (a method a route does not have, a content type it does not take) come as
# {"Code": ..., "Message": ...}; they are answered in the app's shape instead.
_CHALICE_CODES = {400: "bad_request", 405: "method_not_allowed", 415: "unsupported_media_type"}


def response_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice 'http' middleware: Chalice's own error bodies in the app's shape, and the security
    headers on every HTML answer."""
    response = get_response(event)
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        status = response.status_code
        code = _CHALICE_CODES.get(status, "internal" if status >= 500 else "invalid")
        reshaped = json_response({"error": {"code": code, "message": str(body["Message"]), "field": None}}, status)
        reshaped.headers.update({k: v for k, v in response.headers.items() if k.lower() != "content-type"})
        return reshaped
    headers = {k.lower(): k for k in response.headers}
    content_type = str(response.headers.get(headers.get("content-type", ""), ""))
    if content_type.split(";")[0].strip().lower() == "text/html":
        for name, value in {**HTML_HEADERS, "Content-Security-Policy": DOCUMENT_CSP}.items():
            if name.lower() not in headers:  # a response that set its own (the client's page) keeps it
                response.headers[name] = value
    return response
