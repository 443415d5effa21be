"""Pushes events to the sockets that may see them, through API Gateway's Management API.

Called after the write it reports has committed. It never raises and never makes the caller wait
long: posts go out concurrently, each with short timeouts, and the whole publish gives up after
REALTIME_PUBLISH_DEADLINE_SECONDS. A socket API Gateway reports gone (410) loses its row. Clients
also poll while their socket is down, so an event lost here is late, not lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg.pq import TransactionStatus

from chatflow.db import Connection, connection
from chatflow.realtime import connections as repo
from chatflow.realtime.management import ManagementApi, Outcome, management_api
from chatflow.settings import Settings, get_settings

if TYPE_CHECKING:
    # Not at run time: the events' builders import the inbox's views, which the realtime function
    # (its routes only `send`) would otherwise load at every cold start.
    from chatflow.realtime.events import Event

__all__ = ["PublishResult", "publish", "send"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What one publish did, for logs and tests: connections posted to, reported gone (and
    deleted), failed, or still unanswered at the deadline."""

    sent: int = 0
    gone: int = 0
    failed: int = 0
    timed_out: int = 0


def publish(events: Iterable[Event], *, conn: Connection | None = None) -> PublishResult:
    """Send each event to every connection that may see it. `conn`: the caller's connection, when it
    holds one (a Lambda's pool has one connection), outside any transaction. Never raises."""
    try:
        return _publish(list(events), conn)
    except Exception:  # a live update is worth less than the request that caused it
        _logger.exception("live updates not published")
        return PublishResult()


def send(connection_id: str, message: Mapping[str, Any], *, conn: Connection | None = None) -> Outcome:
    """One message to one connection (the answer to a ping). Never raises."""
    try:
        settings = get_settings()
        if not settings.websocket_management_url:
            return "failed"
        frame = json.dumps(message, separators=(",", ":")).encode()
        outcome = _deliver(_api(settings), connection_id, [frame])
        if outcome == "gone":
            with connection_for(conn) as c:
                repo.delete_gone(c, connection_ids=[connection_id])
        return outcome
    except Exception:
        _logger.exception("message not sent to a connection")
        return "failed"


def _publish(events: list[Event], conn: Connection | None) -> PublishResult:
    if not events:
        return PublishResult()
    settings = get_settings()
    if not settings.websocket_management_url:
        return PublishResult()  # no WebSocket API in this environment
    if conn is not None and conn.info.transaction_status != TransactionStatus.IDLE:
        # The events would describe rows that may yet roll back, and other readers cannot see them.
        _logger.error("publish called inside a transaction; call it after the commit", extra=_describe(events))
        return PublishResult()
    with connection_for(conn) as c:
        targets = repo.find_targets(
            c,
            organizations={e.organization_id for e in events},
            conversations={e.conversation_id for e in events if e.widget_data is not None},
            widgets=any(e.widget_data is not None for e in events),
        )
    deliveries = _frames_for(targets, events)
    if not deliveries:
        return PublishResult()
    outcomes = _post_all(settings, deliveries)
    gone = [connection_id for connection_id, outcome in outcomes.items() if outcome == "gone"]
    if gone:
        with connection_for(conn) as c:
            repo.delete_gone(c, connection_ids=gone)
    result = PublishResult(
        sent=sum(1 for o in outcomes.values() if o == "sent"),
        gone=len(gone),
        failed=sum(1 for o in outcomes.values() if o == "failed"),
        timed_out=len(deliveries) - len(outcomes),
    )
    log = _logger.warning if result.failed or result.timed_out else _logger.info
    log("live updates published", extra={**_describe(events), "connections": len(deliveries), **_result_fields(result)})
    return result


def _result_fields(result: PublishResult) -> dict[str, int]:
    return {"sent": result.sent, "gone": result.gone, "failed": result.failed, "timed_out": result.timed_out}


def _describe(events: Sequence[Event]) -> dict[str, Any]:
    return {"events": [e.type for e in events], "conversation_ids": sorted({str(e.conversation_id) for e in events})}


def _frames_for(targets: Iterable[repo.Target], events: Sequence[Event]) -> dict[str, list[bytes]]:
    """Each connection's frames, in the order of the events (a conversation before its message)."""
    deliveries: dict[str, list[bytes]] = {}
    for target in targets:
        frames = []
        for event in events:
            if not target.may_see(event.organization_id, event.conversation_id):
                continue
            frame = event.widget_frame() if target.kind == "widget" else event.dashboard_frame()
            if frame is not None:
                frames.append(frame)
        if frames:
            deliveries[target.connection_id] = frames
    return deliveries


def _post_all(settings: Settings, deliveries: Mapping[str, Sequence[bytes]]) -> dict[str, Outcome]:
    """Post concurrently; the outcome of every connection that answered before the deadline."""
    api = _api(settings)
    pool = _executor(settings.realtime_concurrency)
    futures: dict[Future[Outcome], str] = {
        pool.submit(_deliver, api, connection_id, frames): connection_id for connection_id, frames in deliveries.items()
    }
    done, not_done = wait(futures, timeout=settings.realtime_publish_deadline_seconds)
    for future in not_done:
        # Queued ones never start; running ones end at their own timeouts, answering nobody.
        future.cancel()
    return {futures[f]: f.result() for f in done if not f.cancelled()}


def _deliver(api: ManagementApi, connection_id: str, frames: Sequence[bytes]) -> Outcome:
    """A connection's frames, one after another so that they arrive in order."""
    outcome: Outcome = "sent"
    for frame in frames:
        try:
            posted = api.post(connection_id, frame)
        except Exception as exc:  # no credentials, a malformed endpoint: the next may pass
            _logger.warning("post to a connection failed", extra={"connection_id": connection_id, "reason": str(exc)})
            posted = "failed"
        if posted == "gone":
            return "gone"
        if posted == "failed":
            outcome = "failed"
    return outcome


@contextlib.contextmanager
def connection_for(conn: Connection | None) -> Iterator[Connection]:
    """The caller's connection when given (a Lambda's pool holds one, and the caller has it), else one from the pool."""
    if conn is not None:
        yield conn
    else:
        with connection() as pooled:
            yield pooled


_executors: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def _executor(size: int) -> ThreadPoolExecutor:
    # One per process, kept across invocations: a warm Lambda reuses its threads.
    with _lock:
        pool = _executors.get(size)
        if pool is None:
            pool = _executors[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="realtime-post")
        return pool


def _api(settings: Settings) -> ManagementApi:
    assert settings.websocket_management_url is not None
    return management_api(
        settings.websocket_management_url, settings.aws_region, settings.realtime_post_timeout_seconds
    )
