"""AWS clients (other than PynamoDB's), created lazily and cached once per container."""

from __future__ import annotations

from functools import cache
from typing import Any

from .settings import get_settings


@cache
def client(service: str) -> Any:
    import boto3  # imported on first use: keeps the cold path short for routes that never need it
    from botocore.config import Config

    settings = get_settings()
    config = Config(connect_timeout=2, read_timeout=8, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.session.Session().client(
        service, region_name=settings.region, endpoint_url=settings.aws_endpoint, config=config
    )


def reset_clients() -> None:
    client.cache_clear()
