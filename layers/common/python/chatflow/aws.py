"""boto3 clients, made once per process. The endpoint comes from boto3's own AWS_ENDPOINT_URL, so
the local stack (moto) and AWS run the same code."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

__all__ = ["client"]

_lock = threading.Lock()


@lru_cache(maxsize=16)
def _client(service: str, region: str) -> Any:
    # Imported here: boto3 costs ~0.15 s to import and the widget's hot path never needs it.
    import boto3
    from botocore.config import Config

    with _lock:  # boto3's default session is not thread-safe while it creates clients
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            config=Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}),
        )


def client(service: str, region: str) -> Any:
    return _client(service, region)
