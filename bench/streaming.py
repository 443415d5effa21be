"""Streamed answers on the local stack, printed as figures (never asserted).

    .venv/bin/python -m bench.streaming

Starts a throw-away local stack (`python -m infra.local` in a temp dir, on free loopback ports) whose
OpenAI is the recording fake server of the tests, streaming every answer with a fixed time to the
first token and a fixed gap between tokens. A widget socket is opened on one conversation, then
answers are asked one after another through the gateway (`POST /api/chat`), and for each:

- the time from the provider writing its first token (the fake's clock) to the first `message.delta`
  frame read on the widget's socket: p50/p99 — the streaming's own cost, on top of the provider's;
- the frames (API Gateway posts) per answer, against the provider's tokens per answer: coalescing at
  one frame per 60 ms per connection;
- that the frames of each answer add up to the POST's whole reply.

Loopback only; bounded (~1 minute); stops the stack and removes everything it made.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import httpx
from websockets.sync.client import connect

from infra.functions import LAYER_PYTHON_DIR
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.local_stack import StackDidNotStart, local_stack

ANSWERS = 40
WARM_UP = 3
TOKENS = 40  # per answer
FIRST_TOKEN_SECONDS = 0.3
TOKEN_GAP_SECONDS = 0.02
TARGET_P99_MS = 100.0


def main() -> None:
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    print("ChatFlow360 streamed answers: one widget socket, local stack, a fake provider that streams")
    print(f"machine     {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(
        f"provider    {TOKENS} tokens an answer, first after {FIRST_TOKEN_SECONDS * 1000:.0f} ms, "
        f"then one every {TOKEN_GAP_SECONDS * 1000:.0f} ms"
    )
    fake = FakeOpenAI().start()
    pieces = [f" word{i}" if i else "word0" for i in range(TOKENS)]
    fake.default = Scripted(
        content="".join(pieces),
        pieces=pieces,
        first_token_seconds=FIRST_TOKEN_SECONDS,
        token_gap_seconds=TOKEN_GAP_SECONDS,
    )
    env = {
        "LOG_LEVEL": "WARNING",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "RATE_LIMIT_CHAT_POST_PER_MINUTE": "0",
        "OPENAI_API_KEY": "sk-bench-streaming",
        "OPENAI_BASE_URL": fake.base_url,
    }
    try:
        with local_stack("cf360-bench-", env=env) as started:
            _run(started.info, fake)
    except StackDidNotStart as exc:
        raise SystemExit(str(exc)) from exc
    finally:
        fake.stop()


def _run(info: dict[str, Any], fake: FakeOpenAI) -> None:
    api, key, visitor = info["apiUrl"], info["demo"]["publicKey"], str(uuid4())
    with httpx.Client(base_url=api, timeout=30) as http:
        body = {"publicKey": key, "visitorId": visitor, "message": "Hello", "lang": "en"}
        conversation = http.post("/api/chat", json=body).json()["conversationId"]
        query = urlencode({"publicKey": key, "visitorId": visitor, "conversationId": conversation})
        frames: list[tuple[float, dict[str, Any]]] = []
        with connect(f"{info['wsUrl']}?{query}", open_timeout=10) as socket:
            stop = threading.Event()
            reader = threading.Thread(target=_read, args=(socket, frames, stop), daemon=True)
            reader.start()
            latencies, posts, tokens, whole = [], [], [], 0
            for n in range(WARM_UP + ANSWERS):
                fake.piece_times.clear()
                frames.clear()
                body = {**body, "message": f"Question {n}?", "conversationId": conversation}
                reply = http.post("/api/chat", json=body).json()["reply"]
                time.sleep(0.2)  # the last frames, sent before the answer was stored, are read
                mine = [(at, f) for at, f in frames if f["data"]["messageId"] == reply["id"]]
                if n < WARM_UP or not mine or not fake.piece_times:
                    continue
                latencies.append((mine[0][0] - fake.piece_times[0]) * 1000)
                posts.append(len(mine))
                tokens.append(len(fake.piece_times))
                whole += "".join(f["data"]["delta"] for _, f in mine) == reply["content"]
            stop.set()
    _report(latencies, posts, tokens, whole)


def _read(socket: Any, frames: list[tuple[float, dict[str, Any]]], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            raw = socket.recv(timeout=0.5)
        except TimeoutError:
            continue
        except Exception:
            return
        event = json.loads(raw)
        if event.get("type") == "message.delta":
            frames.append((time.monotonic(), event))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _report(latencies: list[float], posts: list[int], tokens: list[int], whole: int) -> None:
    if not latencies:
        raise SystemExit("no answer streamed: is WEBSOCKET_MANAGEMENT_URL set on the stack?")
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    verdict = "within" if p99 <= TARGET_P99_MS else "OVER"
    print(f"answers     {len(latencies)} streamed ({WARM_UP} more to warm up, not counted)")
    print(
        f"first token → first delta on the widget's socket: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max "
        f"{max(latencies):.1f} ms ({verdict} the {TARGET_P99_MS:.0f} ms target)"
    )
    print(
        f"posts per answer: {statistics.mean(posts):.1f} mean (min {min(posts)}, max {max(posts)}) for "
        f"{statistics.mean(tokens):.0f} provider tokens over "
        f"{TOKEN_GAP_SECONDS * (TOKENS - 1) * 1000:.0f} ms"
    )
    print(f"whole       {whole}/{len(latencies)} answers' frames add up to the POST's reply")


if __name__ == "__main__":
    main()
