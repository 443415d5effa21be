"""Posting a frame through API Gateway's Management API, against a loopback server that answers as
API Gateway does: signed for execute-api, 410 for a closed connection, 429 when throttled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from unittest.mock import patch

import pytest

from chatflow.realtime import management
from chatflow.realtime.management import ManagementApi


class _ApiGateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway
    answers: ClassVar[list[int]] = []
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(
            {"path": self.path, "headers": dict(self.headers), "body": body, "port": self.client_address[1]}
        )
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ManagementApi, type[_ApiGateway]]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    # The credentials are read once per process; an earlier test may have read others.
    management._credentials.cache_clear()
    handler = type("Handler", (_ApiGateway,), {"answers": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api = ManagementApi(endpoint_url=f"http://127.0.0.1:{server.server_port}/v1", region="us-east-1", timeout=2)
    yield api, handler
    server.shutdown()
    server.server_close()


def test_a_frame_is_posted_to_the_connections_path_signed_for_execute_api(
    gateway: tuple[ManagementApi, type[_ApiGateway]],
) -> None:
    api, seen = gateway[0], gateway[1].seen

    outcome = api.post("Ab+c/d=", b'{"type":"x"}')

    assert outcome == "sent"
    [request] = seen
    assert request["path"] == "/v1/@connections/Ab%2Bc%2Fd%3D"
    assert request["body"] == b'{"type":"x"}'
    assert request["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/execute-api/aws4_request" in request["headers"]["Authorization"]


@pytest.mark.parametrize("token", [None, "session-token-of-a-role"])
def test_the_signature_is_the_one_botocore_computes(token: str | None) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    path, body = "/prod/@connections/Ab%2Bc%2Fd%3D", b'{"type":"message.created"}'
    now = datetime(2026, 12, 3, 10, 11, 12, tzinfo=UTC)
    theirs = AWSRequest(method="POST", url=f"https://api.example.com{path}", data=body)
    with patch("botocore.auth.get_current_datetime", return_value=now.replace(tzinfo=None)):
        SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(theirs)

    ours = management.sign(
        host="api.example.com", path=path, body=body, region="us-east-1", credentials=credentials, now=now
    )

    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["X-Amz-Date"] == theirs.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == theirs.headers.get("X-Amz-Security-Token")


def test_a_closed_connection_is_reported_gone(gateway: tuple[ManagementApi, type[_ApiGateway]]) -> None:
    api, handler = gateway
    handler.answers.append(410)

    assert api.post("gone", b"{}") == "gone"


def test_a_throttled_post_is_tried_once_more(gateway: tuple[ManagementApi, type[_ApiGateway]]) -> None:
    api, handler = gateway
    handler.answers.extend([429, 200])

    assert api.post("busy", b"{}") == "sent"
    assert len(handler.seen) == 2


def test_a_refused_post_fails_without_a_retry(gateway: tuple[ManagementApi, type[_ApiGateway]]) -> None:
    api, handler = gateway
    handler.answers.append(403)

    assert api.post("forbidden", b"{}") == "failed"
    assert len(handler.seen) == 1


def test_posts_reuse_one_connection(gateway: tuple[ManagementApi, type[_ApiGateway]]) -> None:
    api, handler = gateway

    outcomes = [api.post("same", b"{}") for _ in range(5)]

    assert outcomes == ["sent"] * 5
    assert len({request["port"] for request in handler.seen}) == 1


def test_an_endpoint_nobody_listens_on_fails_and_never_raises() -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    api = ManagementApi(endpoint_url=f"http://127.0.0.1:{port}/v1", region="us-east-1", timeout=0.5)

    assert api.post("anyone", b"{}") == "failed"
