"""The attachments' bucket, through boto3: presigned POSTs and GETs for browsers, and the few calls the
server makes itself (HEAD, GET, PUT, DELETE). The same code runs against moto on the local stack:
boto3 reads AWS_ENDPOINT_URL for the server's calls, and ATTACHMENTS_PUBLIC_ENDPOINT_URL names the
endpoint browsers reach (the local gateway's /s3) for the URLs it signs."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from chatflow.errors import AttachmentsUnavailable
from chatflow.settings import get_settings

__all__ = ["HeadResult", "delete", "get", "head", "presigned_get", "presigned_post", "put"]

_lock = threading.Lock()


@lru_cache(maxsize=4)
def _client(endpoint_url: str | None, region: str) -> Any:
    import boto3
    from botocore.config import Config

    with _lock:  # boto3's default session is not thread-safe while it creates clients
        return boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(
                signature_version="s3v4",
                # A custom endpoint (moto, the gateway's /s3) has no per-bucket host names.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                connect_timeout=3,
                read_timeout=10,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        )


def _bucket() -> str:
    bucket = get_settings().attachments_bucket
    if not bucket:
        raise AttachmentsUnavailable("ATTACHMENTS_BUCKET is not set.")
    return bucket


def _server() -> Any:
    return _client(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"), _region())


def _signer() -> Any:
    settings = get_settings()
    if settings.attachments_public_endpoint_url:
        return _client(settings.attachments_public_endpoint_url, _region())
    return _server()


def _region() -> str:
    return get_settings().aws_region


def presigned_post(*, key: str, content_type: str, max_bytes: int) -> tuple[str, dict[str, str], datetime]:
    """(url, form fields, expiry) of a POST that may store exactly `key`, with this Content-Type and
    1..max_bytes bytes: S3 refuses any other (moto does not: the confirmation checks again)."""
    seconds = get_settings().attachments_url_seconds
    post = _signer().generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=seconds,
    )
    return post["url"], dict(post["fields"]), datetime.now(UTC) + timedelta(seconds=seconds)


def presigned_get(key: str, *, content_type: str | None = None, download_name: str | None = None) -> str:
    """A GET of `key` that works for ATTACHMENTS_URL_SECONDS, served as `content_type` (else as stored).
    `download_name`: served as a download with that name (files); else inline (images)."""
    params: dict[str, str] = {"Bucket": _bucket(), "Key": key}
    if content_type is not None:
        params["ResponseContentType"] = content_type
    if download_name is not None:
        params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(download_name, safe='')}"
    url: str = _signer().generate_presigned_url(
        "get_object", Params=params, ExpiresIn=get_settings().attachments_url_seconds
    )
    return url


class HeadResult:
    __slots__ = ("content_type", "size")

    def __init__(self, size: int, content_type: str | None) -> None:
        self.size = size
        self.content_type = content_type


def head(key: str) -> HeadResult | None:
    """The stored object's size and type; None when nothing was stored under `key`."""
    from botocore.exceptions import ClientError

    try:
        answer = _server().head_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return HeadResult(int(answer["ContentLength"]), answer.get("ContentType"))


def get(key: str) -> bytes:
    data: bytes = _server().get_object(Bucket=_bucket(), Key=key)["Body"].read()
    return data


def put(key: str, data: bytes, *, content_type: str, cache_control: str | None = None) -> None:
    extra = {"CacheControl": cache_control} if cache_control else {}
    _server().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type, **extra)


def delete(*keys: str) -> None:
    # DeleteObjects takes at most 1,000 keys a call.
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        _server().delete_objects(Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
