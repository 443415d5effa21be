"""The widget path's capacity, printed as figures for docs/capacity.md (never asserted).

    .venv/bin/python -m bench.capacity [--seconds 8] [--levels 1,2,4,8,16,32]

1. SQL cost per call, in-process at concurrency 1 (the functions' `lambda_handler` with real API Gateway
   events, the AI answering instantly, the SQS signal to moto as in bench/widget_api.py), against a
   throw-away embedded PostgreSQL started with pg_stat_statements: statements per call, their server
   execution time, and the CPU time the server's processes spent (read from /proc), for a POST (the
   bench's mix: one new conversation in five), a GET of a 20-message conversation and a PATCH; the
   costliest statements of a POST.
2. The widget path through the local gateway's worker processes (a throw-away `python -m infra.local`,
   its default GATEWAY_WORKERS, AI offline and instant), closed-loop: at each level N visitors each
   send their messages back to back (a new conversation, then four follow-ups, each visitor its own
   address through X-Forwarded-For with TRUSTED_PROXIES=1, so that the rate limits count as in AWS).
   Per level: POSTs answered 200 per second, p50/p99 of every answer, the others by status; the CPU
   each process group used (gateway and workers, PostgreSQL, this driver), in cores; what PostgreSQL's
   active backends were waiting on (sampled from pg_stat_activity every 50 ms, by wait event: CPU,
   IO:WalSync, LWLock:WALWrite, Lock:transactionid…); transactions and rows per POST.
   The level where the rate stops growing is where it saturates, and the samples say on what.

A 2-core machine shared with others: the load average is printed before and after each part.
Loopback and Unix sockets only; stops and removes everything it made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from uuid import uuid4

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from infra.functions import LAYER_PYTHON_DIR

CALLS = {"POST": 600, "GET": 400, "PATCH": 150}
_ADDRESSES = itertools.count(1)
TOP_STATEMENTS = 6
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="how long each level runs")
    parser.add_argument("--levels", default="1,2,4,8,16,32", help="visitors at once, per level")
    parser.add_argument("--skip-sql", action="store_true", help="part 2 only")
    args = parser.parse_args()
    print("ChatFlow360 capacity bench: the widget path", flush=True)
    print(f"   machine: {os.cpu_count()} cores, {_load()}", flush=True)
    if not args.skip_sql:
        _sql_cost()
    _through_the_gateway([int(n) for n in args.levels.split(",")], args.seconds)
    print(f"\n   machine at the end: {_load()}", flush=True)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


# --- CPU of process groups, from /proc ------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command, CPU seconds so far)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS)
    return found


def _descendants(root: int, processes: dict[int, tuple[int, str, float]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    found, pending = set(), [root]
    while pending:
        pid = pending.pop()
        if pid in found:
            continue
        found.add(pid)
        pending += children.get(pid, [])
    return found


def _postmaster(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


@dataclass
class _CpuMeter:
    """CPU seconds used by each group of processes between start() and stop(). Processes that start
    and end in between (a backend per connection) are counted from their first sighting."""

    groups: dict[str, int]  # name -> root pid (the group is that process and its descendants)
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, tuple[str, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        used: dict[str, float] = {}
        for pid, (group, seconds) in self._last.items():
            used[group] = used.get(group, 0.0) + seconds - self._first.get(pid, seconds)
        return used

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        processes = _processes()
        claimed: set[int] = set()
        # In the groups' order: a process belongs to the first group whose tree holds it (the stack is
        # itself a child of this driver, which comes last).
        for name, root in self.groups.items():
            for pid in _descendants(root, processes) - claimed:
                claimed.add(pid)
                seconds = processes[pid][2]
                self._first.setdefault(pid, seconds if self._thread is None else 0.0)
                self._last[pid] = (name, seconds)


# --- 1. SQL cost per call ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _database_with_statistics() -> Iterator[tuple[str, Path]]:
    """A migrated database on a throw-away embedded server preloading pg_stat_statements."""
    from chatflow.migrate import migrate
    from infra.local import postgres

    workdir = Path(tempfile.mkdtemp(prefix="cf360-cap-"))
    pgdata = workdir / "pgdata"
    try:
        server = postgres.start(pgdata)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            conn.execute("ALTER SYSTEM SET pg_stat_statements.track = 'top'")
        postgres.stop(pgdata)
        server = postgres.start(pgdata)
        name = f"chatflow_capacity_{secrets.token_hex(4)}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_conninfo(server, dbname=name)
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        yield url, pgdata
    finally:
        from chatflow.db import close_pool

        close_pool()
        postgres.stop(pgdata)
        shutil.rmtree(workdir, ignore_errors=True)


def _sql_cost() -> None:
    from bench import widget_api as bench

    print(
        "\n1. SQL cost per call, in-process, 1 thread, AI instant (pg_stat_statements; server CPU from /proc)",
        flush=True,
    )
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        _database_with_statistics() as (url, pgdata),
        bench._dispatch_queue(),
    ):
        bench._set_function_environment(url)
        client = bench._WidgetClient(bench._seed_channel(url))
        readers = []
        for _ in range(8):  # conversations of 20 messages for the GETs
            visitor = client.new_visitor()
            for _ in range(bench.HISTORY_POSTS):
                client.post(visitor)
            readers.append(visitor)
        post = bench._post_work(client)
        post(0, 100)  # warm: the pool, prepared statements
        rows = []
        for call in ("POST", "GET", "PATCH"):
            n = CALLS[call]
            # What each call needs is made before the meter starts (a PATCH closes a conversation of its own).
            closing = iter([_with_conversation(client) for _ in range(n)] if call == "PATCH" else [])
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SELECT pg_stat_statements_reset()")
            meter = _CpuMeter({"postgres": _postmaster(pgdata)})
            meter.start()
            if call == "POST":
                post(0, n)
            elif call == "GET":
                for i in range(n):
                    client.get(readers[i % len(readers)])
            else:
                for visitor in closing:
                    client.patch(visitor)
            used = meter.stop()
            rows.append((call, n, _statements(url), used.get("postgres", 0.0)))
    for call, n, statements, server_cpu in rows:
        calls = sum(s["calls"] for s in statements)
        exec_ms = sum(s["total_exec_time"] for s in statements)
        print(
            f"   {call:<6} {calls / n:5.1f} statements per call, {exec_ms / n:6.3f} ms of execution, "
            f"{1000 * server_cpu / n:6.3f} ms of server CPU (all of PostgreSQL's processes), n={n}",
            flush=True,
        )
        if call == "POST":
            top = sorted(statements, key=lambda s: s["total_exec_time"], reverse=True)[:TOP_STATEMENTS]
            for s in top:
                text = " ".join(s["query"].split())
                print(
                    f"        {s['calls'] / n:4.2f}×  {s['total_exec_time'] / s['calls']:6.3f} ms  "
                    f"{s['rows'] / max(s['calls'], 1):5.1f} rows  {text[:90]}",
                    flush=True,
                )
    print(
        "   POST: the bench's mix (one new conversation in five, a clientMessageId each); GET: 20 messages.\n"
        "   Execution time is the server's own (parse, plan and wait excluded); server CPU is every PostgreSQL\n"
        "   process's, so it also counts the protocol, commits and background writers.",
        flush=True,
    )


def _with_conversation(client: Any) -> Any:
    visitor = client.new_visitor()
    client.post(visitor)
    return visitor


def _statements(url: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(
            """SELECT query, calls, total_exec_time, rows FROM pg_stat_statements
               WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND query NOT ILIKE '%pg_stat_statements%' AND calls > 0"""
        ).fetchall()


# --- 2. through the local gateway ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    visitors: int
    posts: int
    errors: Counter[int]
    latencies: list[float]
    seconds: float
    cpu: dict[str, float]
    waits: Counter[str]
    samples: int
    database: dict[str, float]


def _through_the_gateway(levels: list[int], seconds: float) -> None:
    from tests.support.local_stack import StackDidNotStart, local_stack

    workers = int(os.environ.get("GATEWAY_WORKERS", "4"))
    print(
        f"\n2. Through the local gateway ({workers} worker processes), closed loop, {seconds:g} s per level; {_load()}",
        flush=True,
    )
    env = {
        "TRUSTED_PROXIES": "1",  # each visitor its own address, as behind CloudFront
        "LOG_LEVEL": "WARNING",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    try:
        with local_stack("cf360-cap-", env=env) as stack:
            url = stack.database_url
            groups = {"gateway+workers": stack.pid, "postgres": _postmaster(stack.local_dir / "pgdata")}
            # Every worker process imports the functions on its first call: warm them all, unmeasured.
            asyncio.run(_level(stack.info, url, groups, 2 * workers, max(seconds, 10.0)))
            results = [
                asyncio.run(_level(stack.info, url, groups, visitors, seconds)) for visitors in sorted(set(levels))
            ]
    except StackDidNotStart as exc:
        print(f"   not measured: {exc}", flush=True)
        return
    _print_levels(results)


async def _level(info: dict[str, Any], url: str, groups: dict[str, int], visitors: int, seconds: float) -> _Level:
    latencies: list[float] = []
    errors: Counter[int] = Counter()
    stop_at = time.monotonic() + seconds
    public_key = info["demo"]["publicKey"]

    async def visitor_loop(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            n = next(_ADDRESSES)  # never the same address twice in a run: each visitor's limits are its own
            address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
            visitor_id, conversation = str(uuid4()), None
            for i in range(5):
                if time.monotonic() >= stop_at:
                    return
                body: dict[str, Any] = {
                    "publicKey": public_key,
                    "visitorId": visitor_id,
                    "message": f"Question {i}: what are your opening hours?",
                    "lang": "en",
                    "clientMessageId": str(uuid4()),
                }
                if conversation:
                    body["conversationId"] = conversation
                started = time.perf_counter()
                try:
                    answer = await client.post("/api/chat", json=body, headers={"X-Forwarded-For": address})
                except httpx.HTTPError:
                    errors[0] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors[answer.status_code] += 1
                    continue
                conversation = answer.json()["conversationId"]

    database_before = _database_counters(url)
    meter = _CpuMeter({**groups, "this driver": os.getpid()})
    waits: Counter[str] = Counter()
    samples = 0
    sampling = True

    def sample_waits() -> None:
        nonlocal samples
        with psycopg.connect(url, autocommit=True) as conn:
            while sampling:
                rows = conn.execute(
                    """SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
                       WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"""
                ).fetchall()
                samples += 1
                for (kind,) in rows:
                    waits[kind] += 1
                time.sleep(0.05)

    sampler = threading.Thread(target=sample_waits, daemon=True)
    meter.start()
    sampler.start()
    started = time.monotonic()
    limits = httpx.Limits(max_connections=visitors, max_keepalive_connections=visitors)
    async with httpx.AsyncClient(base_url=info["apiUrl"], timeout=30.0, limits=limits) as client:
        await asyncio.gather(*(visitor_loop(client) for _ in range(visitors)))
    elapsed = time.monotonic() - started
    sampling = False
    sampler.join()
    cpu = meter.stop()
    database_after = _database_counters(url)
    database = {k: database_after[k] - database_before[k] for k in database_before}
    return _Level(visitors, len(latencies), errors, latencies, elapsed, cpu, waits, samples, database)


def _database_counters(url: str) -> dict[str, float]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        row = conn.execute(
            """SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, blks_hit, blks_read,
                      deadlocks, conflicts
               FROM pg_stat_database WHERE datname = current_database()"""
        ).fetchone()
    assert row is not None
    return {k: float(v) for k, v in row.items()}


def _print_levels(results: list[_Level]) -> None:
    print(
        f"   {'visitors':>8}{'POST/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>10}   CPU in cores "
        "(gateway+workers / postgres / driver)   postgres backends: mean active, waiting on",
        flush=True,
    )
    for level in results:
        rate = (level.posts - sum(level.errors.values())) / level.seconds  # answered 200
        ms = sorted(x * 1000 for x in level.latencies) or [0.0]
        p99 = statistics.quantiles(ms, n=100, method="inclusive")[98] if len(ms) > 1 else ms[0]
        cores = " / ".join(
            f"{level.cpu.get(name, 0.0) / level.seconds:.2f}" for name in ("gateway+workers", "postgres", "this driver")
        )
        total_waits = sum(level.waits.values())
        active = total_waits / max(level.samples, 1)
        waits = ", ".join(f"{kind} {100 * n / total_waits:.0f} %" for kind, n in level.waits.most_common(3)) or "-"
        errors = ",".join(f"{n}×{status or 'none'}" for status, n in sorted(level.errors.items())) or "0"
        print(
            f"   {level.visitors:>8}{rate:>8.0f}{statistics.median(ms):>8.1f}{p99:>8.1f}{errors:>10}   "
            f"{cores:<38}   {active:.2f}: {waits}",
            flush=True,
        )
    last = results[-1]
    per_post = {k: v / max(last.posts, 1) for k, v in last.database.items()}
    print(
        f"   per POST at {last.visitors} visitors: {per_post['xact_commit']:.1f} commits, "
        f"{per_post['tup_inserted']:.1f} rows inserted, {per_post['tup_updated']:.1f} updated, "
        f"{per_post['tup_deleted']:.1f} deleted, {per_post['blks_hit']:.0f} buffer hits, "
        f"{per_post['blks_read']:.1f} reads; deadlocks {last.database['deadlocks']:.0f} "
        "(the dispatch worker's listeners included: they run in the same worker processes)",
        flush=True,
    )
    best = max(results, key=lambda level: (level.posts - sum(level.errors.values())) / level.seconds)
    print(
        f"   highest rate: {(best.posts - sum(best.errors.values())) / best.seconds:.0f} POST/s answered 200 "
        f"at {best.visitors} visitors; "
        f"the machine has {os.cpu_count()} cores: CPU in cores near that number is the ceiling",
        flush=True,
    )


if __name__ == "__main__":
    main()
