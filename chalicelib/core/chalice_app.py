"""The Chalice app class, with the request kept per thread.

Chalice keeps `current_request` and `lambda_context` as plain attributes of the app object. In
Lambda one container serves one event at a time, so that is safe; but `chalice local` serves
requests on several threads at once, where one request could read another's body or user. Keeping
both per thread makes the local server (and so the end-to-end and concurrency tests) as safe as AWS.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice import Chalice


class SamparkChalice(Chalice):
    _per_thread = threading.local()

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._per_thread.request = value

    @property  # type: ignore[override]
    def lambda_context(self) -> Any:
        return getattr(self._per_thread, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._per_thread.context = value
