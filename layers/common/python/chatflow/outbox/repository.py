"""The SQL of the outbox: writing events with their change, and the listeners' runs of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import LiteralString
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from chatflow.db import Connection
from chatflow.outbox.models import DomainEvent, event_from_record

__all__ = [
    "Failure",
    "StoredEvent",
    "add",
    "claim_runs",
    "delete_dispatched",
    "events_when",
    "finish_runs",
    "load",
    "mark_dispatched",
    "record_failure",
    "records",
    "seconds_until_due",
    "undelivered",
]

_FROM_RECORDS: LiteralString = """
    INSERT INTO outbox (id, type, version, organization_id, conversation_id, payload)
    SELECT e.id, e.type, e.version, e.organization_id, e.conversation_id, e.payload
    FROM jsonb_to_recordset(%(events)s) AS e(id uuid, type text, version smallint, organization_id uuid,
                                             conversation_id uuid, payload jsonb)"""


_EVENTS_WHEN = sql.SQL("""events AS ({from_records}
    WHERE EXISTS (SELECT FROM {written})
    RETURNING id
)""")


def events_when(written: str) -> sql.Composed:
    """A CTE (`events AS (…)`) for a statement that writes its change and its events at once: it
    inserts the events of the `%(events)s` parameter (see `records`) only when the CTE `written`
    wrote a row, so that a write lost to a race reports nothing. Compose it into a module-level
    statement: composed per call, it would cost every write."""
    return _EVENTS_WHEN.format(from_records=sql.SQL(_FROM_RECORDS), written=sql.Identifier(written))


def records(events: Iterable[DomainEvent]) -> Jsonb:
    """The `%(events)s` parameter of `events_when` and `add`: a JSON array of the events' rows, which
    each event encodes (psycopg passes the text on as it is)."""
    return Jsonb("[" + ",".join(event.record_json() for event in events) + "]", dumps=_as_encoded)


def _as_encoded(text: str) -> str:
    return text


def add(conn: Connection, events: Sequence[DomainEvent]) -> None:
    """Write events inside the transaction of the change they report."""
    if events:
        conn.execute(_FROM_RECORDS, {"events": records(events)})


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event: DomainEvent | None  # None: a type this release does not know
    id: UUID
    dispatched: bool


def load(conn: Connection, event_ids: Sequence[UUID]) -> list[StoredEvent]:
    """The events of these ids that exist, in the order they were written."""
    rows = conn.execute(
        "SELECT id, type, organization_id, conversation_id, payload, dispatched_at IS NOT NULL AS dispatched"
        " FROM outbox WHERE id = ANY(%(ids)s::uuid[]) ORDER BY seq",
        {"ids": list(event_ids)},
    ).fetchall()
    return [
        StoredEvent(
            event=event_from_record(
                id=row["id"],
                type=row["type"],
                organization_id=row["organization_id"],
                conversation_id=row["conversation_id"],
                payload=row["payload"],
            ),
            id=row["id"],
            dispatched=row["dispatched"],
        )
        for row in rows
    ]


_WANT = """
INSERT INTO listener_runs (event_id, listener)
SELECT unnest(%(ids)s::uuid[]), %(listener)s
ON CONFLICT (event_id, listener) DO NOTHING
"""

# Two dispatchers racing for a run: the second's UPDATE waits for the first's, then finds the lease taken.
_LEASE = """
UPDATE listener_runs SET leased_until = now() + make_interval(secs => %(lease_seconds)s), started_at = now()
WHERE listener = %(listener)s AND event_id = ANY(%(ids)s::uuid[])
  AND done_at IS NULL AND failed_at IS NULL
  AND next_attempt_at <= now()
  AND (leased_until IS NULL OR leased_until < now())
RETURNING event_id
"""


def claim_runs(conn: Connection, *, listener: str, event_ids: Sequence[UUID], lease_seconds: float) -> set[UUID]:
    """Lease the runs of `listener` for these events that are due: not done, not given up, not
    waiting for their retry time, not leased by another dispatcher. The ids it may run now."""
    params = {"ids": list(event_ids), "listener": listener, "lease_seconds": lease_seconds}
    conn.execute(_WANT, params)
    return {row["event_id"] for row in conn.execute(_LEASE, params).fetchall()}


def seconds_until_due(conn: Connection, *, listener: str, event_ids: Sequence[UUID]) -> float | None:
    """Of these runs, those still to do (another dispatcher holds them, or their retry time has not
    come): how long until the first may be taken. None when none is left to do."""
    row = conn.execute(
        "SELECT extract(epoch FROM min(greatest(coalesce(leased_until, now()), next_attempt_at)) - now()) AS wait"
        " FROM listener_runs WHERE listener = %(listener)s AND event_id = ANY(%(ids)s::uuid[])"
        " AND done_at IS NULL AND failed_at IS NULL",
        {"listener": listener, "ids": list(event_ids)},
    ).fetchone()
    return None if row is None or row["wait"] is None else max(0.0, float(row["wait"]))


def finish_runs(conn: Connection, *, listener: str, event_ids: Iterable[UUID]) -> None:
    conn.execute(
        "UPDATE listener_runs SET done_at = now(), attempts = attempts + 1, leased_until = NULL"
        " WHERE listener = %(listener)s AND event_id = ANY(%(ids)s::uuid[])",
        {"listener": listener, "ids": list(event_ids)},
    )


_RECORD_FAILURE = """
UPDATE listener_runs SET
    attempts = attempts + 1,
    leased_until = NULL,
    last_error = %(error)s,
    failed_at = CASE WHEN attempts + 1 >= %(max_attempts)s THEN now() END,
    next_attempt_at = now() + make_interval(secs => least(%(base)s * 2 ^ attempts, 900))
WHERE listener = %(listener)s AND event_id = ANY(%(ids)s::uuid[])
RETURNING attempts, failed_at IS NOT NULL AS given_up
"""


@dataclass(frozen=True, slots=True)
class Failure:
    attempts: int
    given_up: bool


def record_failure(
    conn: Connection,
    *,
    listener: str,
    event_ids: Iterable[UUID],
    error: str,
    max_attempts: int,
    retry_base_seconds: float,
) -> Failure:
    """One more failed attempt of these runs: retried after the base delay doubled per attempt
    (15 minutes at most), or given up past `max_attempts`."""
    rows = conn.execute(
        _RECORD_FAILURE,
        {
            "listener": listener,
            "ids": list(event_ids),
            "error": error[:2000],
            "max_attempts": max_attempts,
            "base": retry_base_seconds,
        },
    ).fetchall()
    return Failure(
        attempts=max((row["attempts"] for row in rows), default=0),
        given_up=bool(rows) and all(row["given_up"] for row in rows),
    )


def mark_dispatched(conn: Connection, *, event_ids: Sequence[UUID], listeners_of: dict[UUID, list[str]]) -> None:
    """Events every listener of which has run them or given up on them are dispatched."""
    ids = [event_id for event_id in event_ids if event_id in listeners_of]
    if not ids:
        return
    conn.execute(
        """
        UPDATE outbox o SET dispatched_at = now()
        FROM jsonb_each(%(expected)s) AS x(id, listeners)
        WHERE o.id = x.id::uuid AND o.dispatched_at IS NULL
          AND (SELECT count(*) FROM listener_runs r
               WHERE r.event_id = o.id AND (r.done_at IS NOT NULL OR r.failed_at IS NOT NULL)
                 AND r.listener IN (SELECT jsonb_array_elements_text(x.listeners)))
              = jsonb_array_length(x.listeners)
        """,
        {"expected": Jsonb({str(i): listeners_of[i] for i in ids})},
    )


def undelivered(conn: Connection, *, older_than_seconds: float, limit: int) -> list[UUID]:
    """Events written more than `older_than_seconds` ago and not yet dispatched, oldest first."""
    rows = conn.execute(
        "SELECT id FROM outbox WHERE dispatched_at IS NULL"
        " AND created_at < now() - make_interval(secs => %(age)s) ORDER BY created_at LIMIT %(limit)s",
        {"age": older_than_seconds, "limit": limit},
    ).fetchall()
    return [row["id"] for row in rows]


def delete_dispatched(conn: Connection, *, older_than_days: int) -> int:
    """Forget events delivered more than `older_than_days` ago (their runs go with them)."""
    return conn.execute(
        "DELETE FROM outbox WHERE dispatched_at < now() - make_interval(days => %(days)s)", {"days": older_than_days}
    ).rowcount
