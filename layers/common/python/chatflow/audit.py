"""The audit log: operators' actions, per organisation, append-only (migration 0033 refuses any
change or deletion in PostgreSQL itself). A service records an entry in the transaction of the action
it records, so that the entry exists exactly when the action does. Organisation admins read their
organisations' entries; super admins every one, and the sign-ins, which belong to no organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from chatflow.access import Caller
from chatflow.db import Connection

__all__ = ["MAX_PAGE", "AuditEntry", "list_entries", "record"]

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    organization_id: UUID | None
    actor_user_id: str | None
    actor_email: str | None
    action: str
    target: str | None
    details: dict[str, Any]
    at: datetime


def record(
    conn: Connection,
    *,
    action: str,
    organization_id: UUID | None,
    actor: Caller | None = None,
    actor_user_id: str | None = None,
    actor_email: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One entry: `action` is `area.verb` (invitation.created, member.role_changed, …)."""
    conn.execute(
        """
        INSERT INTO audit_log (organization_id, actor_user_id, actor_email, action, target, details)
        VALUES (%s, %s, %s, %s, %s, %s)
        """,
        (
            organization_id,
            actor.user_id if actor else actor_user_id,
            actor.email if actor else actor_email,
            action,
            target,
            Jsonb(details or {}),
        ),
    )


def _like_escaped(text: str) -> str:
    """The text as a LIKE pattern that matches it literally (a visitor's `%` is no wildcard)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_entries(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    limit: int = 100,
    before: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEntry]:
    """Its admins and super admins: the organisation's entries, newest first, `limit` at a time (the
    next page: `before` the last id). The export is this list, as JSON. Filters: `action` an action
    (`visitor.erased`) or an area (`visitor`: every visitor.* action); `actor` part of the actor's
    email, in any case; `since`/`until` UTC days, inclusive."""
    caller.require_admin(organization_id, write=False)
    rows = conn.execute(
        """
        SELECT id, organization_id, actor_user_id, actor_email, action, target, details, at FROM audit_log
        WHERE organization_id = %(org)s AND (%(before)s::bigint IS NULL OR id < %(before)s)
          AND (%(action)s::text IS NULL OR action = %(action)s OR action LIKE %(area)s)
          AND (%(actor)s::text IS NULL OR actor_email ILIKE %(actor)s)
          AND (%(since)s::date IS NULL OR at >= %(since)s::date::timestamp AT TIME ZONE 'UTC')
          AND (%(until)s::date IS NULL OR at < (%(until)s::date + 1)::timestamp AT TIME ZONE 'UTC')
        ORDER BY id DESC LIMIT %(limit)s
        """,
        {
            "org": organization_id,
            "before": before,
            "action": action,
            "area": None if action is None or "." in action else _like_escaped(action) + ".%",
            "actor": None if not actor else "%" + _like_escaped(actor) + "%",
            "since": since,
            "until": until,
            "limit": min(limit, MAX_PAGE),
        },
    ).fetchall()
    return [AuditEntry(**row) for row in rows]
