"""A small client of Sampark's HTTP API: login, JSON calls with retries, uploads and downloads."""

from __future__ import annotations

import time
from typing import Any

import requests

RETRY_STATUS = {429, 502, 503, 504}


def _final(response: requests.Response) -> bool:
    """A 429 that no quick retry cures: the login throttle (its window is minutes long)."""
    try:
        return bool(response.json().get("error", {}).get("code") == "too_many_attempts")
    except (ValueError, AttributeError):
        return False


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        self.status, self.code = status, error.get("code")
        message = error.get("message") or str(body)[:300]
        super().__init__(f"{status} {self.code or ''}: {message}".strip())


class Client:
    def __init__(self, base_url: str, *, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.token: str | None = None

    def login(self, username: str, password: str) -> None:
        body = self.call("POST", "/auth/login", {"username": username, "password": password}, auth=False)
        self.token = body["id_token"]

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             auth: bool = True, attempts: int = 4) -> Any:
        """A JSON call; a busy server or a dropped connection is retried with the same request (every
        create carries its Idempotency-Key, so a retry never makes a second one)."""
        hdrs = {"content-type": "application/json", **(headers or {})}
        if auth and self.token:
            hdrs["authorization"] = f"Bearer {self.token}"
        for attempt in range(attempts):
            try:
                response = self.session.request(method, self.base_url + path, json=body, headers=hdrs,
                                                timeout=self.timeout)
            except requests.ConnectionError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5 * 2 ** attempt)
                continue
            if response.status_code in RETRY_STATUS and attempt < attempts - 1 and not _final(response):
                time.sleep(0.5 * 2 ** attempt)
                continue
            data = response.json() if response.content else None
            if response.status_code >= 400:
                raise ApiError(response.status_code, data)
            return data
        raise AssertionError("unreachable")

    def put_file(self, url: str, data: bytes) -> None:
        response = self.session.put(url, data=data, timeout=max(self.timeout, 120))
        if response.status_code >= 300:
            raise ApiError(response.status_code, {"error": {"message": f"upload refused: {response.text[:200]}"}})

    def download(self, url: str) -> bytes:
        response = self.session.get(url, timeout=max(self.timeout, 120))
        response.raise_for_status()
        return bytes(response.content)
