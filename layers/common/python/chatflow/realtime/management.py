"""Posting to one WebSocket connection through API Gateway's Management API
(`POST {WEBSOCKET_MANAGEMENT_URL}/@connections/{connectionId}`, SigV4-signed for execute-api).

Not boto3: a post through its client costs ~0.8 ms of CPU here, one signed with botocore's own
SigV4Auth and sent on a kept-alive http.client connection ~0.25 ms (bench/realtime_fanout.py
prints both), and a message to 200 operators is 200 posts. Each thread keeps its connection.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote, urlsplit

__all__ = ["ManagementApi", "Outcome", "management_api"]

Outcome = Literal["sent", "gone", "failed"]

# API Gateway answers a post to a closed connection with 410 GoneException.
_GONE = 410
_THROTTLED = 429


@dataclass(frozen=True, slots=True)
class ManagementApi:
    endpoint_url: str  # https://{api}.execute-api.{region}.amazonaws.com/{stage}, or the local gateway's /ws
    region: str
    timeout: float

    def post(self, connection_id: str, frame: bytes) -> Outcome:
        """One frame to one connection. A connection dropped by the other end, or a throttled post,
        is tried once more; nothing raises."""
        path = f"{self._base_path}/@connections/{quote(connection_id, safe='')}"
        for attempt in (1, 2):
            try:
                status = self._send(path, frame)
            except (OSError, http.client.HTTPException):
                self._forget_connection()
                if attempt == 2:
                    return "failed"
                continue
            if status == _GONE:
                return "gone"
            if 200 <= status < 300:
                return "sent"
            if status != _THROTTLED:
                return "failed"
        return "failed"

    @property
    def _base_path(self) -> str:
        return urlsplit(self.endpoint_url).path.rstrip("/")

    def _send(self, path: str, frame: bytes) -> int:
        conn = self._connection()
        headers = _signed_headers(self.endpoint_url, self.region, path, frame)
        conn.request("POST", path, body=frame, headers=headers)
        response = conn.getresponse()
        response.read()  # the body must be read before the connection serves the next request
        return response.status

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(_local, self.endpoint_url, None)
        if conn is None:
            parts = urlsplit(self.endpoint_url)
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = kind(parts.netloc, timeout=self.timeout)
            setattr(_local, self.endpoint_url, conn)
        return conn

    def _forget_connection(self) -> None:
        conn = getattr(_local, self.endpoint_url, None)
        if conn is not None:
            conn.close()
            delattr(_local, self.endpoint_url)


_local = threading.local()


def _signed_headers(endpoint_url: str, region: str, path: str, frame: bytes) -> dict[str, str]:
    # Imported here: only a function that posts needs botocore's signer.
    from botocore.awsrequest import AWSRequest

    parts = urlsplit(endpoint_url)
    request = AWSRequest(method="POST", url=f"{parts.scheme}://{parts.netloc}{path}", data=frame)
    _signer(region).add_auth(request)
    return dict(request.headers.items())


@lru_cache(maxsize=4)
def _signer(region: str) -> Any:
    from botocore.auth import SigV4Auth
    from botocore.session import get_session

    # The function's role (Lambda puts its credentials in the environment; refreshable ones are
    # refreshed by botocore as they near their end); moto's "local" ones locally.
    return SigV4Auth(get_session().get_credentials(), "execute-api", region)


@lru_cache(maxsize=4)
def management_api(endpoint_url: str, region: str, timeout: float) -> ManagementApi:
    return ManagementApi(endpoint_url=endpoint_url, region=region, timeout=timeout)
