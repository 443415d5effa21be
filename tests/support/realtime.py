"""Live updates in tests: the local gateway on a free port with its WebSocket API, and socket clients
that read JSON events with a time limit."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import uvicorn
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.local.gateway import bind_socket, create_app

__all__ = ["Gateway", "Socket", "refusal_status", "serve_gateway"]


@dataclass(frozen=True)
class Gateway:
    port: int

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def management_url(self) -> str:
        return f"{self.http_url}/ws"

    def connect(self, headers: dict[str, str] | None = None, /, **query: str) -> Socket:
        url = self.ws_url + ("?" + urlencode(query) if query else "")
        return Socket(connect(url, additional_headers=headers, open_timeout=10, close_timeout=2, legacy=True))


@contextlib.contextmanager
def serve_gateway(**options: Any) -> Iterator[Gateway]:
    """The local gateway on a free loopback port, with WEBSOCKET_MANAGEMENT_URL pointing at it in this
    process's environment, and so in the worker processes it starts (spawned on first use)."""
    sock = bind_socket("127.0.0.1", 0)
    gateway = Gateway(port=sock.getsockname()[1])
    previous = os.environ.get("WEBSOCKET_MANAGEMENT_URL")
    os.environ["WEBSOCKET_MANAGEMENT_URL"] = gateway.management_url
    server = uvicorn.Server(
        uvicorn.Config(create_app(**options), log_level="warning", lifespan="on", ws_per_message_deflate=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    try:
        while not server.started:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.01)
        yield gateway
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        if previous is None:
            os.environ.pop("WEBSOCKET_MANAGEMENT_URL", None)
        else:
            os.environ["WEBSOCKET_MANAGEMENT_URL"] = previous


def refusal_status(gateway: Gateway, headers: dict[str, str] | None = None, /, **query: str) -> int | None:
    """The HTTP status that refused the handshake; None when the socket opened."""
    try:
        socket = gateway.connect(headers, **query)
    except InvalidStatus as refused:
        return refused.response.status_code
    socket.close()
    return None


@dataclass
class Socket:
    connection: ClientConnection

    def event(self, timeout: float = 3.0) -> dict[str, Any]:
        """The next JSON message; fails the test when none comes within `timeout` seconds."""
        try:
            raw = self.connection.recv(timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"no message within {timeout} s") from None
        message: dict[str, Any] = json.loads(raw)
        return message

    def events(self, count: int, timeout: float = 3.0) -> list[dict[str, Any]]:
        return [self.event(timeout) for _ in range(count)]

    def nothing_more(self, within: float = 0.3) -> bool:
        """True when no message comes within `within` seconds."""
        try:
            self.connection.recv(timeout=within)
        except TimeoutError:
            return True
        return False

    def send(self, text: str | bytes) -> None:
        self.connection.send(text)

    def closed_within(self, timeout: float) -> bool:
        try:
            while True:
                self.connection.recv(timeout=timeout)
        except TimeoutError:
            return False
        except ConnectionClosed:
            return True

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Socket:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
