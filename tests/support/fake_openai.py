"""A small OpenAI-compatible server on loopback that records what it was sent and answers as scripted.

/v1/chat/completions answers from the script — as one JSON body, or, when the request asks for
`stream`, as server-sent chunks (the text in pieces, a fixed time to the first and between the
next; usage last; a stream can be cut off after N pieces); a script may call the handoff_to_human
tool instead of answering, or refuse every request that offers tools (a provider without them).
GET /v1/models answers `models_status` (401 with OpenAI's invalid_api_key error, as for a wrong
key); /v1/embeddings answers with the offline lexical
embedder's vectors (so that retrieval through "OpenAI" finds what shares words), or fails with
`embedding_status` when that is not 200. With `failure_rate`, that share of the unscripted chat
completions fails with a 500, as a flaky provider does (the load benchmark's)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAI", "Scripted"]


@dataclass
class Scripted:
    """One answer: a reply text, or a failure (status code, raw body, delay before answering)."""

    content: str = "Hello from the fake model."
    status: int = 200
    raw_body: bytes | None = None
    delay_seconds: float = 0.0
    total_tokens: int = 42
    headers: dict[str, str] = field(default_factory=dict)  # e.g. a 429's Retry-After
    # A handoff_to_human call instead of (or after) the text: its raw arguments, as the model wrote them.
    tool_arguments: str | None = None
    # Streamed: the pieces of `content` (default: word by word), the wait before the first and
    # between the next, and a cut (the connection closed) after this many pieces.
    pieces: list[str] | None = None
    first_token_seconds: float = 0.0
    token_gap_seconds: float = 0.0
    cut_after: int | None = None


@dataclass
class FakeOpenAI:
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    script: deque[Scripted] = field(default_factory=deque)
    default: Scripted = field(default_factory=Scripted)
    embedding_requests: list[dict[str, Any]] = field(default_factory=list)
    embedding_status: int = 200
    failure_rate: float = 0.0
    failed: int = 0  # chat completions failed by `failure_rate`
    # A provider without tools: a request offering any is refused with a 400.
    rejects_tools: bool = False
    models_status: int = 200
    models_requests: list[dict[str, str]] = field(default_factory=list)  # their headers
    # When each streamed piece was written (time.monotonic()), for the streaming benchmark.
    piece_times: list[float] = field(default_factory=list)
    # Seeded, so that two runs of a benchmark fail about the same calls.
    rng: random.Random = field(default_factory=lambda: random.Random(360))
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def then(self, *answers: Scripted) -> None:
        self.script.extend(answers)

    def reset(self) -> None:
        self.requests.clear()
        self.headers.clear()
        self.script.clear()
        self.default = Scripted()
        self.embedding_requests.clear()
        self.embedding_status = 200
        self.failure_rate = 0.0
        self.failed = 0
        self.rejects_tools = False
        self.models_status = 200
        self.models_requests.clear()
        self.piece_times.clear()

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/").endswith("/embeddings"):
                    self._embeddings(body)
                    return
                fake.requests.append(body)
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                if fake.rejects_tools and body.get("tools"):
                    self._json(400, {"error": {"message": "tools are not supported", "type": "invalid_request_error"}})
                    return
                answer = fake.script.popleft() if fake.script else fake._unscripted()
                if answer.delay_seconds:
                    time.sleep(answer.delay_seconds)
                if body.get("stream") and answer.status == 200 and answer.raw_body is None:
                    self._stream(body, answer)
                    return
                message: dict[str, Any] = {"role": "assistant", "content": answer.content}
                if answer.tool_arguments is not None:
                    message["tool_calls"] = [_tool_call(answer.tool_arguments)]
                if answer.raw_body is not None:
                    payload = answer.raw_body
                elif answer.status != 200:
                    payload = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
                else:
                    payload = json.dumps(
                        {
                            "id": "chatcmpl-fake",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": body.get("model", "fake"),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": message,
                                    "finish_reason": "tool_calls" if answer.tool_arguments is not None else "stop",
                                }
                            ],
                            "usage": {
                                "prompt_tokens": 30,
                                "completion_tokens": 12,
                                "total_tokens": answer.total_tokens,
                            },
                        }
                    ).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout under test)

            def do_GET(self) -> None:
                if not self.path.rstrip("/").endswith("/models"):
                    self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                fake.models_requests.append({k.lower(): v for k, v in self.headers.items()})
                if fake.models_status == 401:
                    self._json(
                        401,
                        {
                            "error": {
                                "message": "Incorrect API key provided: sk-...wxyz.",
                                "type": "invalid_request_error",
                                "code": "invalid_api_key",
                            }
                        },
                    )
                elif fake.models_status != 200:
                    self._json(fake.models_status, {"error": {"message": "scripted failure", "type": "server_error"}})
                else:
                    self._json(200, {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]})

            def _json(self, status: int, value: Any) -> None:
                payload = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, body: dict[str, Any], answer: Scripted) -> None:
                """Server-sent events as OpenAI sends them: a chunk per piece, the tool call, usage, [DONE]."""
                pieces = answer.pieces if answer.pieces is not None else _words(answer.content)
                base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
                base["model"] = body.get("model", "fake")

                def send(chunk: dict[str, Any]) -> None:
                    self.wfile.write(b"data: " + json.dumps({**base, **chunk}).encode() + b"\n\n")
                    self.wfile.flush()

                try:
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("connection", "close")
                    self.end_headers()
                    if answer.first_token_seconds:
                        time.sleep(answer.first_token_seconds)
                    for i, piece in enumerate(pieces):
                        if answer.cut_after is not None and i == answer.cut_after:
                            self.close_connection = True
                            return  # the connection closes mid-answer: no usage, no [DONE]
                        if i and answer.token_gap_seconds:
                            time.sleep(answer.token_gap_seconds)
                        send({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                        fake.piece_times.append(time.monotonic())
                    if answer.tool_arguments is not None:
                        call = {**_tool_call(answer.tool_arguments), "index": 0}
                        send({"choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]})
                    finish = "tool_calls" if answer.tool_arguments is not None else "stop"
                    send({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
                    if (body.get("stream_options") or {}).get("include_usage"):
                        usage = {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": answer.total_tokens}
                        send({"choices": [], "usage": usage})
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _embeddings(self, body: dict[str, Any]) -> None:
                from chatflow.knowledge.embeddings import LexicalEmbedder

                fake.embedding_requests.append(body)
                inputs = body.get("input", [])
                inputs = [inputs] if isinstance(inputs, str) else inputs
                if fake.embedding_status != 200:
                    payload = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
                else:
                    payload = json.dumps(
                        {
                            "object": "list",
                            "model": body.get("model", "fake"),
                            "data": [
                                {"object": "embedding", "index": i, "embedding": LexicalEmbedder.embed_one(text)}
                                for i, text in enumerate(inputs)
                            ],
                            "usage": {"prompt_tokens": 10, "total_tokens": 10},
                        }
                    ).encode()
                self.send_response(fake.embedding_status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _unscripted(self) -> Scripted:
        with self._lock:  # the server answers on many threads at once
            if self.failure_rate and self.rng.random() < self.failure_rate:
                self.failed += 1
                return Scripted(status=500)
        return self.default

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _tool_call(arguments: str) -> dict[str, Any]:
    return {
        "id": "call_fake",
        "type": "function",
        "function": {"name": "handoff_to_human", "arguments": arguments},
    }


def _words(content: str) -> list[str]:
    """The text in pieces as a model streams it: each word with the space before it."""
    words = content.split(" ")
    return [words[0]] + [" " + w for w in words[1:]] if content else []
