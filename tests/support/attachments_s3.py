"""S3 for attachment tests without the whole stack: moto's server, fronted by the local gateway's S3 front
(infra.local.gateway.s3, which checks POST policies and presigned URLs as S3 does) served by uvicorn on
loopback; boto3 pointed at moto, presigned URLs at the front. And the calls a browser makes."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import boto3
import httpx
import uvicorn
from moto.server import ThreadedMotoServer
from starlette.applications import Starlette
from starlette.routing import Route

from infra.functions import load_handler
from infra.local.gateway.s3 import MEDIA_PATH, S3_PATH, S3Front
from tests.support.events import LambdaContextStub, rest_event
from tests.support.local_stack import free_port
from tests.support.widget import Answer, WidgetClient

__all__ = ["BUCKET", "LocalS3", "local_s3", "upload", "widget_attachment_call"]

BUCKET = "chatflow-attachments-test"


@dataclass(frozen=True)
class LocalS3:
    moto_url: str
    front_url: str  # what browsers reach: {front}/s3

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.moto_url, region_name="us-east-1")

    def object(self, key: str) -> bytes:
        data: bytes = self.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return data

    @property
    def keys(self) -> list[str]:
        """Every object's key in the bucket."""
        listed = self.client().list_objects_v2(Bucket=BUCKET)
        return sorted(o["Key"] for o in listed.get("Contents", []))


@contextlib.contextmanager
def local_s3() -> Iterator[LocalS3]:
    """moto + the S3 front; the environment a function reads, set for the duration."""
    moto_port, front_port = free_port(), free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    moto_url = f"http://127.0.0.1:{moto_port}"
    front_url = f"http://127.0.0.1:{front_port}"
    saved = {k: os.environ.get(k) for k in _ENV}
    # S3's own endpoint variable (boto3's, read by chatflow.attachments.storage first): another moto may
    # be playing Cognito and SES at AWS_ENDPOINT_URL.
    os.environ.update(
        AWS_ENDPOINT_URL_S3=moto_url,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # moto's; the front checks signatures made with it
        ATTACHMENTS_BUCKET=BUCKET,
        ATTACHMENTS_PUBLIC_ENDPOINT_URL=front_url + S3_PATH,
    )
    from chatflow.attachments import storage

    storage._client.cache_clear()
    boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    app = Starlette(
        routes=[
            Route(
                S3_PATH + "/{path:path}",
                S3Front(moto_url, "local").endpoint,
                methods=["GET", "HEAD", "POST", "OPTIONS"],
            ),
            Route(MEDIA_PATH + "/{path:path}", S3Front(moto_url, "local", BUCKET).media, methods=["GET", "HEAD"]),
        ]
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=front_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield LocalS3(moto_url, front_url)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        moto.stop()
        storage._client.cache_clear()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_ENV = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "ATTACHMENTS_BUCKET",
    "ATTACHMENTS_PUBLIC_ENDPOINT_URL",
)


def upload(grant: dict[str, Any], data: bytes, content_type: str, name: str = "file") -> httpx.Response:
    """The browser's multipart POST of a presigned upload: the fields, then the file."""
    return httpx.post(grant["url"], data=grant["fields"], files={"file": (name, data, content_type)}, timeout=30)


def widget_attachment_call(
    visitor: WidgetClient, conversation_id: UUID | str, body: dict[str, Any], attachment_id: UUID | str | None = None
) -> Answer:
    """POST /api/chat/{id}/attachments (a grant), or with `attachment_id` its confirmation."""
    path = f"/api/chat/{conversation_id}/attachments"
    resource = "/api/chat/{conversationId}/attachments"
    params = {"conversationId": str(conversation_id)}
    if attachment_id is not None:
        path += f"/{attachment_id}"
        resource += "/{attachmentId}"
        params["attachmentId"] = str(attachment_id)
    payload = {"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id), **body}
    event = rest_event(
        "POST",
        path,
        resource=resource,
        raw_body=json.dumps(payload),
        path_parameters=params,
        source_ip=visitor.source_ip,
    )
    response = load_handler("attachments")(event, LambdaContextStub())
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return Answer(response["statusCode"], json.loads(response["body"]) if response["body"] else None, headers)
