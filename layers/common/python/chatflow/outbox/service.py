"""Delivering the domain events: the signal after a commit, the dispatch that runs the listeners,
the sweep that re-signals what a crash left behind.

A write stores its events with its change (`repository.add`, or `repository.events_when` inside the
write's own statement) and, once committed, calls `signal(ids)`: one SQS message to the dispatch
queue, off the visitor's request from then on. functions/dispatch calls `dispatch(ids)`, which runs
each listener on the events it handles, once in effect: a run is leased while it runs and recorded
when done, so a message delivered twice, or re-signalled by the sweep, runs nothing twice. A
listener that raises is retried later with a doubling delay and, past DISPATCH_MAX_ATTEMPTS,
recorded as failed (an error log here, the ListenerFailed metric in functions/dispatch); it never
affects the write or the other listeners.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from chatflow.db import Connection, connection
from chatflow.outbox import repository as repo
from chatflow.outbox.models import DomainEvent
from chatflow.settings import Settings, get_settings

__all__ = [
    "LEASE_SECONDS",
    "DispatchOutcome",
    "Listener",
    "dispatch",
    "listener",
    "parse_signal",
    "signal",
    "sweep",
]

_logger = logging.getLogger(__name__)

# How long a run is held by the dispatcher running it: past this, it is presumed dead and the run
# may be taken again. Longer than any listener may take (the live push gives up after
# REALTIME_PUBLISH_DEADLINE_SECONDS, an email after boto3's timeouts).
LEASE_SECONDS = 120.0
# Event ids in one signal: SQS takes 256 KiB a message, and one dispatch should stay short.
_SIGNAL_BATCH = 100

ListenerFunction = Callable[[Connection, Sequence[DomainEvent]], None]


@dataclass(frozen=True, slots=True)
class Listener:
    """A side effect of some events. `run` gets the events of one dispatch that it handles and has
    not run yet, oldest first; it raises when they should be retried."""

    name: str
    handles: tuple[type[DomainEvent], ...]
    run: ListenerFunction

    def wants(self, event: DomainEvent) -> bool:
        return isinstance(event, self.handles)

    def __call__(self, conn: Connection, events: Sequence[DomainEvent]) -> None:
        self.run(conn, [event for event in events if self.wants(event)])


def listener(*handles: type[DomainEvent]) -> Callable[[ListenerFunction], Listener]:
    """`@listener(MessageCreated, …)` over `def push_to_sockets(conn, events)`: named after the function."""

    def wrap(run: ListenerFunction) -> Listener:
        return Listener(name=run.__name__, handles=handles, run=run)

    return wrap


@dataclass(frozen=True, slots=True)
class DispatchOutcome:
    ran: int = 0  # listener runs that succeeded
    failed: int = 0  # runs that failed and will be retried
    given_up: int = 0  # runs that failed for the last time
    retry_after_seconds: float | None = None  # when this signal should come back; None: never


def signal(event_ids: Sequence[UUID], *, settings: Settings | None = None) -> None:
    """After the commit that wrote them: have these events dispatched. Never raises: a signal lost
    here is sent again by the sweep."""
    if not event_ids:
        return
    settings = settings or get_settings()
    if not settings.dispatch_queue_url:
        # Tests and scripts: no queue, so this process dispatches, as functions/dispatch would.
        _dispatch_here(event_ids, settings)
        return
    try:
        _send(settings, event_ids)
    except Exception:
        _logger.exception("events not signalled; the sweep will", extra={"events": len(event_ids)})


# Events a listener signalled while this thread dispatches (None: not dispatching).
_here = threading.local()


def _dispatch_here(event_ids: Sequence[UUID], settings: Settings) -> None:
    """Dispatch in this process. Events a listener signals (a delivery state, an assignment) wait
    for the dispatch under way to end, as they would wait in the queue: it holds the process's one
    pooled connection, which a nested dispatch would wait for in vain."""
    from chatflow.listeners import LISTENERS

    pending: list[UUID] | None = getattr(_here, "pending", None)
    if pending is not None:
        pending.extend(event_ids)
        return
    _here.pending = list(event_ids)
    try:
        while _here.pending:
            batch, _here.pending = _here.pending, []
            try:
                dispatch(batch, LISTENERS, settings=settings)
            except Exception:
                _logger.exception("events not dispatched", extra={"events": len(batch)})
    finally:
        _here.pending = None


def _send(settings: Settings, event_ids: Sequence[UUID]) -> None:
    from chatflow.aws import client

    sqs = client("sqs", settings.aws_region)
    for start in range(0, len(event_ids), _SIGNAL_BATCH):
        batch = event_ids[start : start + _SIGNAL_BATCH]
        sqs.send_message(QueueUrl=settings.dispatch_queue_url, MessageBody=signal_body(batch))


def signal_body(event_ids: Iterable[UUID]) -> str:
    return json.dumps({"eventIds": [str(event_id) for event_id in event_ids]}, separators=(",", ":"))


def parse_signal(body: str) -> list[UUID]:
    """The event ids of a dispatch message; empty for a malformed one (retrying cannot fix it)."""
    try:
        ids = json.loads(body)["eventIds"]
        return [UUID(str(event_id)) for event_id in ids]
    except (ValueError, TypeError, KeyError):
        _logger.error("malformed dispatch message dropped")
        return []


def dispatch(
    event_ids: Sequence[UUID], listeners: Sequence[Listener], *, settings: Settings | None = None
) -> DispatchOutcome:
    """Run every listener on the events of these ids that it has not run yet. Raises only when the
    database is unreachable (the signal then comes back)."""
    settings = settings or get_settings()
    with connection() as conn:
        stored = [s for s in repo.load(conn, event_ids) if not s.dispatched]
        events = [s.event for s in stored if s.event is not None]
        ran = failed = given_up = 0
        retry_after: float | None = None
        for each in listeners:
            theirs = [event for event in events if each.wants(event)]
            if not theirs:
                continue
            claimed = repo.claim_runs(
                conn, listener=each.name, event_ids=[e.id for e in theirs], lease_seconds=LEASE_SECONDS
            )
            due = [event for event in theirs if event.id in claimed]
            if len(due) < len(theirs):
                # Runs another dispatcher holds (a duplicate delivery, or one that died holding them)
                # or that wait for their retry: this signal comes back when the first may be taken.
                wait = repo.seconds_until_due(
                    conn, listener=each.name, event_ids=[e.id for e in theirs if e.id not in claimed]
                )
                if wait is not None:
                    retry_after = _earliest(retry_after, max(wait, 1.0))
            if not due:
                continue
            try:
                each(conn, due)
            except Exception as exc:
                failure = repo.record_failure(
                    conn,
                    listener=each.name,
                    event_ids=[e.id for e in due],
                    error=f"{type(exc).__name__}: {exc}",
                    max_attempts=settings.dispatch_max_attempts,
                    retry_base_seconds=settings.dispatch_retry_base_seconds,
                )
                _report_failure(each, due, failure, exc)
                if failure.given_up:
                    given_up += len(due)
                else:
                    failed += len(due)
                    retry_after = _earliest(retry_after, _backoff(settings, failure.attempts))
                continue
            repo.finish_runs(conn, listener=each.name, event_ids=[e.id for e in due])
            ran += len(due)
        listeners_of = {e.id: [each.name for each in listeners if each.wants(e)] for e in events}
        # Events of a type this release does not know wait for the release that does.
        repo.mark_dispatched(conn, event_ids=[e.id for e in events], listeners_of=listeners_of)
    return DispatchOutcome(ran=ran, failed=failed, given_up=given_up, retry_after_seconds=retry_after)


def _earliest(current: float | None, candidate: float) -> float:
    return candidate if current is None else min(current, candidate)


def _backoff(settings: Settings, attempts: int) -> float:
    return float(min(settings.dispatch_retry_base_seconds * 2 ** (attempts - 1), 900))


def _report_failure(each: Listener, events: Sequence[DomainEvent], failure: repo.Failure, exc: Exception) -> None:
    extra = {
        "listener": each.name,
        "events": [str(e.id) for e in events],
        "event_types": sorted({e.TYPE for e in events}),
        "attempts": failure.attempts,
        "reason": type(exc).__name__,
    }
    if not failure.given_up:
        _logger.warning("listener failed; it will be retried", extra=extra)
        return
    # functions/dispatch counts these in the ListenerFailed metric (DispatchOutcome.given_up).
    _logger.error("listener failed for the last time; given up", extra=extra)


def sweep(*, settings: Settings | None = None) -> int:
    """Signal again the events still undelivered OUTBOX_SWEEP_AFTER_SECONDS after they were written
    (a crash between a commit and its signal, a lost message), and forget events delivered more
    than OUTBOX_RETENTION_DAYS ago. Returns how many were signalled."""
    settings = settings or get_settings()
    with connection() as conn:
        pending = repo.undelivered(conn, older_than_seconds=settings.outbox_sweep_after_seconds, limit=10_000)
        deleted = repo.delete_dispatched(conn, older_than_days=settings.outbox_retention_days)
    _logger.info("outbox swept", extra={"signalled": len(pending), "deleted": deleted})
    signal(pending, settings=settings)
    return len(pending)
