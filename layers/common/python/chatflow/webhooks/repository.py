"""The SQL of webhooks: endpoints, their deliveries, and the sender's claims and outcomes. No rules
here: the service checks the caller and decides what an outcome means."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from chatflow.db import Connection
from chatflow.webhooks.models import Delivery, Endpoint

__all__ = [
    "Claimed",
    "NewDelivery",
    "admin_recipients",
    "claim",
    "delete_endpoint",
    "delete_old",
    "disable_failing",
    "find_delivery",
    "find_endpoint",
    "insert_deliveries",
    "insert_endpoint",
    "mark_failing",
    "not_yet_due",
    "overdue",
    "record_delivered",
    "record_failed",
    "rotate_secret",
    "select_deliveries",
    "select_endpoints",
    "subscribed_endpoints",
    "update_endpoint",
]

_ENDPOINT = sql.SQL(", ").join(sql.Identifier(f.name) for f in fields(Endpoint))
_DELIVERY = sql.SQL(", ").join(sql.Identifier(f.name) for f in fields(Delivery))


# --- endpoints ---------------------------------------------------------------------------------------------


def select_endpoints(conn: Connection, organization_id: UUID) -> list[Endpoint]:
    rows = conn.execute(
        sql.SQL("SELECT {c} FROM webhook_endpoints WHERE organization_id = %s ORDER BY created_at, id").format(
            c=_ENDPOINT
        ),
        (organization_id,),
    ).fetchall()
    return [Endpoint(**row) for row in rows]


def find_endpoint(conn: Connection, organization_id: UUID, endpoint_id: UUID) -> Endpoint | None:
    row = conn.execute(
        sql.SQL("SELECT {c} FROM webhook_endpoints WHERE organization_id = %s AND id = %s").format(c=_ENDPOINT),
        (organization_id, endpoint_id),
    ).fetchone()
    return None if row is None else Endpoint(**row)


def insert_endpoint(
    conn: Connection,
    *,
    organization_id: UUID,
    url: str,
    description: str | None,
    events: Sequence[str],
    encrypted_secret: str,
) -> Endpoint:
    row = conn.execute(
        sql.SQL(
            "INSERT INTO webhook_endpoints (organization_id, url, description, events, encrypted_secret)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING {c}"
        ).format(c=_ENDPOINT),
        (organization_id, url, description, list(events), encrypted_secret),
    ).fetchone()
    assert row is not None
    return Endpoint(**row)


_UPDATE = sql.SQL("""
UPDATE webhook_endpoints SET
    url = coalesce(%(url)s, url),
    description = CASE WHEN %(set_description)s THEN %(description)s ELSE description END,
    events = coalesce(%(events)s, events),
    enabled = coalesce(%(enabled)s, enabled),
    -- Turned on again by an admin: the sender starts afresh.
    disabled_reason = CASE WHEN %(enabled)s THEN NULL ELSE disabled_reason END,
    failing_since = CASE WHEN %(enabled)s THEN NULL ELSE failing_since END,
    updated_at = now()
WHERE organization_id = %(organization_id)s AND id = %(id)s
RETURNING {c}
""").format(c=_ENDPOINT)


def update_endpoint(
    conn: Connection,
    organization_id: UUID,
    endpoint_id: UUID,
    *,
    url: str | None,
    events: Sequence[str] | None,
    enabled: bool | None,
    description: str | None,
    set_description: bool,
) -> Endpoint | None:
    row = conn.execute(
        _UPDATE,
        {
            "organization_id": organization_id,
            "id": endpoint_id,
            "url": url,
            "events": None if events is None else list(events),
            "enabled": enabled,
            "description": description,
            "set_description": set_description,
        },
    ).fetchone()
    return None if row is None else Endpoint(**row)


def rotate_secret(
    conn: Connection, organization_id: UUID, endpoint_id: UUID, *, encrypted_secret: str, overlap_seconds: int
) -> Endpoint | None:
    """The new secret signs from now on; the current one keeps signing for the overlap."""
    row = conn.execute(
        sql.SQL(
            "UPDATE webhook_endpoints SET encrypted_previous_secret = encrypted_secret, encrypted_secret = %s,"
            " previous_secret_expires_at = now() + make_interval(secs => %s), updated_at = now()"
            " WHERE organization_id = %s AND id = %s RETURNING {c}"
        ).format(c=_ENDPOINT),
        (encrypted_secret, overlap_seconds, organization_id, endpoint_id),
    ).fetchone()
    return None if row is None else Endpoint(**row)


def delete_endpoint(conn: Connection, organization_id: UUID, endpoint_id: UUID) -> bool:
    return (
        conn.execute(
            "DELETE FROM webhook_endpoints WHERE organization_id = %s AND id = %s", (organization_id, endpoint_id)
        ).rowcount
        > 0
    )


def subscribed_endpoints(conn: Connection, organization_ids: Sequence[UUID]) -> list[tuple[UUID, UUID, list[str]]]:
    """(endpoint id, organisation id, event types) of the enabled endpoints of these organisations."""
    rows = conn.execute(
        "SELECT id, organization_id, events FROM webhook_endpoints WHERE organization_id = ANY(%s::uuid[]) AND enabled",
        (list(organization_ids),),
    ).fetchall()
    return [(row["id"], row["organization_id"], row["events"]) for row in rows]


# --- deliveries --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewDelivery:
    endpoint_id: UUID
    organization_id: UUID
    message_id: str
    event_type: str
    dedupe_key: str
    body: str


def insert_deliveries(conn: Connection, deliveries: Sequence[NewDelivery]) -> list[UUID]:
    """The ids of those not made before (a delivery is once per endpoint and dedupe key)."""
    if not deliveries:
        return []
    rows = conn.execute(
        """
        INSERT INTO webhook_deliveries (endpoint_id, organization_id, message_id, event_type, dedupe_key, body,
                                        next_attempt_at)
        SELECT d.endpoint_id, d.organization_id, d.message_id, d.event_type, d.dedupe_key, d.body, now()
        FROM jsonb_to_recordset(%s) AS d(endpoint_id uuid, organization_id uuid, message_id text, event_type text,
                                        dedupe_key text, body text)
        ON CONFLICT (endpoint_id, dedupe_key) DO NOTHING
        RETURNING id
        """,
        (Jsonb([{f.name: str(getattr(d, f.name)) for f in fields(NewDelivery)} for d in deliveries]),),
    ).fetchall()
    return [row["id"] for row in rows]


def select_deliveries(conn: Connection, endpoint_id: UUID, *, limit: int) -> list[Delivery]:
    rows = conn.execute(
        sql.SQL(
            "SELECT {c} FROM webhook_deliveries WHERE endpoint_id = %s ORDER BY created_at DESC, id LIMIT %s"
        ).format(c=_DELIVERY),
        (endpoint_id, limit),
    ).fetchall()
    return [Delivery(**row) for row in rows]


def find_delivery(conn: Connection, endpoint_id: UUID, delivery_id: UUID) -> dict[str, Any] | None:
    """Its row with its body, for a resend."""
    row: dict[str, Any] | None = conn.execute(
        "SELECT * FROM webhook_deliveries WHERE endpoint_id = %s AND id = %s", (endpoint_id, delivery_id)
    ).fetchone()
    return row


@dataclass(frozen=True, slots=True)
class Claimed:
    id: UUID
    endpoint_id: UUID
    organization_id: UUID
    url: str
    message_id: str
    body: str
    attempts: int  # before this one
    encrypted_secrets: list[str]  # the current one first


# Skips what another sender holds; the lease ends a sender that died mid-attempt.
_CLAIM = """
UPDATE webhook_deliveries d SET leased_until = now() + make_interval(secs => %(lease)s)
FROM webhook_endpoints e
WHERE d.id IN (
        SELECT d2.id FROM webhook_deliveries d2
        WHERE d2.status = 'pending' AND d2.next_attempt_at <= now()
          AND (d2.leased_until IS NULL OR d2.leased_until < now())
          AND (%(ids)s::uuid[] IS NULL OR d2.id = ANY(%(ids)s::uuid[]))
        ORDER BY d2.next_attempt_at
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED)
  AND e.id = d.endpoint_id AND e.enabled
RETURNING d.id, d.endpoint_id, d.organization_id, e.url, d.message_id, d.body, d.attempts,
          array_remove(ARRAY[e.encrypted_secret,
                             CASE WHEN e.previous_secret_expires_at > now() THEN e.encrypted_previous_secret END],
                       NULL) AS encrypted_secrets
"""


def claim(conn: Connection, *, ids: Sequence[UUID] | None, limit: int, lease_seconds: float) -> list[Claimed]:
    """Lease the pending deliveries that are due (of these ids, or any), of enabled endpoints."""
    rows = conn.execute(
        _CLAIM, {"ids": None if ids is None else list(ids), "limit": limit, "lease": lease_seconds}
    ).fetchall()
    return [Claimed(**row) for row in rows]


def not_yet_due(conn: Connection, ids: Sequence[UUID]) -> list[tuple[UUID, float]]:
    """Of these, the pending ones whose time has not come: (id, seconds until it does)."""
    rows = conn.execute(
        "SELECT id, extract(epoch FROM next_attempt_at - now()) AS wait FROM webhook_deliveries"
        " WHERE id = ANY(%s::uuid[]) AND status = 'pending' AND next_attempt_at > now()",
        (list(ids),),
    ).fetchall()
    return [(row["id"], float(row["wait"])) for row in rows]


def overdue(conn: Connection, *, older_than_seconds: float, limit: int) -> list[UUID]:
    """Pending deliveries due for a while and not held: their signal was lost."""
    rows = conn.execute(
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled"
        " WHERE d.status = 'pending' AND d.next_attempt_at < now() - make_interval(secs => %s)"
        " AND (d.leased_until IS NULL OR d.leased_until < now()) ORDER BY d.next_attempt_at LIMIT %s",
        (older_than_seconds, limit),
    ).fetchall()
    return [row["id"] for row in rows]


_OUTCOME = """
UPDATE webhook_deliveries SET
    status = %(status)s,
    attempts = attempts + 1,
    leased_until = NULL,
    last_attempt_at = now(),
    next_attempt_at = CASE WHEN %(status)s = 'pending' THEN now() + make_interval(secs => %(wait)s) END,
    delivered_at = CASE WHEN %(status)s = 'delivered' THEN now() END,
    response_status = %(response_status)s,
    latency_ms = %(latency_ms)s,
    response_excerpt = %(excerpt)s
WHERE id = %(id)s
"""


def record_delivered(conn: Connection, claimed: Claimed, *, status: int, latency_ms: int, excerpt: str) -> None:
    conn.execute(
        _OUTCOME,
        {
            "id": claimed.id,
            "status": "delivered",
            "wait": 0,
            "response_status": status,
            "latency_ms": latency_ms,
            "excerpt": excerpt,
        },
    )
    conn.execute(
        "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = %s AND failing_since IS NOT NULL",
        (claimed.endpoint_id,),
    )


def record_failed(
    conn: Connection,
    claimed: Claimed,
    *,
    response_status: int | None,
    latency_ms: int,
    excerpt: str,
    retry_in_seconds: float | None,
) -> None:
    """A failed attempt: retried after `retry_in_seconds`, or given up (None)."""
    conn.execute(
        _OUTCOME,
        {
            "id": claimed.id,
            "status": "pending" if retry_in_seconds is not None else "failed",
            "wait": retry_in_seconds or 0,
            "response_status": response_status,
            "latency_ms": latency_ms,
            "excerpt": excerpt,
        },
    )


def delete_old(conn: Connection, *, older_than_days: int) -> int:
    """Forget deliveries done (delivered or given up) more than `older_than_days` ago."""
    return conn.execute(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - make_interval(days => %s)",
        (older_than_days,),
    ).rowcount


def mark_failing(conn: Connection, endpoint_id: UUID) -> datetime:
    """Since when the endpoint has been failing (now, if it was not)."""
    row = conn.execute(
        "UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()) WHERE id = %s"
        " RETURNING failing_since",
        (endpoint_id,),
    ).fetchone()
    assert row is not None
    failing_since: datetime = row["failing_since"]
    return failing_since


def disable_failing(conn: Connection, endpoint_id: UUID, *, reason: str, failing_for_seconds: float | None) -> bool:
    """Disable an enabled endpoint (for `reason`), when it has failed for at least `failing_for_seconds`
    (None: at once). True only for the call that disabled it."""
    return (
        conn.execute(
            "UPDATE webhook_endpoints SET enabled = false, disabled_reason = %(reason)s, updated_at = now()"
            " WHERE id = %(id)s AND enabled AND (%(age)s::float8 IS NULL"
            " OR failing_since <= now() - make_interval(secs => %(age)s::float8))",
            {"id": endpoint_id, "reason": reason, "age": failing_for_seconds},
        ).rowcount
        > 0
    )


def admin_recipients(conn: Connection, organization_id: UUID) -> tuple[str, list[tuple[str, str]]]:
    """The organisation's name and its active admins' (email, preferred language)."""
    rows = conn.execute(
        "SELECT o.name, u.email, u.preferred_language FROM organizations o"
        " LEFT JOIN organization_members m ON m.organization_id = o.id AND m.role = 'admin'"
        " LEFT JOIN users u ON u.id = m.user_id AND u.active"
        " WHERE o.id = %s ORDER BY u.email",
        (organization_id,),
    ).fetchall()
    name = rows[0]["name"] if rows else ""
    return name, [(r["email"], r["preferred_language"]) for r in rows if r["email"] is not None]
