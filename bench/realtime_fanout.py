"""Live-update fan-out on the local stack, printed as figures (never asserted).

    .venv/bin/python -m bench.realtime_fanout

Starts a throw-away local stack (`python -m infra.local` in a temp dir, on free loopback ports),
opens 200 dashboard sockets (200 agents of one organisation, each with a real Cognito token) from a
separate receiver process, then sends widget messages through the gateway (`POST /api/chat`) and
measures, for every socket, the time from the accepted message to its `message.created` arriving:

- when the chat write path publishes by itself (once it is wired to chatflow.realtime), from the
  moment the POST is sent;
- until then, from the moment the POST has answered, with the bench publishing as the write path
  will (`realtime.publish_changes(...)` right after the commit).

Also: where the time goes (the publisher's CPU per post, the gateway's CPU per post, the lookup of
who listens). Loopback only; bounded (~1 minute); stops the stack and removes everything it made.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from types import FrameType
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
from psycopg.rows import dict_row

from infra.functions import LAYER_PYTHON_DIR
from tests.support.local_stack import StackDidNotStart, local_stack

SOCKETS = 200
MESSAGES = 15  # widget messages; under the 20 a minute the public API allows one address
TARGET_P99_MS = 100.0
DELIVERY_WAIT_SECONDS = 3.0  # after which a frame counts as lost
PASSWORD = "Bench-passw0rd!"


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)  # so that `finally` stops the stack on kill too
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    print(f"ChatFlow360 live-update fan-out: {SOCKETS} dashboard sockets on one organisation, local stack")
    print(f"machine     {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    with _stack() as stack:
        tokens = _agents(stack, SOCKETS)
        receiver, pipe = _start_receiver(stack.ws_url, tokens)
        try:
            connected = pipe.recv()
            print(f"sockets     {connected} of {SOCKETS} connected in {pipe.recv():.1f} s")
            _measure(stack, pipe)  # ends by stopping the receiver
        finally:
            receiver.join(timeout=10)
            if receiver.is_alive():
                receiver.kill()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


# ---- the stack -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stack:
    api_url: str
    ws_url: str
    public_key: str
    organization_id: UUID
    database_url: str
    moto_url: str
    gateway_pid: int


@contextlib.contextmanager
def _stack() -> Iterator[_Stack]:
    # A log line per post would be the bench.
    quiet = {"LOG_LEVEL": "WARNING", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    try:
        with local_stack("cf360-bench-", env=quiet) as started:
            info = started.info
            yield _Stack(
                api_url=info["apiUrl"],
                ws_url=info["wsUrl"],
                public_key=info["demo"]["publicKey"],
                organization_id=UUID(info["demo"]["organizationId"]),
                database_url=started.database_url,
                moto_url=f"http://127.0.0.1:{started.moto_port}",
                gateway_pid=started.pid,
            )
    except StackDidNotStart as exc:
        raise SystemExit(str(exc)) from exc


def _agents(stack: _Stack, count: int) -> list[str]:
    """`count` agents of the demo organisation: Cognito users (moto), rows, and access tokens."""
    import boto3

    cognito: Any = boto3.client(
        "cognito-idp",
        endpoint_url=stack.moto_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    (pool,) = cognito.list_user_pools(MaxResults=10)["UserPools"]
    (client,) = cognito.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    tokens = []
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        for n in range(count):
            email = f"agent-{n}-{uuid4().hex[:6]}@bench.example"
            user = cognito.admin_create_user(UserPoolId=pool["Id"], Username=email, MessageAction="SUPPRESS")["User"]
            cognito.admin_set_user_password(UserPoolId=pool["Id"], Username=email, Password=PASSWORD, Permanent=True)
            sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
            conn.execute("INSERT INTO users (id, email, name) VALUES (%s, %s, %s)", (sub, email, f"Agent {n}"))
            conn.execute(
                "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, 'agent')",
                (stack.organization_id, sub),
            )
            answer = cognito.initiate_auth(
                ClientId=client["ClientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
            )
            tokens.append(answer["AuthenticationResult"]["AccessToken"])
    return tokens


# ---- the receiving browsers, in their own process ------------------------------------------------------------


def _start_receiver(ws_url: str, tokens: list[str]) -> tuple[multiprocessing.process.BaseProcess, Pipe]:
    # Its own process, as operators' browsers are elsewhere: receiving must not borrow the
    # publisher's interpreter. time.monotonic() is one clock for every process of this machine.
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_receive, args=(ws_url, tokens, theirs), daemon=True)
    process.start()
    return process, ours


def _receive(ws_url: str, tokens: list[str], pipe: Pipe) -> None:
    """Holds the sockets; answers ("seen", id) with how many got that message, and "stop" with every
    message.created it saw: (message id, socket, arrival)."""
    asyncio.run(_receive_async(ws_url, tokens, pipe))


async def _receive_async(ws_url: str, tokens: list[str], pipe: Pipe) -> None:
    from websockets.asyncio.client import connect

    arrivals: list[tuple[str, int, float]] = []

    async def listen(index: int, ws: Any) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                at = time.monotonic()
                event = json.loads(frame)
                if event.get("type") == "message.created":
                    arrivals.append((event["data"]["id"], index, at))

    started = time.monotonic()
    sockets = []
    for start in range(0, len(tokens), 20):  # 20 handshakes at a time: the gateway has 4 workers
        batch = tokens[start : start + 20]
        sockets += await asyncio.gather(
            *(connect(f"{ws_url}?token={t}", open_timeout=30, max_queue=None) for t in batch), return_exceptions=True
        )
    opened = [s for s in sockets if not isinstance(s, BaseException)]
    pipe.send(len(opened))
    pipe.send(time.monotonic() - started)
    tasks = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(opened)]
    loop = asyncio.get_running_loop()
    while (command := await loop.run_in_executor(None, pipe.recv)) != "stop":
        _, message_id = command  # ("seen", id): how many sockets got that message so far
        pipe.send(sum(1 for seen, _, _ in arrivals if seen == message_id))
    pipe.send(arrivals)
    for ws in opened:
        await ws.close()
    for task in tasks:
        task.cancel()


# ---- the measurement ----------------------------------------------------------------------------------------


@dataclass
class _Round:
    message_id: str
    started: float
    publish_seconds: float | None  # None: published by the write path itself


def _measure(stack: _Stack, pipe: Pipe) -> None:
    os.environ.update(
        DATABASE_URL=stack.database_url,
        WEBSOCKET_MANAGEMENT_URL="http" + stack.ws_url.removeprefix("ws"),
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION="us-east-1",
        LOG_LEVEL="WARNING",
    )
    import logging

    logging.disable(logging.WARNING)  # a timed-out post is a figure below, not a console line
    from chatflow import realtime

    visitor = str(uuid4())
    conversation: str | None = None
    rounds: list[_Round] = []
    wired: bool | None = None
    cpu_before, gateway_before = time.process_time(), _cpu_seconds(stack.gateway_pid)
    with (
        httpx.Client(base_url=stack.api_url, timeout=30) as http,
        psycopg.connect(stack.database_url, autocommit=True, row_factory=dict_row) as db,
    ):
        for n in range(MESSAGES):
            body = {"publicKey": stack.public_key, "visitorId": visitor, "message": f"Question number {n}?"}
            if conversation:
                body["conversationId"] = conversation
            sent = time.monotonic()
            answer = http.post("/api/chat", json=body)
            if answer.status_code != 200:
                print(f"POST /api/chat answered {answer.status_code}: {answer.text[:200]}; stopping early")
                break
            conversation = answer.json()["conversationId"]
            row = db.execute(
                "SELECT id FROM messages WHERE conversation_id = %s AND role = 'visitor' ORDER BY seq DESC LIMIT 1",
                (conversation,),
            ).fetchone()
            assert row is not None
            message_id = str(row["id"])
            if wired is None:
                wired = _published_by_itself(pipe, message_id)
            if wired:
                rounds.append(_Round(message_id, sent, None))
            else:
                started = time.monotonic()
                realtime.publish_changes(UUID(conversation), message_ids=[row["id"]], conn=db)
                rounds.append(_Round(message_id, started, time.monotonic() - started))
            time.sleep(0.25)  # one message at a time: a queue behind the last would be measured too
        posts = SOCKETS * len([r for r in rounds if r.publish_seconds is not None])
        cpu_per_post_ms = (time.process_time() - cpu_before) * 1000 / posts if posts else float("nan")
        gateway_cpu_ms = (_cpu_seconds(stack.gateway_pid) - gateway_before) * 1000 / max(1, SOCKETS * len(rounds))
        time.sleep(DELIVERY_WAIT_SECONDS)
        lookup_ms = _lookup_ms(db, stack.organization_id, UUID(conversation)) if conversation else float("nan")
        one_socket = db.execute(
            "SELECT connection_id FROM ws_connections WHERE connection_id !~ '[/+]' LIMIT 1"
        ).fetchone()
        transports = _transport_costs(stack, str(one_socket["connection_id"])) if one_socket else {}
    pipe.send("stop")
    arrivals: list[tuple[str, int, float]] = pipe.recv()
    _report(rounds, arrivals, wired=bool(wired), lookup_ms=lookup_ms, cpu_ms=cpu_per_post_ms, gateway_ms=gateway_cpu_ms)
    for what, (client_ms, gateway_ms) in transports.items():
        print(f"  one post at a time, {what:<29} {client_ms:6.2f} ms CPU here, {gateway_ms:5.2f} ms in the gateway")


def _published_by_itself(pipe: Pipe, message_id: str) -> bool:
    """Whether the chat function publishes on its own: its message reached the sockets unasked."""
    time.sleep(1.0)
    pipe.send(("seen", message_id))
    seen: int = pipe.recv()
    return seen > 0


TRANSPORT_POSTS = 300


def _transport_costs(stack: _Stack, connection_id: str) -> dict[str, tuple[float, float]]:
    """CPU per post, here and in the gateway, one post at a time to one socket: through boto3 as
    chatflow.realtime posts, and (for comparison only) signed with botocore's SigV4Auth and sent
    with urllib3, which is what boto3 does minus its per-call machinery."""
    import urllib3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from chatflow.realtime.publisher import _client
    from chatflow.settings import get_settings

    frame = b'{"type":"bench.noise"}'  # the receiver counts message.created only
    management_url = "http" + stack.ws_url.removeprefix("ws")
    boto = _client(get_settings())
    pool = urllib3.PoolManager(maxsize=1)
    signer = SigV4Auth(Credentials("local", "local"), "execute-api", "us-east-1")
    url = f"{management_url}/@connections/{connection_id}"  # an id without / or +: nothing to encode

    def through_boto3() -> None:
        boto.post_to_connection(ConnectionId=connection_id, Data=frame)

    def signed_by_hand() -> None:
        request = AWSRequest(method="POST", url=url, data=frame)
        signer.add_auth(request)
        pool.request("POST", request.url, body=frame, headers=dict(request.headers.items()))

    costs = {}
    for what, post in (("through boto3", through_boto3), ("signed by hand (urllib3)", signed_by_hand)):
        post()  # warm: the connection is open, the client ready
        cpu, gateway = time.process_time(), _cpu_seconds(stack.gateway_pid)
        for _ in range(TRANSPORT_POSTS):
            post()
        costs[what] = (
            (time.process_time() - cpu) * 1000 / TRANSPORT_POSTS,
            (_cpu_seconds(stack.gateway_pid) - gateway) * 1000 / TRANSPORT_POSTS,
        )
    return costs


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its reaped children (the gateway's own event loop)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _lookup_ms(db: psycopg.Connection[dict[str, Any]], organization_id: UUID, conversation_id: UUID) -> float:
    from chatflow.realtime.connections import find_targets

    samples = []
    for _ in range(50):
        started = time.perf_counter()
        find_targets(db, organizations=[organization_id], conversations=[conversation_id], widgets=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _report(
    rounds: list[_Round],
    arrivals: list[tuple[str, int, float]],
    *,
    wired: bool,
    lookup_ms: float,
    cpu_ms: float,
    gateway_ms: float,
) -> None:
    by_message: dict[str, list[float]] = {}
    for message_id, _socket, at in arrivals:
        by_message.setdefault(message_id, []).append(at)
    latencies: list[float] = []
    slowest: list[float] = []
    lost = 0
    for r in rounds:
        times = [(at - r.started) * 1000 for at in by_message.get(r.message_id, [])]
        lost += SOCKETS - len(times)
        latencies += times
        if times:
            slowest.append(max(times))
    if not latencies:
        print("no deliveries were seen")
        return
    origin = "the POST sent (the chat path publishes)" if wired else "the POST answered (the bench publishes)"
    print(f"measured    {len(rounds)} widget messages × {SOCKETS} sockets = {len(rounds) * SOCKETS} deliveries")
    print(f"            from {origin} to the frame read on each socket")
    p99 = _percentile(latencies, 99)
    verdict = "within" if p99 <= TARGET_P99_MS else "OVER"
    print(f"delivery    p50 {_percentile(latencies, 50):6.1f} ms   p99 {p99:6.1f} ms   max {max(latencies):6.1f} ms")
    print(f"            ({verdict} the {TARGET_P99_MS:.0f} ms p99 target); lost {lost}")
    print(f"last socket p50 {statistics.median(slowest):6.1f} ms   (the whole fan-out of one message)")
    published = [r.publish_seconds * 1000 for r in rounds if r.publish_seconds is not None]
    if published:
        print(f"publish()   p50 {statistics.median(published):6.1f} ms   (lookup, {SOCKETS} posts, answers)")
    print("where the time goes")
    print(f"  who listens (one SQL lookup)            {lookup_ms:6.2f} ms")
    if published:
        print(f"  publisher CPU per post (boto3)          {cpu_ms:6.2f} ms")
    print(f"  gateway CPU per post (@connections)     {gateway_ms:6.2f} ms")


if __name__ == "__main__":
    main()
