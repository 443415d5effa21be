"""The audit log: operators' actions, per organisation, append-only (migration 0033 refuses any
change or deletion in PostgreSQL itself). A service records an entry in the transaction of the action
it records, so that the entry exists exactly when the action does. Organisation admins read their
organisations' entries; super admins every one, and the sign-ins, which belong to no organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


def list_entries(
    conn: Connection, caller: Caller, organization_id: UUID, *, limit: int = 100, before: int | None = None
) -> list[AuditEntry]:
    """Its admins and super admins: the organisation's entries, newest first, `limit` at a time (the
    next page: `before` the last id). The export is this list, as JSON."""
    caller.require_admin(organization_id, write=False)
    rows = conn.execute(
        """
        SELECT id, organization_id, actor_user_id, actor_email, action, target, details, at FROM audit_log
        WHERE organization_id = %s AND (%s::bigint IS NULL OR id < %s)
        ORDER BY id DESC LIMIT %s
        """,
        (organization_id, before, before, min(limit, MAX_PAGE)),
    ).fetchall()
    return [AuditEntry(**row) for row in rows]
