"""The command line's HTTP client: quick retries for overload, none for the login throttle."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from sampark_cli.api import ApiError, Client


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    replies: ClassVar[list[tuple[int, dict[str, object]]]] = []

    def do_POST(self) -> None:
        type(self).hits.append(self.path)
        status, body = type(self).replies.pop(0) if type(self).replies else (200, {"ok": True})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.hits, _Handler.replies = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_busy_429_is_retried_until_it_passes(server: str) -> None:
    _Handler.replies = [(429, {"error": {"code": "throttled", "message": "busy"}})]
    assert Client(server).call("POST", "/x", {}, auth=False) == {"ok": True}
    assert _Handler.hits == ["/x", "/x"]


def test_the_login_throttle_is_not_retried(server: str) -> None:
    _Handler.replies = [(429, {"error": {"code": "too_many_attempts", "message": "wait"}})] * 3
    with pytest.raises(ApiError) as refused:
        Client(server).call("POST", "/auth/login", {}, auth=False)
    assert refused.value.status == 429 and refused.value.code == "too_many_attempts"
    assert _Handler.hits == ["/auth/login"]
