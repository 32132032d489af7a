"""Logging, metrics and tracing, attached once as Chalice middleware.

Powertools' handler decorators expect a raw Lambda handler, which Chalice routes and schedules are
not; the middleware below does their work instead: a correlation id per request, the route as a log
key, one log line per request, EMF metrics flushed only when some were recorded.
A filter masks any run of digits long enough to be a phone number, in every log record.

Tracing: the deployed functions run with Lambda's active tracing (infra: the Chalice stage's `xray`, the
API's TracingEnabled), which records the API Gateway segment and the function's segment (Initialization,
Invocation, Overhead) without any code here. The X-Ray SDK, which adds a subsegment per route and per AWS
call, costs 130-190 ms of import: it is loaded only when SAMPARK_XRAY_SUBSEGMENTS is true, and then at the
first request or job (`_trace`), never by `import app`, so it is never on the cold start's import
(docs/performance.md, "What a trace shows").
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "sampark"
NAMESPACE = "Sampark"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
SUBSEGMENTS_SETTING = "SAMPARK_XRAY_SUBSEGMENTS"
_tracer: list[Any] = []  # Powertools' Tracer, made at the first traced request or job (it imports the X-Ray SDK)

current_route: ContextVar[str | None] = ContextVar("current_route", default=None)
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

_PHONE_RUN = re.compile(r"(?<![\w])\+?\d[\d \-]{6,}\d(?![\w])|[०-९][०-९ \-]{6,}[०-९]")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?!\d)")


def _mask(match: re.Match[str]) -> str:
    run = match.group()
    date = _DATE.match(run)
    if date:  # an ISO date (a roster period, a day) is not a phone number; what follows it may be
        return date.group() + _PHONE_RUN.sub(_mask, run[date.end():])
    return "***" + re.sub(r"\D", "", run)[-4:]


def redact(text: str) -> str:
    """Mask anything that could be a phone number: keep the last four digits, as lists do."""
    return _PHONE_RUN.sub(_mask, text)


class _RedactPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in _STD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


_STD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
for _handler in logger.handlers:
    _handler.addFilter(_RedactPhones())


def subsegments_enabled() -> bool:
    """Whether requests and jobs add X-Ray subsegments (the route's, and one per AWS call)."""
    return os.environ.get(SUBSEGMENTS_SETTING, "").strip().lower() in ("1", "true", "yes")


def _trace(name: str) -> AbstractContextManager[Any]:
    """A subsegment named `name` when subsegments are enabled; the Tracer (the X-Ray SDK, which patches
    botocore so every AWS call gets its own subsegment) is made on the first such use. Outside Lambda,
    or with POWERTOOLS_TRACE_DISABLED, Powertools makes it a no-op tracer."""
    if not subsegments_enabled():
        return nullcontext()
    if not _tracer:
        from aws_lambda_powertools import Tracer

        _tracer.append(Tracer(service=SERVICE))
    return _tracer[0].provider.in_subsegment(name)  # type: ignore[no-any-return]


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def _flush_metrics() -> None:
    if metrics.metric_set:
        metrics.flush_metrics()


def http_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice 'http' middleware: correlation id, route key, one log line, metrics, a trace segment."""
    context = getattr(event, "context", None) or {}
    headers = getattr(event, "headers", None) or {}
    correlation_id = headers.get("x-correlation-id") or context.get("requestId") or str(uuid.uuid4())
    route = f"{event.method} {context.get('resourcePath', event.path)}"
    # thread-local keys: `chalice local` serves requests on threads, and shared keys would label one
    # request's log line with another's route (in Lambda there is one thread: the same either way)
    logger.thread_safe_append_keys(correlation_id=correlation_id[:64], route=route)
    route_token = current_route.set(route)
    request_token = current_request_id.set(correlation_id)
    started = time.perf_counter()
    status = 500
    try:
        with _trace(f"## {route}"):
            response = get_response(event)
        status = response.status_code
        response.headers["x-correlation-id"] = correlation_id[:64]
        return response
    finally:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info("request", extra={"status": status, "duration_ms": elapsed_ms})
        count("Requests")
        if status >= 500:
            count("ServerErrors")
        _flush_metrics()
        current_route.reset(route_token)
        current_request_id.reset(request_token)
        logger.thread_safe_remove_keys(["route", "correlation_id"])


def job_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Middleware for scheduled and event-driven functions: a correlation id per invocation."""
    name = type(event).__name__
    context = getattr(event, "context", None)
    request_id = getattr(context, "aws_request_id", None) or "-"
    logger.thread_safe_append_keys(correlation_id=request_id, job=name)
    route_token = current_route.set(f"job {name}")
    started = time.perf_counter()
    try:
        with _trace(f"## job {name}"):
            return get_response(event)
    finally:
        logger.info("job finished", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        _flush_metrics()
        current_route.reset(route_token)
        logger.thread_safe_remove_keys(["job", "correlation_id"])
