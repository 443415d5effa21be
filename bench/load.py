"""The widget API under load through a database restart, printed as figures, with an audit that fails.

    .venv/bin/python -m bench.load [--visitors 20] [--messages 10]        (make bench-load)

Starts a throw-away local stack (`python -m infra.local` in a temp dir, on free loopback ports) whose
AI provider is a local OpenAI-compatible server failing a share of its calls (10 % by default), with
the public API's rate limits off (every visitor here is 127.0.0.1). Then N visitors at once each hold
a conversation of M messages through the real HTTP gateway. Each POST carries a clientMessageId and,
on a 503 or a timeout, is sent again with the same one (the widget's Retry does the same; here it is
automatic, with backoff); each accepted message is followed by a GET of what is new. Half-way
through, the stack's embedded PostgreSQL is stopped and, a few seconds later, started again.

Prints requests/s, latency, the answers that were not 2xx by status and code, and an audit read from
PostgreSQL: every accepted message (2xx) stored exactly once, nothing stored twice, every conversation
counted once in usage_tracking. A PASS/FAIL line each; exits 1 on any FAIL.

Loopback only; bounded (a deadline stops the visitors, ~30 s at the defaults); stops the stack and
removes everything it made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
from psycopg.rows import dict_row

from infra.functions import LAYER_PYTHON_DIR
from infra.local import postgres
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.local_stack import StackDidNotStart, local_stack

DEADLINE_SECONDS = 90.0  # the visitors stop here, whatever is left: the bench stays under 2 minutes
REQUEST_TIMEOUT_SECONDS = 15.0  # above the gateway's 5 s wait for a database connection
RETRY_BASE_SECONDS = 0.2
RETRY_MAX_SECONDS = 2.0


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)  # so that `finally` stops the stack on kill too
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    args = _arguments()
    print(
        f"ChatFlow360 widget API under load: {args.visitors} visitors × {args.messages} messages, "
        f"{args.ai_failure_rate:.0%} of AI calls failing, a {args.outage_seconds:.1f} s database restart half-way"
    )
    print(f"machine     {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    fake = FakeOpenAI().start()
    fake.failure_rate = args.ai_failure_rate
    fake.default = Scripted(content="We roast on Tuesdays.", delay_seconds=args.ai_delay_ms / 1000)
    try:
        with _stack(fake) as stack:
            baseline = _usage(stack)
            run = asyncio.run(_load(stack, args))
            passed = _report(stack, run, baseline, fake, args)
    finally:
        fake.stop()
    sys.exit(0 if passed else 1)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=20, help="visitors chatting at once (default 20)")
    parser.add_argument("--messages", type=int, default=10, help="messages each visitor sends (default 10)")
    parser.add_argument("--ai-failure-rate", type=float, default=0.10, help="share of AI calls failing (0.10)")
    parser.add_argument("--ai-delay-ms", type=float, default=0.0, help="the AI's thinking time (default 0)")
    parser.add_argument("--outage-seconds", type=float, default=3.0, help="how long the database is down (3)")
    args = parser.parse_args()
    if args.visitors < 1 or args.messages < 1 or not 0 <= args.ai_failure_rate < 1 or args.outage_seconds < 0:
        parser.error("visitors and messages must be positive, the failure rate in [0, 1), the outage >= 0")
    return args


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


# ---- the stack -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stack:
    api_url: str
    public_key: str
    organization_id: UUID
    database_url: str
    pgdata: Path


@contextlib.contextmanager
def _stack(fake: FakeOpenAI) -> Iterator[_Stack]:
    env = {
        "OPENAI_API_KEY": "sk-bench-load-0000",
        "OPENAI_BASE_URL": fake.base_url,
        # Every visitor here shares 127.0.0.1: the per-address limits would measure themselves.
        "RATE_LIMIT_CHAT_POST_PER_MINUTE": "0",
        "RATE_LIMIT_CHAT_GET_PER_MINUTE": "0",
        "RATE_LIMIT_CHAT_PATCH_PER_MINUTE": "0",
        # A log line per request (and per failure, hundreds of them during the outage) would be the bench.
        "LOG_LEVEL": "WARNING",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    try:
        with local_stack("cf360-load-", env=env) as started:
            info = started.info
            yield _Stack(
                api_url=info["apiUrl"],
                public_key=info["demo"]["publicKey"],
                organization_id=UUID(info["demo"]["organizationId"]),
                database_url=started.database_url,
                # The stack's own embedded server: it stops it on the way out, wherever it runs then.
                pgdata=started.local_dir / "pgdata",
            )
    except StackDidNotStart as exc:
        raise SystemExit(str(exc)) from exc


# ---- the load ------------------------------------------------------------------------------------------


@dataclass
class _Run:
    origin: float = field(default_factory=time.monotonic)
    # Every request sent: (method, status or 0 for no answer, error code, seconds, answered at, from origin)
    requests: list[tuple[str, int, str, float, float]] = field(default_factory=list)
    # clientMessageId → the conversation its 2xx answer named
    accepted: dict[UUID, UUID] = field(default_factory=dict)
    planned: int = 0  # messages the visitors mean to send
    visitor_ids: list[UUID] = field(default_factory=list)
    message_seconds: list[float] = field(default_factory=list)  # first try to 2xx, retries included
    retried_messages: int = 0
    wall_seconds: float = 0.0
    outage: dict[str, float] = field(default_factory=dict)


async def _load(stack: _Stack, args: argparse.Namespace) -> _Run:
    total = args.visitors * args.messages
    run = _Run(planned=total)
    half_accepted = asyncio.Event()
    deadline = time.monotonic() + DEADLINE_SECONDS
    limits = httpx.Limits(max_connections=args.visitors * 2, max_keepalive_connections=args.visitors * 2)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits) as http:
        run.origin = time.monotonic()
        restart = asyncio.create_task(_restart_when(half_accepted, stack, args.outage_seconds, run))
        await asyncio.gather(
            *(
                _visitor(http, stack, n, args.messages, run, deadline, lambda: _note(run, total, half_accepted))
                for n in range(args.visitors)
            )
        )
        run.wall_seconds = time.monotonic() - run.origin
        half_accepted.set()  # a run that never got half-way: `_restart_when` then restarts nothing
        await restart
    return run


def _note(run: _Run, total: int, half_accepted: asyncio.Event) -> None:
    if len(run.accepted) * 2 >= total:
        half_accepted.set()


async def _restart_when(half_accepted: asyncio.Event, stack: _Stack, outage_seconds: float, run: _Run) -> None:
    await half_accepted.wait()
    if run.wall_seconds:
        return
    run.outage["stop_asked_at"] = time.monotonic() - run.origin
    # From this process, as an operator would: the stack's server is a process of its own.
    await asyncio.to_thread(postgres.stop, stack.pgdata)
    run.outage["stopped_at"] = time.monotonic() - run.origin
    await asyncio.sleep(outage_seconds)
    await asyncio.to_thread(postgres.start, stack.pgdata)
    run.outage["started_at"] = time.monotonic() - run.origin


async def _visitor(
    http: httpx.AsyncClient,
    stack: _Stack,
    number: int,
    messages: int,
    run: _Run,
    deadline: float,
    on_accepted: Callable[[], None],
) -> None:
    visitor_id = str(uuid4())
    run.visitor_ids.append(UUID(visitor_id))
    conversation: str | None = None
    last_seen: str | None = None
    await asyncio.sleep(random.uniform(0, 0.5))  # visitors do not all arrive in the same millisecond
    for m in range(messages):
        client_message_id = uuid4()
        body: dict[str, Any] = {
            "publicKey": stack.public_key,
            "visitorId": visitor_id,
            "message": f"Question {m + 1} from visitor {number + 1}: which beans do you roast this week?",
            "clientMessageId": str(client_message_id),
        }
        if conversation:
            body["conversationId"] = conversation
        first_try = time.monotonic()
        answer, tries = await _until_answered(http, run, deadline, "POST", "/api/chat", json=body)
        if answer is None:
            return  # out of time or refused: the rest of this visitor's messages count as never accepted
        run.retried_messages += tries > 1
        conversation = answer.json()["conversationId"]
        run.accepted[client_message_id] = UUID(conversation)
        run.message_seconds.append(time.monotonic() - first_try)
        on_accepted()
        params = {"publicKey": stack.public_key, "visitorId": visitor_id}
        if last_seen:
            params["after"] = last_seen
        history, _ = await _until_answered(http, run, deadline, "GET", f"/api/chat/{conversation}", params=params)
        if history is not None and history.json()["messages"]:
            last_seen = history.json()["messages"][-1]["id"]
        await asyncio.sleep(random.uniform(0.05, 0.25))  # a person types


async def _until_answered(
    http: httpx.AsyncClient, run: _Run, deadline: float, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response | None, int]:
    """The 2xx answer and the tries it took, sending the same request again (so the same
    clientMessageId) on a 503, a 502 or 504 from the gateway, or no answer at all, with backoff as a
    widget would. None past the deadline, or on any other answer: a bug, which the audit reports."""
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        started = time.monotonic()
        try:
            answer = await http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            ended = time.monotonic()
            run.requests.append((method, 0, type(exc).__name__, ended - started, ended - run.origin))
        else:
            ended = time.monotonic()
            code = "" if answer.is_success else _code(answer)
            run.requests.append((method, answer.status_code, code, ended - started, ended - run.origin))
            if answer.is_success:
                return answer, tries
            if answer.status_code not in (502, 503, 504):
                return None, tries
        delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (tries - 1))
        await asyncio.sleep(random.uniform(delay / 2, delay))
    return None, tries


def _code(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return "(not JSON)"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", "?"))
    if isinstance(body, dict) and "message" in body:  # API Gateway's own: {"message": "Internal server error"}
        return str(body["message"])
    return "?"


# ---- the report and the audit ----------------------------------------------------------------------------


def _usage(stack: _Stack) -> dict[str, int]:
    with psycopg.connect(stack.database_url, autocommit=True, row_factory=dict_row) as db:
        row = db.execute(
            "SELECT coalesce(sum(conversations), 0) AS conversations, coalesce(sum(messages), 0) AS messages, "
            "coalesce(sum(ai_messages), 0) AS ai_messages FROM usage_tracking WHERE organization_id = %s",
            (stack.organization_id,),
        ).fetchone()
    assert row is not None
    return {k: int(v) for k, v in row.items()}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _report(stack: _Stack, run: _Run, baseline: dict[str, int], fake: FakeOpenAI, args: argparse.Namespace) -> bool:
    requests = run.requests
    print(
        f"requests    {len(requests)} in {run.wall_seconds:.1f} s = {len(requests) / run.wall_seconds:.1f} requests/s"
    )
    for method in ("POST", "GET"):
        ms = [s * 1000 for m, _, _, s, _ in requests if m == method]
        if ms:
            print(
                f"  {method:<5}     {len(ms):5d}   p50 {_percentile(ms, 50):7.1f} ms   "
                f"p99 {_percentile(ms, 99):7.1f} ms   max {max(ms):7.1f} ms"
            )
    if run.message_seconds:
        ms = [s * 1000 for s in run.message_seconds]
        print(
            f"  message   {len(ms):5d}   p50 {_percentile(ms, 50):7.1f} ms   p99 {_percentile(ms, 99):7.1f} ms"
            f"   max {max(ms):7.1f} ms   (first try to 2xx, retries included; {run.retried_messages} retried)"
        )
    failures = Counter((m, status, code) for m, status, code, _, _ in requests if not 200 <= status < 300)
    print(f"not 2xx     {sum(failures.values())}")
    for (method, status, code), count in sorted(failures.items()):
        print(f"  {method:<5} {status or 'none':>4} {code:<28} {count:5d}")
    print(
        f"AI calls    {len(fake.requests)} made, {fake.failed} failed on purpose "
        f"({fake.failed / max(1, len(fake.requests)):.1%}; the provider's client retries them)"
    )
    outage = run.outage
    if "started_at" in outage:
        up = outage["started_at"]
        during = [r for r in requests if outage["stop_asked_at"] <= r[4] <= up]
        after = sorted(r[4] for r in requests if r[4] > up and 200 <= r[1] < 300)
        last_failure = max((r[4] for r in requests if r[4] > up and not 200 <= r[1] < 300), default=None)
        print(
            f"restart     stop asked at {outage['stop_asked_at']:.1f} s, down from {outage['stopped_at']:.1f} s, "
            f"up again at {up:.1f} s; {len(during)} answers meanwhile, "
            f"{sum(1 for r in during if 200 <= r[1] < 300)} of them 2xx"
        )
        print(
            f"            once up: first 2xx after {after[0] - up:.2f} s, "
            if after
            else "            once up: no 2xx at all, ",
            end="",
        )
        print(
            "no failure" if last_failure is None else f"last failure answered {last_failure - up:.2f} s after",
        )
    else:
        print("restart     did not happen (the run ended first)")
    return _audit(stack, run, baseline, restarted="started_at" in outage and outage["stopped_at"] < run.wall_seconds)


def _audit(stack: _Stack, run: _Run, baseline: dict[str, int], *, restarted: bool) -> bool:
    accepted = list(run.accepted)
    conversations = sorted(set(run.accepted.values()))
    with psycopg.connect(stack.database_url, autocommit=True, row_factory=dict_row) as db:
        stored = db.execute(
            "SELECT client_message_id, conversation_id, count(*) OVER (PARTITION BY client_message_id) AS copies "
            "FROM messages WHERE role = 'visitor' AND client_message_id = ANY(%s)",
            (accepted,),
        ).fetchall()
        ours = db.execute(
            "SELECT c.id, count(m.id) FILTER (WHERE m.role <> 'system') AS n, "
            "count(m.id) FILTER (WHERE m.role = 'ai' AND m.model IS NOT NULL) AS from_model, "
            "count(m.id) FILTER (WHERE m.role = 'ai' AND m.model IS NULL) AS fallback "
            "FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id "
            "WHERE c.organization_id = %s AND c.visitor_id = ANY(%s) GROUP BY c.id",
            (stack.organization_id, run.visitor_ids),
        ).fetchall()
        duplicates = db.execute(
            "SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE organization_id = %s AND role = 'visitor' "
            "AND client_message_id IS NOT NULL GROUP BY conversation_id, client_message_id HAVING count(*) > 1) d",
            (stack.organization_id,),
        ).fetchone()
        unanswered = db.execute(
            "SELECT count(*) AS n FROM messages v WHERE v.role = 'visitor' AND v.client_message_id = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = v.id)",
            (accepted,),
        ).fetchone()
    usage = _usage(stack)
    found = {r["client_message_id"]: r for r in stored}
    lost = [c for c in accepted if c not in found]
    misplaced = [c for c in accepted if c in found and found[c]["conversation_id"] != run.accepted[c]]
    twice = sorted({r["client_message_id"] for r in stored if r["copies"] > 1})
    assert duplicates is not None
    assert unanswered is not None
    counted_conversations = usage["conversations"] - baseline["conversations"]
    counted_messages = usage["messages"] - baseline["messages"]
    counted_ai = usage["ai_messages"] - baseline["ai_messages"]
    stored_messages = sum(int(r["n"]) for r in ours)
    from_model = sum(int(r["from_model"]) for r in ours)
    fallback = sum(int(r["fallback"]) for r in ours)
    server_errors = sum(1 for _, status, _, _, _ in run.requests if status >= 500 and status != 503)
    print(
        f"audit       {len(accepted)} of {run.planned} messages accepted, {len(stored)} stored rows for them; "
        f"{len(conversations)} conversations answered, {len(ours)} in the database"
    )
    print(
        f"            replies: {from_model} from the model, {fallback} the fallback sentence (every try failed), "
        f"{unanswered['n']} accepted messages without one"
    )
    print(
        f"            usage_tracking: +{counted_conversations} conversations, +{counted_messages} messages, "
        f"+{counted_ai} AI messages (rows: {len(ours)}, {stored_messages}, {from_model})"
    )
    checks = [
        ("every message was accepted (2xx) before the deadline", len(accepted) == run.planned, ""),
        ("every accepted message is stored", not lost, f"{len(lost)} lost"),
        ("every accepted message is in the conversation its answer named", not misplaced, f"{len(misplaced)}"),
        ("no message is stored twice", not twice and duplicates["n"] == 0, f"{len(twice) or duplicates['n']}"),
        ("one conversation per visitor", len(conversations) == len(ours), f"{len(conversations)} vs {len(ours)}"),
        (
            "every conversation counted once in usage_tracking",
            counted_conversations == len(ours),
            f"+{counted_conversations} counted for {len(ours)}",
        ),
        (
            "every message counted once in usage_tracking",
            counted_messages == stored_messages,
            f"+{counted_messages} counted for {stored_messages}",
        ),
        ("every AI answer counted once in usage_tracking", counted_ai == from_model, f"+{counted_ai} for {from_model}"),
        ("no 5xx but 503 (no 500, no 502 from the gateway)", server_errors == 0, f"{server_errors}"),
        ("the database restarted during the load", restarted, ""),
    ]
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}        {name}" + ("" if ok or not detail else f" ({detail})"))
    return all(ok for _, ok, _ in checks)


if __name__ == "__main__":
    main()
