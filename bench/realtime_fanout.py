"""Live-update fan-out on the local stack, printed as figures (never asserted).

    .venv/bin/python -m bench.realtime_fanout

Starts a throw-away local stack (`python -m infra.local` in a temp dir, on free loopback ports) and
200 agents of one organisation, each with a real Cognito token. Then, for 0, 20 and 200 open
dashboard sockets (held by a separate receiver process, as operators' browsers are elsewhere), it
sends widget messages through the gateway (`POST /api/chat`) and measures:

- the visitor's POST, as the widget sees it: p50/p99, and the ratio at 200 sockets to 0 — the
  write only signals its events (chatflow.outbox), so it should not grow with the audience;
- delivery: from the commit of the AI's answer (its message's created_at) to its message.created
  frame read on each socket, p50/p99, split into the wait for the listener (the rest of the POST,
  SQS, the gateway's poller, functions/dispatch starting), the listener itself (read, who listens,
  the posts; listener_runs.started_at → done_at), and what remains (the gateway pushing frames);
- the product's CPU per delivered frame: the gateway's worker processes (where functions/dispatch
  runs) at 200 sockets minus at 0, divided by the extra frames delivered.

Loopback only; bounded (~2 minutes); stops the stack and removes everything it made.
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
AUDIENCES = (0, 20, 200)  # open dashboard sockets per round
MESSAGES = 30  # widget messages per round, from as many visitors
WARM_UP = 6  # messages before each round's, not measured
TARGETS_P99_MS = {20: 150.0, 200: 400.0}  # delivery, from the answer's commit
TARGET_POST_RATIO = 1.2  # POST p99 at 200 sockets over POST p99 at 0
TARGET_CPU_PER_FRAME_MS = 0.3
DELIVERY_WAIT_SECONDS = 3.0  # after which a frame counts as lost
PASSWORD = "Bench-passw0rd!"


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)  # so that `finally` stops the stack on kill too
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    print(f"ChatFlow360 live-update fan-out: up to {SOCKETS} dashboard sockets on one organisation, local stack")
    print(f"machine     {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    with _stack() as stack:
        tokens = _agents(stack, SOCKETS)
        rounds = {audience: _round(stack, tokens[:audience]) for audience in AUDIENCES}
        _report(rounds)
        _report_transports(stack)


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
    # Every round's messages come from this one address: the public API's limit would be measured.
    quiet["RATE_LIMIT_CHAT_POST_PER_MINUTE"] = "0"
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
    # publisher's interpreter. time.time() is one clock for this machine's processes and PostgreSQL.
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_receive, args=(ws_url, tokens, theirs), daemon=True)
    process.start()
    return process, ours


def _receive(ws_url: str, tokens: list[str], pipe: Pipe) -> None:
    """Holds the sockets; answers ("seen", id) with how many sockets got that message so far, and
    "stop" with every frame it read: (type, message id or None, arrival)."""
    asyncio.run(_receive_async(ws_url, tokens, pipe))


async def _receive_async(ws_url: str, tokens: list[str], pipe: Pipe) -> None:
    from websockets.asyncio.client import connect

    frames: list[tuple[str, str | None, float]] = []

    async def listen(ws: Any) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                at = time.time()
                event = json.loads(frame)
                frames.append((event.get("type", ""), (event.get("data") or {}).get("id"), at))

    started = time.monotonic()
    sockets = []
    for start in range(0, len(tokens), 20):  # 20 handshakes at a time: the gateway has 4 workers
        batch = tokens[start : start + 20]
        sockets += await asyncio.gather(
            *(connect(f"{ws_url}?token={t}", open_timeout=30, max_queue=None) for t in batch), return_exceptions=True
        )
    opened = [s for s in sockets if not isinstance(s, BaseException)]
    pipe.send((len(opened), time.monotonic() - started))
    tasks = [asyncio.create_task(listen(ws)) for ws in opened]
    loop = asyncio.get_running_loop()
    while (command := await loop.run_in_executor(None, pipe.recv)) != "stop":
        _, message_id = command
        pipe.send(sum(1 for kind, seen, _ in frames if kind == "message.created" and seen == message_id))
    pipe.send(frames)
    for ws in opened:
        await ws.close()
    for task in tasks:
        task.cancel()


# ---- one round: an audience, MESSAGES widget messages -----------------------------------------------------


@dataclass
class _Figures:
    audience: int
    post_ms: list[float]
    delivery_ms: list[float]  # one per (answer, socket) that arrived
    listener_wait_ms: list[float]  # the answer's event: written → push_to_sockets started
    listener_ms: list[float]  # push_to_sockets: started → done
    frames: int
    lost: int
    worker_cpu_ms: float


def _round(stack: _Stack, tokens: list[str]) -> _Figures:
    receiver, pipe = _start_receiver(stack.ws_url, tokens)
    try:
        opened, seconds = pipe.recv()
        print(f"sockets     {opened} of {len(tokens)} connected in {seconds:.1f} s")
        time.sleep(1.0)  # the connections' rows are written
        _send(stack, pipe, len(tokens), WARM_UP)  # every worker process has imported every function
        cpu_before, since = _workers_cpu_seconds(stack.gateway_pid), time.time()
        post_ms, answers = _send(stack, pipe, len(tokens), MESSAGES)
        worker_cpu_ms = (_workers_cpu_seconds(stack.gateway_pid) - cpu_before) * 1000
        pipe.send("stop")
        frames: list[tuple[str, str | None, float]] = pipe.recv()
    finally:
        receiver.join(timeout=10)
        if receiver.is_alive():
            receiver.kill()
    with psycopg.connect(stack.database_url, autocommit=True, row_factory=dict_row) as db:
        rows = db.execute(
            """
            SELECT m.id::text AS id, extract(epoch FROM m.created_at) AS committed,
                   extract(epoch FROM r.started_at - o.created_at) * 1000 AS wait_ms,
                   extract(epoch FROM r.done_at - r.started_at) * 1000 AS listener_ms
            FROM messages m
            JOIN outbox o ON o.type = 'message.created' AND o.payload->>'message_id' = m.id::text
            JOIN listener_runs r ON r.event_id = o.id AND r.listener = 'push_to_sockets'
            WHERE m.id = ANY(%s::uuid[])
            """,
            (answers,),
        ).fetchall()
    committed = {row["id"]: float(row["committed"]) for row in rows}
    arrivals: dict[str, list[float]] = {}
    for kind, message_id, at in frames:
        if kind == "message.created" and message_id is not None and message_id in committed:
            arrivals.setdefault(message_id, []).append(at)
    delivery = [(at - committed[m]) * 1000 for m, ats in arrivals.items() for at in ats]
    return _Figures(
        audience=len(tokens),
        post_ms=post_ms,
        delivery_ms=delivery,
        listener_wait_ms=[float(row["wait_ms"]) for row in rows if row["wait_ms"] is not None],
        listener_ms=[float(row["listener_ms"]) for row in rows if row["listener_ms"] is not None],
        frames=sum(1 for _, _, at in frames if at >= since),
        lost=len(tokens) * len(answers) - len(delivery),
        worker_cpu_ms=worker_cpu_ms,
    )


def _send(stack: _Stack, pipe: Pipe, audience: int, count: int) -> tuple[list[float], list[str]]:
    """`count` opening messages, each sent once the last answer reached every socket (or
    DELIVERY_WAIT_SECONDS passed): latency is measured, not a queue behind the last message.
    Returns each POST's time and each answer's message id."""
    post_ms, answers = [], []
    with httpx.Client(base_url=stack.api_url, timeout=30) as http:
        for n in range(count):
            body = {"publicKey": stack.public_key, "visitorId": str(uuid4()), "message": f"Question number {n}?"}
            sent = time.perf_counter()
            answer = http.post("/api/chat", json=body)
            post_ms.append((time.perf_counter() - sent) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"POST /api/chat answered {answer.status_code}: {answer.text[:200]}")
            answers.append(answer.json()["reply"]["id"])
            deadline = time.monotonic() + DELIVERY_WAIT_SECONDS
            while audience and time.monotonic() < deadline:
                pipe.send(("seen", answers[-1]))
                if pipe.recv() >= audience:
                    break
                time.sleep(0.01)
            time.sleep(0.05)
    return post_ms, answers


TRANSPORT_POSTS = 300


def _transport_costs(stack: _Stack, connection_id: str) -> dict[str, tuple[float, float]]:
    """CPU per post, here and in the gateway, one post at a time to one socket: through
    chatflow.realtime.management (SigV4 computed here, one write per post on a kept-alive socket), and
    for comparison through boto3's client, which it replaced."""
    import boto3
    from botocore.config import Config

    from chatflow.realtime.management import management_api

    frame = b'{"type":"bench.noise"}'  # the receiver counts message.created only
    management_url = "http" + stack.ws_url.removeprefix("ws")
    ours = management_api(management_url, "us-east-1", 2.0)
    boto = boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=management_url,
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 2}),
    )

    def through_boto3() -> None:
        boto.post_to_connection(ConnectionId=connection_id, Data=frame)

    def through_ours() -> None:
        ours.post(connection_id, frame)

    costs = {}
    for what, post in (("chatflow.realtime.management", through_ours), ("boto3 (before)", through_boto3)):
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


def _workers_cpu_seconds(gateway_pid: int) -> float:
    """User + system CPU of the gateway's worker processes, where the functions run."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == gateway_pid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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


def _report(rounds: dict[int, _Figures]) -> None:
    print()
    print(f"{MESSAGES} widget messages per round, each from a new visitor; delivery from the answer's commit")
    print(
        "sockets   POST p50    POST p99   delivery p50  delivery p99  lost  wait p50  wait p99"
        "  listener p50  listener p99"
    )
    for audience, f in rounds.items():
        delivery = (
            f"{_percentile(f.delivery_ms, 50):9.1f} ms {_percentile(f.delivery_ms, 99):9.1f} ms"
            if f.delivery_ms
            else f"{'-':>12} {'-':>12}"
        )
        print(
            f"{audience:>7} {_percentile(f.post_ms, 50):8.1f} ms {_percentile(f.post_ms, 99):8.1f} ms {delivery}"
            f" {f.lost:>5} {_percentile(f.listener_wait_ms, 50):6.1f} ms {_percentile(f.listener_wait_ms, 99):6.1f} ms"
            f" {_percentile(f.listener_ms, 50):9.1f} ms {_percentile(f.listener_ms, 99):9.1f} ms"
        )
    print()
    none, full = rounds[AUDIENCES[0]], rounds[AUDIENCES[-1]]
    ratio = _percentile(full.post_ms, 99) / _percentile(none.post_ms, 99)
    print(
        f"POST p99 at {AUDIENCES[-1]} sockets / at 0: {ratio:.2f}",
        f"({_verdict(ratio <= TARGET_POST_RATIO)} ≤ {TARGET_POST_RATIO})",
    )
    for audience, target in TARGETS_P99_MS.items():
        if audience in rounds and rounds[audience].delivery_ms:
            p99 = _percentile(rounds[audience].delivery_ms, 99)
            print(f"delivery p99 at {audience} sockets: {p99:.1f} ms ({_verdict(p99 <= target)} ≤ {target:.0f} ms)")
    extra_frames = full.frames - none.frames
    if extra_frames > 0:
        per_frame = (full.worker_cpu_ms - none.worker_cpu_ms) / extra_frames
        print(
            f"product CPU per delivered frame: {per_frame:.3f} ms"
            f" ({_verdict(per_frame <= TARGET_CPU_PER_FRAME_MS)} ≤ {TARGET_CPU_PER_FRAME_MS} ms;"
            f" workers {full.worker_cpu_ms:.0f} ms at {AUDIENCES[-1]} sockets, {none.worker_cpu_ms:.0f} ms at 0,"
            f" {extra_frames} frames more)"
        )


def _verdict(within: bool) -> str:
    return "within" if within else "OVER"


def _report_transports(stack: _Stack) -> None:
    os.environ.update(
        DATABASE_URL=stack.database_url,
        WEBSOCKET_MANAGEMENT_URL="http" + stack.ws_url.removeprefix("ws"),
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION="us-east-1",
    )
    tokens = _agents(stack, 1)
    receiver, pipe = _start_receiver(stack.ws_url, tokens)
    try:
        pipe.recv()
        time.sleep(1.0)
        with psycopg.connect(stack.database_url, autocommit=True, row_factory=dict_row) as db:
            lookup_ms = _lookup_ms(db, stack.organization_id, uuid4())
            one = db.execute(
                "SELECT connection_id FROM ws_connections WHERE connection_id !~ '[/+]' LIMIT 1"
            ).fetchone()
        print(f"who listens (one SQL lookup, {SOCKETS + 1} sockets): {lookup_ms:.2f} ms")
        if one:
            for what, (client_ms, gateway_ms) in _transport_costs(stack, str(one["connection_id"])).items():
                print(
                    f"one post at a time, {what:<26} {client_ms:6.2f} ms CPU here, {gateway_ms:5.2f} ms in the gateway"
                )
        pipe.send("stop")
        pipe.recv()
    finally:
        receiver.join(timeout=10)
        if receiver.is_alive():
            receiver.kill()


if __name__ == "__main__":
    main()
