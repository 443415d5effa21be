"""Outbound webhooks: a visitor's POST does not wait for a slow receiver. Figures, never asserted.

    .venv/bin/python -m bench.webhooks        (make bench)

As in AWS: a throw-away PostgreSQL, moto's SQS in a process of its own with the dispatch queue, and
the AI answering instantly. One organisation with one channel; a receiver over real HTTP on loopback
that takes RECEIVER_DELAY_SECONDS to answer each delivery (and verifies each with the
`standardwebhooks` library). Printed:

1. `POST /api/chat` latency (functions/chat's handler, in-process, real API Gateway events) with no
   endpoint, then with the slow endpoint subscribed to every event: the same, because the POST only
   writes its events and signals the queue;
2. then the queue is drained as functions/dispatch's record handler would (one thread per message, as
   Lambda runs invocations side by side): how many deliveries reached the receiver, and how long it took.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

from bench.widget_api import (
    _database,
    _dispatch_queue,
    _exit_on_signal,
    _set_function_environment,
)
from infra.functions import LAYER_PYTHON_DIR, load_handler
from tests.support.events import LambdaContextStub, rest_event
from tests.support.webhook_receiver import Answer, WebhookReceiver

POSTS = 40
RECEIVER_DELAY_SECONDS = 3.0
_REPORT = sys.stdout


def _emit(*parts: object) -> None:
    print(*parts, file=_REPORT, flush=True)


def _p(ms: list[float], q: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _seed(url: str) -> tuple[UUID, UUID]:
    import psycopg
    from psycopg.rows import dict_row

    from chatflow.access import Caller
    from chatflow.channels import create_channel
    from chatflow.organizations import create_organization

    operator = Caller(
        user_id="bench", email="bench@example.com", name="Bench", is_super_admin=True, preferred_language="en"
    )
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        organization_id = create_organization(conn, name="Bench Shop", plan="growth")
        return organization_id, create_channel(conn, operator, organization_id, name="Website").public_key


def _register(url: str, organization_id: UUID, receiver: WebhookReceiver) -> None:
    import psycopg
    from psycopg.rows import dict_row

    from chatflow import webhooks
    from chatflow.access import Caller
    from chatflow.settings import get_settings

    operator = Caller(
        user_id="bench", email="bench@example.com", name="Bench", is_super_admin=True, preferred_language="en"
    )
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        _, secret = webhooks.create_endpoint(
            conn,
            operator,
            organization_id,
            url=receiver.url,
            events=list(webhooks.WEBHOOK_EVENT_TYPES),
            description=None,
            settings=get_settings(),
        )
    receiver.secrets.append(secret)


def _posts(public_key: UUID, count: int) -> tuple[list[float], list[float]]:
    """(latency of each POST in ms, the moment each returned)."""
    chat = load_handler("chat")
    latencies, returned = [], []
    for n in range(count):
        body = {"publicKey": str(public_key), "visitorId": str(uuid4()), "message": "What are your opening hours?"}
        event = rest_event(
            "POST", "/api/chat", resource="/api/chat", body=body, source_ip=f"10.9.{n >> 8 & 255}.{n & 255}"
        )
        started = time.perf_counter()
        answer = chat(event, LambdaContextStub())
        latencies.append((time.perf_counter() - started) * 1000)
        returned.append(time.time())
        assert answer["statusCode"] == 200, answer["body"]
    return latencies, returned


def _drain() -> tuple[int, float]:
    """Run functions/dispatch on every message of the queue until it is empty: (messages, seconds)."""
    import boto3

    from chatflow import outbox, webhooks
    from chatflow.listeners import LISTENERS

    def dispatch(body: str) -> None:
        # What functions/dispatch's record handler does with one message (its batch processor keeps
        # per-invocation state, so it is not called from several threads here).
        deliveries = webhooks.parse_signal(body)
        if deliveries is not None:
            webhooks.deliver(deliveries)
        else:
            outbox.dispatch(outbox.parse_signal(body), LISTENERS)

    sqs = boto3.client("sqs", region_name="us-east-1")
    handled, started = 0, time.perf_counter()
    idle = 0
    while idle < 3:
        got = sqs.receive_message(
            QueueUrl=os.environ["DISPATCH_QUEUE_URL"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        if not got:
            idle += 1
            continue
        idle = 0
        # Lambda runs a batch per invocation and many invocations at once: one thread per message here.
        with ThreadPoolExecutor(max_workers=len(got)) as pool:
            list(pool.map(lambda m: dispatch(m["Body"]), got))
        for m in got:
            sqs.delete_message(QueueUrl=os.environ["DISPATCH_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
        handled += len(got)
    return handled, time.perf_counter() - started


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    _emit(f"ChatFlow360 webhooks bench: a visitor's POST against a receiver taking {RECEIVER_DELAY_SECONDS:g} s")
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        _database(os.environ.get("DATABASE_URL")) as (url, _where),
        _dispatch_queue(),
    ):
        _set_function_environment(url)
        os.environ["WEBHOOKS_ALLOW_PRIVATE_URLS"] = "true"
        organization_id, public_key = _seed(url)
        receiver = WebhookReceiver()
        try:
            _posts(public_key, 40)  # warm-up: imports, pool, prepared statements
            without, _ = _posts(public_key, POSTS)
            _drain()
            _register(url, organization_id, receiver)
            receiver.answer(*(Answer(delay_seconds=RECEIVER_DELAY_SECONDS) for _ in range(POSTS * 10)))
            with_slow, returned = _posts(public_key, POSTS)
            handled, drained_in = _drain()
            received = receiver.wait_for(POSTS * 4, timeout=60)
            arrivals: dict[str, float] = {}
            for r in received:
                data: dict[str, Any] = json.loads(r.body)["data"]
                conversation = data.get("conversation", {}).get("id")
                if conversation and r.type == "conversation.created":
                    arrivals[conversation] = float(r.headers["webhook-timestamp"])
            verified = sum(1 for r in received if r.verified_with == (0,))
        finally:
            receiver.close()
    _emit(f"POST /api/chat, {POSTS} visitors each (ms)      p50      p99      max")
    for label, ms in (
        ("no webhook endpoint", without),
        (f"an endpoint taking {RECEIVER_DELAY_SECONDS:g} s", with_slow),
    ):
        _emit(f"  {label:<38}{statistics.median(ms):8.1f} {_p(ms, 0.99):8.1f} {max(ms):8.1f}")
    _emit(
        f"Then functions/dispatch drained {handled} queue messages in {drained_in:.1f} s: "
        f"{len(received)} deliveries reached the receiver ({verified} verified with the endpoint's secret), "
        f"{len(arrivals)} conversation.created among them."
    )
    if arrivals and returned:
        lag = [arrival - returned[0] for arrival in arrivals.values()]
        _emit(
            f"  the receiver's answers took {RECEIVER_DELAY_SECONDS:g} s each, in dispatch, never in a visitor's POST; "
            f"deliveries were signed {min(lag):.1f}–{max(lag):.1f} s after the first POST returned "
            "(here the queue is drained only after all POSTs; in AWS dispatch runs at once)."
        )


if __name__ == "__main__":
    main()
