"""A small OpenAI-compatible server on loopback that records what it was sent and answers as scripted.

/v1/chat/completions answers from the script; /v1/embeddings answers with the offline lexical
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
                answer = fake.script.popleft() if fake.script else fake._unscripted()
                if answer.delay_seconds:
                    time.sleep(answer.delay_seconds)
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
                                    "message": {"role": "assistant", "content": answer.content},
                                    "finish_reason": "stop",
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
