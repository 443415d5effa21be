"""The server-side cost of the widget API, printed as figures (never asserted).

    .venv/bin/python -m bench.widget_api        (make bench)

Against a throw-away PostgreSQL (the embedded server in a temp dir, or a new database on the
server of DATABASE_URL when that is set), with the AI answering instantly (the offline provider) and
each POST signalling its domain events to moto's SQS in a process of its own, as in AWS:

1. latency and throughput of `POST /api/chat` and `GET /api/chat/{id}`: the functions'
   `lambda_handler`, called in-process with real API Gateway REST proxy events, from 1 and 16 threads;
   beside the wall time, the CPU time of the calling thread (Python and libpq, no waiting), which a
   busy machine disturbs far less; then the POST cell again with the throw-away database not waiting
   for its commits' WAL flushes, and the disk's flush time, to show what the disk's share of the wall
   time is (the product's commits are durable: the diagnosis sets the bench's database only);
2. SQL round trips per call, counted on the wire (see `_WireCounter`); the time the server spends
   on each statement (pg_stat_statements) is bench/capacity.py's;
3. where a POST's time goes: cProfile over PROFILE_POSTS calls, own time summed per package.

The cold import of every function is bench/cold_start.py's.

It runs offline (Unix sockets to the database, loopback to moto), stops by itself and removes everything it made.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.functions import LAYER_PYTHON_DIR, Handler, load_handler
from tests.support.events import LambdaContextStub, rest_event

# The targets, printed beside the figures.
TARGET_POST_P50_MS = 1.5
TARGET_POST_P99_MS = 5.0
TARGET_POST_ROUND_TRIPS = 5

CONCURRENCIES = (1, 16)
REQUESTS = {1: 1_000, 16: 2_000}  # per cell, after a warm-up
POSTS_PER_VISITOR = 5  # one new conversation, then four follow-ups: 20 % of POSTs open a conversation
HISTORY_CONVERSATIONS = 64  # read by the GET cells, 4 per thread at concurrency 16
HISTORY_POSTS = 10  # each leaves 20 messages: the visitor's and the AI's
PROFILE_POSTS = 500
PROFILE_TOP = 12
ROUND_TRIP_WARMUP = 24  # uncounted: the pool round-robins 2 connections and each prepares on a 6th run
ROUND_TRIP_SAMPLES = 10  # warm calls counted

# Small talk, none of it a handoff keyword, so that every POST is answered by the AI.
MESSAGES = (
    "Hi! What are your opening hours on Saturday?",
    "Do you ship to Canada, and how long does it take?",
    "Can I change the size of an order I placed yesterday?",
    "¿Tienen la talla M en color azul?",
    "What is your return policy for sale items?",
)


_REPORT = sys.stdout


def _emit(*parts: object) -> None:
    """The report goes to the real stdout; what the functions print while measured does not."""
    print(*parts, file=_REPORT, flush=True)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)  # so that `finally` cleans up on kill too
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    # Powertools warns on each flush of a function that adds no metric (history, close); noise here.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    external_url = os.environ.get("DATABASE_URL")
    _emit("ChatFlow360 widget API bench: server-side cost, AI answering instantly (offline provider)")
    # With POWERTOOLS_METRICS_DISABLED, Powertools still prints the EMF blob of a metric that reaches
    # 100 values (every 100th POST): the functions' stdout is sent to /dev/null.
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        _database(external_url) as (url, where),
        _dispatch_queue(),
    ):
        _set_function_environment(url)
        _print_machine(url, where)
        client = _WidgetClient(_seed_channel(url))
        summary: list[_SummaryRow] = []
        try:
            _print_latency(client, url, summary)
            _print_round_trips(client, url, summary)
            _print_profile(client)
            _print_summary(summary)
        finally:
            _stop_workers()  # before the database goes: a bench stopped midway leaves no request running


@dataclass(frozen=True, slots=True)
class _SummaryRow:
    what: str
    figure: str
    target: str
    within: bool


def _print_summary(rows: list[_SummaryRow]) -> None:
    _emit(f"\nSummary\n   {'':<44}{'figure':<22}{'target':<16}")
    for row in rows:
        verdict = _verdict(row.within) if row.target else ""  # a figure without a target is only printed
        _emit(f"   {row.what:<44}{row.figure:<22}{row.target:<16}{verdict}")


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


# --- the database and the function's environment ---------------------------------------------


@contextlib.contextmanager
def _database(external_url: str | None) -> Iterator[tuple[str, str]]:
    """(conninfo of a new, migrated database, a word on where it is); dropped or removed afterwards."""
    from chatflow.migrate import migrate
    from infra.local import postgres

    workdir: Path | None = None
    if external_url:
        server_url, where = external_url, "the server of DATABASE_URL"
    else:
        workdir = Path(tempfile.mkdtemp(prefix="chatflow-bench-"))
        server_url, where = postgres.start(workdir / "pgdata"), "embedded, Unix socket, temp dir"
    name = f"chatflow_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = make_conninfo(server_url, dbname=name)
            migrate(url)
            yield url, where
        finally:
            from chatflow.db import close_pool

            close_pool()
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        if workdir is not None:
            postgres.stop(workdir / "pgdata")
            shutil.rmtree(workdir, ignore_errors=True)


# Time each thread spent in the outbox's SQS send during its current call.
_SIGNALLING = threading.local()

# moto's SendMessage slows down as its queue grows (0.04 ms more per message waiting: 13 ms with 400
# queued, 76 ms with 2,000, here), and its process then takes most of a core from what is measured. In
# AWS the dispatch function keeps the queue short, so the bench empties it every _PURGE_EVERY POSTs.
_PURGE_EVERY = 200
_purge_queue: Callable[[], None] | None = None
_posts_since_purge = itertools.count(1)
_purge_lock = threading.Lock()


def _keep_queue_short() -> None:
    """Called after each POST, outside its timing."""
    with _purge_lock:
        if _purge_queue is not None and next(_posts_since_purge) % _PURGE_EVERY == 0:
            _purge_queue()


@contextlib.contextmanager
def _dispatch_queue() -> Iterator[None]:
    """moto's SQS in a process of its own, with the dispatch queue: a POST signals its events there,
    as in AWS, and nobody consumes them (the listeners' cost is bench/realtime_fanout.py's). The
    send is timed apart: its cost is moto's speed here, an SQS round trip in AWS."""
    import boto3

    from chatflow.outbox import service as outbox_service

    send = outbox_service._send

    @functools.wraps(send)
    def timed_send(*args: Any, **kwargs: Any) -> None:
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            send(*args, **kwargs)
        finally:
            _SIGNALLING.seconds = getattr(_SIGNALLING, "seconds", 0.0) + time.perf_counter() - started
            _SIGNALLING.cpu = getattr(_SIGNALLING, "cpu", 0.0) + time.thread_time() - cpu_started

    outbox_service._send = timed_send  # type: ignore[assignment]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # moto allows one PurgeQueue a minute, as SQS does, unless told otherwise (see _keep_queue_short).
        env={**os.environ, "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"},
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
        sqs = boto3.client("sqs", region_name="us-east-1")
        deadline = time.monotonic() + 20
        while True:
            try:
                os.environ["DISPATCH_QUEUE_URL"] = sqs.create_queue(QueueName="bench-dispatch")["QueueUrl"]
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        global _purge_queue
        _purge_queue = functools.partial(sqs.purge_queue, QueueUrl=os.environ["DISPATCH_QUEUE_URL"])
        yield
    finally:
        _purge_queue = None
        outbox_service._send = send  # type: ignore[assignment]
        server.terminate()
        server.wait(timeout=10)


def _set_function_environment(database_url: str) -> None:
    """What a function runs with, set before anything imports a handler or reads settings."""
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "ALLOW_OFFLINE_AI": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "chatflow-bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "LOG_LEVEL": "WARNING",
            "DB_POOL_MAX_SIZE": "16",
            "ENCRYPTION_KEY": secrets.token_hex(32),
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)


def _use_database(conninfo: str) -> None:
    """Point the functions' pool at another address: the next call opens a new pool there."""
    from chatflow.db import close_pool
    from chatflow.settings import get_settings

    close_pool()
    os.environ["DATABASE_URL"] = conninfo
    get_settings.cache_clear()


def _seed_channel(url: str) -> UUID:
    """An organisation (growth plan) with one website channel; returns the channel's public key."""
    from psycopg.rows import dict_row

    from chatflow.access import Caller
    from chatflow.channels import create_channel
    from chatflow.organizations import create_organization

    operator = Caller(
        user_id="bench", email="bench@example.com", name="Bench", is_super_admin=True, preferred_language="en"
    )
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        organization_id = create_organization(conn, name="Bench Shop", plan="growth")
        return create_channel(conn, operator, organization_id, name="Website").public_key


def _print_machine(url: str, where: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        server = conn.execute("SHOW server_version").fetchone()
        vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    libpq = psycopg.pq.version()
    cpu = f" ({model})" if (model := _cpu_model()) else ""
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    _emit(
        f"machine     {os.cpu_count()} cores{cpu}, {platform.system()} {platform.machine()}{load}\n"
        f"            {platform.python_implementation()} {platform.python_version()}, "
        f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq {libpq // 10000}.{libpq % 100})\n"
        f"            PostgreSQL {server[0] if server else '?'} ({where}), pgvector {vector[0] if vector else '-'}"
    )


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


# --- the widget's calls, as API Gateway events ------------------------------------------------


@dataclass
class _Visitor:
    visitor_id: UUID
    source_ip: str
    conversation_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class _Sample:
    seconds: float
    status: int
    signal_seconds: float = 0.0  # of `seconds`, sending the events' signal to SQS
    cpu_seconds: float = 0.0  # the calling thread's CPU time, the signal's excluded

    @property
    def own_seconds(self) -> float:
        return self.seconds - self.signal_seconds


class _WidgetClient:
    """Calls the three widget functions the way API Gateway does, one visitor at a time."""

    def __init__(self, public_key: UUID) -> None:
        self.public_key = public_key
        self._chat = load_handler("chat")
        self._history = load_handler("history")
        self._close = load_handler("close")
        self._context = LambdaContextStub()
        self._visitor_numbers = itertools.count(1)
        self._messages = itertools.cycle(MESSAGES)

    def new_visitor(self) -> _Visitor:
        # Each visitor has its own address, as per-IP limits would see real visitors.
        n = next(self._visitor_numbers)
        return _Visitor(visitor_id=uuid4(), source_ip=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")

    def post(self, visitor: _Visitor) -> _Sample:
        """A message: opens the visitor's conversation, or follows up in it."""
        body: dict[str, str] = {
            "publicKey": str(self.public_key),
            "visitorId": str(visitor.visitor_id),
            "message": next(self._messages),
            "lang": "en",
            "pageUrl": "https://shop.example.com/products/blue-shirt",
            "clientMessageId": str(uuid4()),
        }
        if visitor.conversation_id is not None:
            body["conversationId"] = str(visitor.conversation_id)
        event = rest_event("POST", "/api/chat", resource="/api/chat", body=body, headers=self._headers(visitor))
        sample, answer = self._call(self._chat, event, visitor)
        _keep_queue_short()
        if sample.status == 200:
            visitor.conversation_id = UUID(answer["conversationId"])
        return sample

    def get(self, visitor: _Visitor) -> _Sample:
        conversation = str(visitor.conversation_id)
        event = rest_event(
            "GET",
            f"/api/chat/{conversation}",
            resource="/api/chat/{conversationId}",
            query={"publicKey": str(self.public_key), "visitorId": str(visitor.visitor_id)},
            path_parameters={"conversationId": conversation},
            headers=self._headers(visitor),
        )
        return self._call(self._history, event, visitor)[0]

    def patch(self, visitor: _Visitor) -> _Sample:
        conversation = str(visitor.conversation_id)
        event = rest_event(
            "PATCH",
            f"/api/chat/{conversation}",
            resource="/api/chat/{conversationId}",
            body={"visitorId": str(visitor.visitor_id)},
            path_parameters={"conversationId": conversation},
            headers=self._headers(visitor),
        )
        return self._call(self._close, event, visitor)[0]

    @staticmethod
    def _headers(visitor: _Visitor) -> dict[str, str]:
        return {"X-Forwarded-For": visitor.source_ip}

    def _call(self, handler: Handler, event: dict[str, Any], visitor: _Visitor) -> tuple[_Sample, dict[str, Any]]:
        event["requestContext"]["identity"]["sourceIp"] = visitor.source_ip
        _SIGNALLING.seconds = _SIGNALLING.cpu = 0.0
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = handler(event, self._context)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        status = int(response["statusCode"])
        answer = json.loads(response["body"]) if status == 200 else {}
        return _Sample(elapsed, status, _SIGNALLING.seconds, cpu - _SIGNALLING.cpu), answer


# --- 1. latency and throughput ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    samples: list[_Sample]
    wall_seconds: float

    def milliseconds(self) -> list[float]:
        return [s.seconds * 1_000 for s in self.samples]

    def errors(self) -> Counter[int]:
        return Counter(s.status for s in self.samples if s.status != 200)


_STOPPING = threading.Event()
_WORKERS: list[threading.Thread] = []


def _stop_workers() -> None:
    _STOPPING.set()
    for thread in _WORKERS:
        thread.join(timeout=5)


def _run(concurrency: int, requests: int, work: Callable[[int, int], list[_Sample]]) -> _Cell:
    """`work(worker, n)` in `concurrency` threads started together; `requests` in all."""
    per_worker = [requests // concurrency + (1 if w < requests % concurrency else 0) for w in range(concurrency)]
    results: list[list[_Sample]] = [[] for _ in range(concurrency)]
    failures: list[BaseException] = []
    start = threading.Barrier(concurrency + 1)

    def worker(w: int) -> None:
        start.wait()
        try:
            results[w] = work(w, per_worker[w])
        except BaseException as exc:  # reported below, not swallowed
            failures.append(exc)

    # Daemon threads: a bench stopped midway (Ctrl-C, SIGTERM) does not wait for them.
    threads = [threading.Thread(target=worker, args=(w,), name=f"visitor-{w}", daemon=True) for w in range(concurrency)]
    _WORKERS[:] = threads
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return _Cell([s for r in results for s in r], wall)


def _post_work(client: _WidgetClient) -> Callable[[int, int], list[_Sample]]:
    def work(_worker: int, n: int) -> list[_Sample]:
        samples: list[_Sample] = []
        visitor = client.new_visitor()
        for i in range(n):
            if _STOPPING.is_set():
                break
            if i and i % POSTS_PER_VISITOR == 0:
                visitor = client.new_visitor()
            samples.append(client.post(visitor))
        return samples

    return work


def _get_work(client: _WidgetClient, visitors: list[_Visitor], concurrency: int) -> Callable[[int, int], list[_Sample]]:
    def work(worker: int, n: int) -> list[_Sample]:
        mine = visitors[worker::concurrency]  # each thread reads only its own visitors' conversations
        return [client.get(mine[i % len(mine)]) for i in range(n) if not _STOPPING.is_set()]

    return work


def _history_visitors(client: _WidgetClient) -> list[_Visitor]:
    """Visitors whose conversations hold 20 messages, written through the chat function itself."""
    visitors = [client.new_visitor() for _ in range(HISTORY_CONVERSATIONS)]
    concurrency = max(CONCURRENCIES)

    def work(worker: int, _n: int) -> list[_Sample]:
        return [
            client.post(v)
            for v in visitors[worker::concurrency]
            for _ in range(HISTORY_POSTS)
            if not _STOPPING.is_set()
        ]

    _run(concurrency, concurrency, work)
    return visitors


def _print_latency(client: _WidgetClient, url: str, summary: list[_SummaryRow]) -> None:
    _emit("\n1. Latency per call, handler in-process (ms) and throughput; Powertools, pydantic, pool and SQL included")
    reference = _select_one_p50_ms(url)
    _emit(f"   one bare round trip for reference (SELECT 1 on the same socket): p50 {reference:.3f} ms")
    history_visitors = _history_visitors(client)  # also warms the chat function and grows the pool
    header = f"   {'call':<28}{'threads':>7}{'p50':>8}{'p99':>8}{'mean':>8}{'req/s':>8}{'n':>6}  errors  target"
    _emit(header)
    cases: list[tuple[str, Callable[[int], Callable[[int, int], list[_Sample]]]]] = [
        ("POST /api/chat (mix)", lambda _c: _post_work(client)),
        ("GET /api/chat/{id} (20 msgs)", lambda c: _get_work(client, history_visitors, c)),
    ]
    for label, make_work in cases:
        for concurrency in CONCURRENCIES:
            work = make_work(concurrency)
            _run(concurrency, 8 * concurrency + 40, work)  # warm-up: not measured
            cell = _run(concurrency, REQUESTS[concurrency], work)
            _emit_row(label, concurrency, cell.milliseconds(), cell, "")
            if not label.startswith("POST"):
                continue
            signal_ms = [s.signal_seconds * 1_000 for s in cell.samples]
            _emit_row("  of which the SQS signal", concurrency, signal_ms, None, "")
            own_ms = [s.own_seconds * 1_000 for s in cell.samples]
            target = ""
            if concurrency == 1:
                p50, p99 = _p50_p99(own_ms)
                within = p50 <= TARGET_POST_P50_MS and p99 <= TARGET_POST_P99_MS
                target = f"p50 ≤ {TARGET_POST_P50_MS:g}, p99 ≤ {TARGET_POST_P99_MS:g}: {_verdict(within)}"
                summary.append(
                    _SummaryRow(
                        "POST /api/chat p50 / p99, 1 thread, ours",
                        f"{p50:.2f} / {p99:.2f} ms",
                        f"≤ {TARGET_POST_P50_MS:g} / ≤ {TARGET_POST_P99_MS:g} ms",
                        within,
                    )
                )
            _emit_row("  the rest (ours)", concurrency, own_ms, None, target)
            cpu_ms = [s.cpu_seconds * 1_000 for s in cell.samples]
            _emit_row("  its CPU time (thread)", concurrency, cpu_ms, None, "")
            if concurrency == 1:
                p50, p99 = _p50_p99(cpu_ms)
                summary.append(
                    _SummaryRow("POST /api/chat CPU p50 / p99, 1 thread", f"{p50:.2f} / {p99:.2f} ms", "", True)
                )
                _print_commit_flush(client, url, summary)
    _emit(
        f"   POST mix: each visitor opens a conversation then follows up {POSTS_PER_VISITOR - 1} times "
        f"({100 // POSTS_PER_VISITOR} % new); every POST carries a clientMessageId.\n"
        "   16 threads share one interpreter (one GIL) and 16 pooled connections; a Lambda runs one at a time.\n"
        "   The SQS signal goes to moto's server on loopback (tens of ms of Python per call under 16 threads); in\n"
        "   AWS it is one SendMessage round trip in the region. The target is for the rest, the function's own cost."
    )


def _print_commit_flush(client: _WidgetClient, url: str, summary: list[_SummaryRow]) -> None:
    """What waiting for the disk costs a POST here: the same cell again with the bench's database set
    not to wait for the WAL flush of a commit (synchronous_commit off, for this throw-away database only;
    the product's writes commit durably, as Aurora's do), and the disk's own flush time. The difference is
    the commit flushes' share of the wall time: this machine's shared disk, not our code."""
    dbname = str(conninfo_to_dict(url)["dbname"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(dbname)))
    _use_database(url)  # a new pool, whose sessions read the setting
    try:
        work = _post_work(client)
        _run(1, 40, work)
        cell = _run(1, REQUESTS[1], work)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} RESET synchronous_commit").format(sql.Identifier(dbname)))
        _use_database(url)
    own_ms = [s.own_seconds * 1_000 for s in cell.samples]
    _emit_row("  ours, commits not flushed", 1, own_ms, cell, "(diagnosis: the product waits for them)")
    p50, p99 = _p50_p99(own_ms)
    summary.append(_SummaryRow("POST p50 / p99, 1 thread, no commit flush", f"{p50:.2f} / {p99:.2f} ms", "", True))
    flush_ms = _fdatasync_ms(Path(tempfile.gettempdir()))
    flush_p50, flush_p99 = _p50_p99(flush_ms)
    _emit(
        f"   one 8 kB write + fdatasync in {tempfile.gettempdir()} (the embedded server's disk), as a commit's WAL "
        f"flush: p50 {flush_p50:.3f}, p99 {flush_p99:.3f} ms; load average {os.getloadavg()[0]:.2f}"
    )
    summary.append(
        _SummaryRow("disk flush (8 kB + fdatasync) p50 / p99", f"{flush_p50:.3f} / {flush_p99:.3f} ms", "", True)
    )


def _fdatasync_ms(directory: Path, samples: int = 300) -> list[float]:
    block = os.urandom(8192)
    timings = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="chatflow-flush-") as probe:
        for _ in range(samples):
            started = time.perf_counter()
            os.pwrite(probe.fileno(), block, 0)
            os.fdatasync(probe.fileno())
            timings.append((time.perf_counter() - started) * 1_000)
    return timings


def _p50_p99(ms: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _emit_row(label: str, concurrency: int, ms: list[float], cell: _Cell | None, target: str) -> None:
    """A row of the latency table; throughput and errors only for a whole call (`cell`)."""
    p50, p99 = _p50_p99(ms)
    rate = f"{len(ms) / cell.wall_seconds:>8.0f}" if cell else f"{'':>8}"
    errors = (", ".join(f"{n}×{status}" for status, n in sorted(cell.errors().items())) or "0") if cell else ""
    _emit(
        f"   {label:<28}{concurrency:>7}{p50:>8.2f}{p99:>8.2f}{statistics.fmean(ms):>8.2f}"
        f"{rate}{len(ms):>6}  {errors:<6}  {target}",
    )


def _select_one_p50_ms(url: str) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        timings = []
        for _ in range(1_000):
            started = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1_000


def _verdict(within: bool) -> str:
    return "ok" if within else "OVER"


# --- 2. SQL round trips, counted on the wire ----------------------------------------------------


class _WireCounter:
    """A Unix-socket proxy in front of PostgreSQL that reads what the client sends.

    Method: a round trip is a message after which the client waits for the server. In protocol v3
    those are the start-up packet, each authentication answer ('p'), a simple Query ('Q', how
    psycopg sends BEGIN and COMMIT), a Sync ('S', which closes each extended-protocol batch
    Parse/Bind/Describe/Execute: one `execute()` in autocommit, one catalog lookup, or psycopg
    preparing a statement it has run often) and a FunctionCall ('F'); the server answers each with
    ReadyForQuery or the next authentication step. psycopg does not use pipeline mode here, so each
    is one wait. Nothing in the library is changed or wrapped: the functions' pool simply connects
    to this proxy instead of the server. Each chunk is parsed before it is forwarded, so a call's
    round trips are all recorded by the time its answer can arrive.
    """

    def __init__(self, upstream_conninfo: str) -> None:
        params = {k: str(v) for k, v in conninfo_to_dict(upstream_conninfo).items() if v is not None}
        host, port = params.get("host", "/var/run/postgresql"), params.get("port", "5432")
        self._upstream: tuple[socket.AddressFamily, Any] = (
            (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}") if host.startswith("/") else (socket.AF_INET, (host, int(port)))
        )
        self._dir = Path(tempfile.mkdtemp(prefix="chatflow-wire-"))
        params.pop("hostaddr", None)
        self.conninfo = make_conninfo("", **{**params, "host": str(self._dir), "port": port})
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self._dir / f".s.PGSQL.{port}"))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._round_trips: list[tuple[int, str]] = []  # (connection, label)
        self._connections = itertools.count(1)
        self._acceptor = threading.Thread(target=self._accept, name="wire-counter", daemon=True)
        self._acceptor.start()

    def mark(self) -> int:
        with self._lock:
            return len(self._round_trips)

    def since(self, mark: int) -> list[tuple[int, str]]:
        with self._lock:
            return self._round_trips[mark:]

    def settle(self, quiet_seconds: float = 0.3, limit_seconds: float = 3.0) -> None:
        """Wait until nothing has been sent for a while: the pool may still be opening a connection."""
        deadline = time.monotonic() + limit_seconds
        seen = self.mark()
        while time.monotonic() < deadline:
            time.sleep(quiet_seconds)
            if (now := self.mark()) == seen:
                return
            seen = now

    def close(self) -> None:
        self._stopping.set()
        self._acceptor.join()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _record(self, connection: int, label: str) -> None:
        with self._lock:
            self._round_trips.append((connection, label))

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            server = socket.socket(self._upstream[0], socket.SOCK_STREAM)
            try:
                server.connect(self._upstream[1])
            except OSError:
                client.close()  # the client sees the server refuse, as it would without the proxy
                server.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            parser = _FrontendParser(functools.partial(self._record, next(self._connections)))
            threading.Thread(target=self._pump, args=(client, server, parser.feed), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, None), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket, observe: Callable[[bytes], None] | None) -> None:
        try:
            while data := source.recv(65_536):
                if observe is not None:
                    observe(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


_SSL_REQUEST, _GSSENC_REQUEST, _CANCEL_REQUEST = 80877103, 80877104, 80877102


class _FrontendParser:
    """Splits the client's byte stream into protocol messages and reports each round trip with a label."""

    def __init__(self, record: Callable[[str], None]) -> None:
        self._record = record
        self._buffer = bytearray()
        self._starting = True
        self._statements: dict[str, str] = {}  # prepared statement name → SQL
        self._batch: list[tuple[str, str]] = []  # ("parse" | "bind", SQL) since the last Sync

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while True:
            if self._starting:  # untyped: length, then a request code or the protocol version
                if len(self._buffer) < 8 or len(self._buffer) < (size := int.from_bytes(self._buffer[:4], "big")):
                    return
                code = int.from_bytes(self._buffer[4:8], "big")
                del self._buffer[:size]
                if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                    self._record("encryption request")  # answered with one byte; start-up follows
                elif code != _CANCEL_REQUEST:
                    self._starting = False
                    self._record("start-up (connect)")
                continue
            if len(self._buffer) < 5 or len(self._buffer) < 1 + (size := int.from_bytes(self._buffer[1:5], "big")):
                return
            kind, body = chr(self._buffer[0]), bytes(self._buffer[5 : 1 + size])
            del self._buffer[: 1 + size]
            self._message(kind, body)

    def _message(self, kind: str, body: bytes) -> None:
        fields = body.split(b"\x00")
        if kind == "Q":
            self._record(_label(fields[0].decode(errors="replace")))
        elif kind == "P":
            name, query = fields[0].decode(), fields[1].decode(errors="replace")
            self._statements[name] = query
            self._batch.append(("parse", query))
        elif kind == "B":
            self._batch.append(("bind", self._statements.get(fields[1].decode(), "?")))
        elif kind == "S":
            bound = [q for step, q in self._batch if step == "bind"]
            parsed = [q for step, q in self._batch if step == "parse"]
            self._record(_label(bound[0]) if bound else f"prepare: {_label(parsed[0])}" if parsed else "sync")
            self._batch.clear()
        elif kind == "p":
            self._record("authentication")
        elif kind == "F":
            self._record("function call")


_TYPE_LOOKUP = "type lookup (pg_type)"
# What a connection sends before its first statement: start-up, then pgvector's type lookups.
_SET_UP_LABELS = frozenset(
    {"start-up (connect)", "encryption request", "authentication", "BEGIN", "COMMIT", _TYPE_LOOKUP}
)


def _label(query: str) -> str:
    text = " ".join(query.split())
    if "pg_type" in text:
        return _TYPE_LOOKUP
    return text if len(text) <= 70 else text[:69] + "…"


@dataclass(frozen=True, slots=True)
class _RoundTrips:
    call: str
    short: str
    warm: list[int]  # round trips of each counted call
    warm_labels: list[str]  # those of the last counted call
    cold: list[str]  # the first call of a new pool, on the connection that served it
    cold_alongside: list[str]  # …and on any other connection the pool opened meanwhile
    prepares: int  # statements psycopg prepared during the warm-up (one extra round trip each)


def _count_round_trips(client: _WidgetClient, url: str) -> list[_RoundTrips]:
    readers = itertools.cycle(_history_visitors_for_count(client))
    counter = _WireCounter(url)
    try:

        def with_conversation() -> _Visitor:
            visitor = client.new_visitor()
            client.post(visitor)
            return visitor

        cases: list[tuple[str, str, Callable[[], _Visitor], Callable[[_Visitor], _Sample]]] = [
            ("POST /api/chat, new conversation", "POST new", client.new_visitor, client.post),
            ("POST /api/chat, follow-up", "POST follow-up", with_conversation, client.post),
            ("GET /api/chat/{id}, 20 messages", "GET", lambda: next(readers), client.get),
            ("PATCH /api/chat/{id}", "PATCH", with_conversation, client.patch),
        ]
        results = []
        for call, short, make_visitor, request in cases:
            # The first call on a new pool, a warm-up, then the calls counted.
            visitors = [make_visitor() for _ in range(1 + ROUND_TRIP_WARMUP + ROUND_TRIP_SAMPLES)]
            _use_database(counter.conninfo)  # a new pool, as in a Lambda's cold start
            calls: list[list[tuple[int, str]]] = []
            for n, visitor in enumerate(visitors):
                mark = counter.mark()
                sample = request(visitor)
                if sample.status != 200:
                    raise RuntimeError(f"{call} answered {sample.status}")
                if n == 0:
                    counter.settle()  # let the pool finish what the first call started
                calls.append(counter.since(mark))
            warm = [[label for _, label in c] for c in calls[-ROUND_TRIP_SAMPLES:]]
            serving = next((conn for conn, label in reversed(calls[0]) if label not in _SET_UP_LABELS), 0)
            results.append(
                _RoundTrips(
                    call=call,
                    short=short,
                    warm=[len(c) for c in warm],
                    warm_labels=warm[-1],
                    cold=[label for conn, label in calls[0] if conn == serving],
                    cold_alongside=[label for conn, label in calls[0] if conn != serving],
                    prepares=sum(label.startswith("prepare:") for c in calls[1:-ROUND_TRIP_SAMPLES] for _, label in c),
                )
            )
        return results
    finally:
        _use_database(url)
        counter.close()


def _history_visitors_for_count(client: _WidgetClient) -> list[_Visitor]:
    visitors = [client.new_visitor() for _ in range(4)]
    for visitor in visitors:
        for _ in range(HISTORY_POSTS):
            client.post(visitor)
    return visitors


def _print_round_trips(client: _WidgetClient, url: str, summary: list[_SummaryRow]) -> None:
    _emit(
        "\n2. SQL round trips per call, counted on the wire (a Unix-socket proxy reads the frontend protocol:\n"
        "   each Query, Sync, start-up or authentication message the client then waits on is one)"
    )
    try:
        rows = _count_round_trips(client, url)
    except (OSError, psycopg.Error, RuntimeError) as exc:
        _emit(f"   not measured: {type(exc).__name__}: {exc}")
        return
    _emit(f"   {'call':<36}{'warm':>5}{'cold':>6}  target")
    for row in rows:
        low, high = min(row.warm), max(row.warm)
        warm = f"{low}" if low == high else f"{low}-{high}"
        target = ""
        if row.call.startswith("POST"):
            target = f"≤ {TARGET_POST_ROUND_TRIPS} (warm): {_verdict(high <= TARGET_POST_ROUND_TRIPS)}"
            summary.append(
                _SummaryRow(
                    f"SQL round trips, {row.short}",
                    f"{warm} warm, {len(row.cold)} cold",
                    f"≤ {TARGET_POST_ROUND_TRIPS} (warm)",
                    high <= TARGET_POST_ROUND_TRIPS,
                )
            )
        _emit(f"   {row.call:<36}{warm:>5}{len(row.cold):>6}  {target}")
    _emit(
        f"   warm: each of {ROUND_TRIP_SAMPLES} calls after {ROUND_TRIP_WARMUP} uncounted ones on the same pool.\n"
        "   cold: the first call of a new pool (a Lambda's cold start) on the connection that served it."
    )
    for row in rows:
        _emit(f"   {row.call}, warm:" + "".join(f"\n     · {label}" for label in row.warm_labels))
    first = rows[0]
    setup = Counter(itertools.takewhile(lambda label: label in _SET_UP_LABELS, first.cold))
    _emit(
        f"   a new connection costs {sum(setup.values())} round trips before its first statement: {_tally(setup)}\n"
        "     (each BEGIN, lookup, COMMIT is one TypeInfo.fetch by pgvector's register_vector, the pool's configure)"
    )
    alongside = sorted({len(row.cold_alongside) for row in rows})
    if alongside != [0]:
        _emit(
            f"   the first call also made the pool open a 2nd connection ({'/'.join(map(str, alongside))} round trips):"
            " it found none ready and grew"
        )
    prepares = ", ".join(f"{row.short} {row.prepares}" for row in rows)
    _emit(
        f"   psycopg prepared statements during the warm-up ({prepares}): one extra round trip each,\n"
        "     once per statement and connection, on its 6th run there (prepare_threshold 5)"
    )


def _tally(labels: Counter[str]) -> str:
    return ", ".join(f"{n} × {label}" if n > 1 else label for label, n in labels.items())


# --- 3. where a POST's time goes -----------------------------------------------------------------

# Own time (cProfile's tottime) is summed per group, by where the function's code lives.
_PROFILE_GROUPS: tuple[tuple[str, str], ...] = (
    ("/psycopg", "psycopg + libpq: SQL round trips, waiting on the server included"),
    ("/psycopg_pool", "psycopg's pool"),
    ("/pydantic", "pydantic: validating, building and dumping models"),
    ("/aws_lambda_powertools", "Powertools: resolver, logger, metrics"),
    ("/jmespath", "Powertools: resolver, logger, metrics"),
    ("/chatflow_edge/", "chatflow_edge: the widget API's edge"),
    ("/chatflow/", "chatflow: the domain"),
    ("/functions/", "the chat function's handler"),
    ("/json/", "json (standard library)"),
    ("/logging/", "logging (standard library)"),
)


def _profile_group(filename: str, name: str) -> str:
    for marker, group in _PROFILE_GROUPS:
        if marker in filename or (filename == "~" and marker.strip("/") in name):
            return group
    if filename == "~":  # a built-in: sockets and the like (the SQS signal's HTTP), str and dict methods
        return "built-ins (sockets, str, dict…)"
    return "standard library, other"


def _print_profile(client: _WidgetClient) -> None:
    """cProfile over PROFILE_POSTS POSTs at concurrency 1, the SQS signal left out (moto's HTTP here):
    own time per group and the functions that cost most, outside the SQL. cProfile's own overhead
    inflates everything it measures (roughly doubling pure-Python work): read the groups as shares of
    a POST, not as milliseconds to add to the latency table."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    work = _post_work(client)
    work(0, 100)  # warm: prepared statements, pool, caches
    chat = client._chat

    def profiled(event: dict[str, Any], context: Any) -> Any:  # the handler only, not the bench's event building
        profiler.enable()
        try:
            return chat(event, context)
        finally:
            profiler.disable()

    from chatflow.outbox import service as outbox_service

    send = outbox_service._send

    def unprofiled_send(*args: Any, **kwargs: Any) -> None:  # moto's HTTP here, an SQS call in AWS
        profiler.disable()
        try:
            send(*args, **kwargs)
        finally:
            profiler.enable()

    client._chat = profiled
    outbox_service._send = unprofiled_send  # type: ignore[assignment]
    try:
        work(0, PROFILE_POSTS)
    finally:
        client._chat = chat
        outbox_service._send = send  # type: ignore[assignment]
    stats = pstats.Stats(profiler)
    rows: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    groups: dict[str, float] = defaultdict(float)
    functions: dict[str, float] = defaultdict(float)
    for (filename, line, name), (_calls, _primitive, own, _cumulative, _callers) in rows.items():
        group = _profile_group(filename, name)
        groups[group] += own
        if not group.startswith("psycopg"):
            where = Path(filename).name if filename != "~" else ""
            functions[f"{name} ({where}:{line})" if where else name] += own
    total = sum(groups.values())
    _emit(
        f"\n3. Where a POST's time goes: cProfile over {PROFILE_POSTS} POSTs, 1 thread, own time per group "
        f"(ms per POST, under the profiler: {1_000 * total / PROFILE_POSTS:.2f} ms in all)"
    )
    for group, seconds in sorted(groups.items(), key=lambda item: item[1], reverse=True):
        _emit(f"   {1_000 * seconds / PROFILE_POSTS:>7.3f}  {100 * seconds / total:>4.0f} %  {group}")
    _emit(f"   the {PROFILE_TOP} functions with most own time, SQL left out (ms per POST):")
    for function, seconds in sorted(functions.items(), key=lambda item: item[1], reverse=True)[:PROFILE_TOP]:
        _emit(f"   {1_000 * seconds / PROFILE_POSTS:>7.3f}  {function}")


if __name__ == "__main__":
    main()
