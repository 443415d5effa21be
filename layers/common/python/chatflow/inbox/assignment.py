"""Who gets a conversation by itself: a member's availability (the switch in the dashboard's
header) and the organisation's choice to hand new handoffs out round-robin to the available ones.

The round-robin runs as a listener of conversation.handoff (chatflow.listeners.auto_assign_on_handoff):
the visitor's request that handed the conversation to a person never waits on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from chatflow import audit, outbox
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as events_repo

__all__ = ["InboxSettings", "auto_assign", "get_availability", "get_settings", "set_availability", "update_settings"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboxSettings:
    organization_id: UUID
    auto_assign: bool


def get_settings(conn: Connection, caller: Caller, organization_id: UUID) -> InboxSettings:
    caller.require_member(organization_id)
    row = conn.execute(
        "SELECT auto_assign FROM inbox_settings WHERE organization_id = %s", (organization_id,)
    ).fetchone()
    return InboxSettings(organization_id, bool(row and row["auto_assign"]))


def update_settings(caller: Caller, organization_id: UUID, *, auto_assign: bool) -> InboxSettings:
    """Admins only."""
    caller.require_admin(organization_id)
    with scoped_connection(caller) as conn:
        conn.execute(
            """
            INSERT INTO inbox_settings (organization_id, auto_assign) VALUES (%s, %s)
            ON CONFLICT (organization_id) DO UPDATE SET auto_assign = excluded.auto_assign, updated_at = now()
            """,
            (organization_id, auto_assign),
        )
        audit.record(
            conn,
            action="inbox.settings_changed",
            organization_id=organization_id,
            actor=caller,
            details={"autoAssign": auto_assign},
        )
    return InboxSettings(organization_id, auto_assign)


def get_availability(conn: Connection, caller: Caller, organization_id: UUID) -> bool:
    """The caller's own switch; a super admin who is no member is never handed conversations."""
    caller.require_member(organization_id)
    row = conn.execute(
        "SELECT available FROM organization_members WHERE organization_id = %s AND user_id = %s",
        (organization_id, caller.user_id),
    ).fetchone()
    return bool(row and row["available"])


def set_availability(caller: Caller, organization_id: UUID, *, available: bool) -> bool:
    """Any member, for themselves (available even in an inactive organisation: it writes no data of it)."""
    caller.require_member(organization_id)
    with scoped_connection(caller) as conn:
        conn.execute(
            "UPDATE organization_members SET available = %s WHERE organization_id = %s AND user_id = %s",
            (available, organization_id, caller.user_id),
        )
    return available and caller.memberships.get(organization_id) is not None


# The available member longest without an auto-assigned conversation; their row locked so that two
# handoffs at once go to two members, not both to the same one.
_NEXT_MEMBER = """
SELECT m.user_id FROM organization_members m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = %(organization_id)s AND m.available AND u.active
ORDER BY m.last_assigned_at NULLS FIRST, m.created_at, m.user_id
LIMIT 1
FOR UPDATE OF m SKIP LOCKED
"""


def auto_assign(conn: Connection, conversation_id: UUID) -> str | None:
    """Hand a conversation just passed to a person to the next available member, when its
    organisation asks for that and nobody holds it yet. The member's id, or None. Idempotent: a
    conversation someone holds is left alone. Runs in its own transaction on `conn` (the
    dispatcher's) and signals its event after the commit."""
    event_ids: list[UUID] = []
    with conn.transaction():
        row = conn.execute(
            """
            SELECT c.organization_id, c.status, c.responder_mode, c.assigned_user_id, s.auto_assign
            FROM conversations c LEFT JOIN inbox_settings s ON s.organization_id = c.organization_id
            WHERE c.id = %s FOR NO KEY UPDATE OF c
            """,
            (conversation_id,),
        ).fetchone()
        if (
            row is None
            or not row["auto_assign"]
            or row["status"] == "closed"
            or row["responder_mode"] != "human"
            or row["assigned_user_id"] is not None
        ):
            return None
        member = conn.execute(_NEXT_MEMBER, {"organization_id": row["organization_id"]}).fetchone()
        if member is None:
            return None  # everyone is away: the conversation waits in Unassigned
        user_id: str = member["user_id"]
        conn.execute("UPDATE conversations SET assigned_user_id = %s WHERE id = %s", (user_id, conversation_id))
        conn.execute(
            "UPDATE organization_members SET last_assigned_at = clock_timestamp() "
            "WHERE organization_id = %s AND user_id = %s",
            (row["organization_id"], user_id),
        )
        event = ConversationUpdated(organization_id=row["organization_id"], conversation_id=conversation_id)
        events_repo.add(conn, [event])
        event_ids.append(event.id)
    outbox.signal(event_ids)
    _logger.info("conversation auto-assigned", extra={"conversation_id": str(conversation_id)})
    return user_id
