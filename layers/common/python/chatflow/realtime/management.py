"""Posting to one WebSocket connection through API Gateway's Management API
(`POST {WEBSOCKET_MANAGEMENT_URL}/@connections/{connectionId}`, SigV4-signed for execute-api).

A message to 200 operators is 200 posts, so a post's CPU is what a live update costs
(bench/realtime_fanout.py prints it). Measured here per post: boto3's client ~0.8 ms; botocore's
SigV4Auth with http.client ~0.34 ms, of which the signer is ~0.11 ms (it derives the signing key and
re-parses the URL on every request) and http.client's header and body in two writes ~0.1 ms; this
module ~0.12 ms. So the signature is computed here, per the SigV4 specification, with the key
derived once a day (tests/unit/test_realtime_management.py holds it equal to botocore's), and the
request goes out as one write on a kept-alive socket, its answer read by the stdlib's HTTPResponse.
Credentials are botocore's (the function's role, refreshed as they near their end). Each thread
keeps its own socket.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, Literal
from urllib.parse import quote, urlsplit

__all__ = ["ManagementApi", "Outcome", "management_api", "sign"]

Outcome = Literal["sent", "gone", "failed"]

# API Gateway answers a post to a closed connection with 410 GoneException.
_GONE = 410
_THROTTLED = 429
_SERVICE = "execute-api"


@dataclass(frozen=True, slots=True)
class ManagementApi:
    endpoint_url: str  # https://{api}.execute-api.{region}.amazonaws.com/{stage}, or the local gateway's /ws
    region: str
    timeout: float

    def post(self, connection_id: str, frame: bytes) -> Outcome:
        """One frame to one connection. A connection dropped by the other end, or a throttled post,
        is tried once more; nothing raises."""
        path = f"{self._parts.path.rstrip('/')}/@connections/{quote(connection_id, safe='')}"
        for attempt in (1, 2):
            try:
                status = self._send(path, frame)
            except (OSError, http.client.HTTPException):
                self._forget_socket()
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
    def _parts(self) -> Any:
        return _split(self.endpoint_url)

    def _send(self, path: str, frame: bytes) -> int:
        host = self._parts.netloc
        sock = self._socket()
        headers = sign(host=host, path=path, body=frame, region=self.region, credentials=_credentials())
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(frame)}\r\n{head}\r\n".encode() + frame
        )
        response = http.client.HTTPResponse(sock, method="POST")
        response.begin()
        response.read()  # the body must be read before the socket serves the next request
        if response.will_close:
            self._forget_socket()
        return response.status

    def _socket(self) -> socket.socket:
        sock: socket.socket | None = getattr(_local, self.endpoint_url, None)
        if sock is None:
            parts = self._parts
            https = parts.scheme == "https"
            sock = socket.create_connection((parts.hostname, parts.port or (443 if https else 80)), self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if https:
                sock = _tls().wrap_socket(sock, server_hostname=parts.hostname)
            setattr(_local, self.endpoint_url, sock)
        return sock

    def _forget_socket(self) -> None:
        sock = getattr(_local, self.endpoint_url, None)
        if sock is not None:
            sock.close()
            delattr(_local, self.endpoint_url)


_local = threading.local()


def sign(
    *, host: str, path: str, body: bytes, region: str, credentials: Any, now: datetime | None = None
) -> dict[str, str]:
    """The SigV4 headers of a POST to execute-api: X-Amz-Date, the session token if any, and
    Authorization. `path` as sent (already percent-encoded); the canonical request encodes it once
    more, as AWS does for every service but S3. `credentials`: botocore's (access_key, secret_key,
    token)."""
    frozen = credentials.get_frozen_credentials()
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": host, "x-amz-date": stamp}
    if frozen.token:
        headers["x-amz-security-token"] = frozen.token
    signed = ";".join(headers)  # already in sorted order
    canonical = "\n".join(
        (
            "POST",
            quote(path, safe="/~"),
            "",
            "".join(f"{name}:{value}\n" for name, value in headers.items()),
            signed,
            hashlib.sha256(body).hexdigest(),
        )
    )
    scope = f"{stamp[:8]}/{region}/{_SERVICE}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(_signing_key(frozen.secret_key, stamp[:8], region), to_sign.encode(), hashlib.sha256)
    answer = {"X-Amz-Date": stamp}
    if frozen.token:
        answer["X-Amz-Security-Token"] = frozen.token
    answer["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={frozen.access_key}/{scope}, SignedHeaders={signed}, "
        f"Signature={signature.hexdigest()}"
    )
    return answer


@lru_cache(maxsize=8)
def _signing_key(secret_key: str, date: str, region: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, _SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


@cache
def _credentials() -> Any:
    # Imported here: only a function that posts needs botocore. The function's role (Lambda puts
    # its credentials in the environment; refreshable ones are refreshed by botocore as they near
    # their end); moto's "local" ones locally.
    from botocore.session import get_session

    return get_session().get_credentials()


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


@lru_cache(maxsize=4)
def _split(url: str) -> Any:
    return urlsplit(url)


@lru_cache(maxsize=4)
def management_api(endpoint_url: str, region: str, timeout: float) -> ManagementApi:
    return ManagementApi(endpoint_url=endpoint_url, region=region, timeout=timeout)
