"""The SQL of live updates: the ws_connections table, and who may receive what.

Who may see an organisation's events is decided when an event is published, not when the socket
connected: a member removed from an organisation, or a user deactivated, stops receiving at once,
though API Gateway keeps their socket open for up to two hours.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection

__all__ = [
    "BIND_WIDGET_CONNECTIONS_SQL",
    "GONE_GRACE_SECONDS",
    "MAX_CONNECTION_SECONDS",
    "Target",
    "WidgetChannel",
    "delete_connection",
    "delete_gone",
    "delete_stale",
    "find_targets",
    "find_widget_channel",
    "insert_dashboard_connection",
    "insert_widget_connection",
]

# API Gateway closes every WebSocket connection after two hours, whatever happens on it.
MAX_CONNECTION_SECONDS = 2 * 3600
# A connection answers "gone" for the moment between its $connect (which wrote the row) and API
# Gateway completing the handshake; a row that young is not deleted for being gone.
GONE_GRACE_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Target:
    """A connection that may receive some of the events published together."""

    connection_id: str
    kind: Literal["dashboard", "widget"]
    conversation_id: UUID | None  # a widget's own conversation
    organizations: frozenset[UUID] | None  # a dashboard's organisations among the events'; None: every one

    def may_see(self, organization_id: UUID, conversation_id: UUID) -> bool:
        if self.kind == "widget":
            return conversation_id == self.conversation_id
        return self.organizations is None or organization_id in self.organizations


def insert_dashboard_connection(
    conn: Connection, *, connection_id: str, user_id: str, organization_id: UUID | None
) -> None:
    """Record an operator's socket; with an organisation, it receives that organisation's events only."""
    conn.execute(
        """
        INSERT INTO ws_connections (connection_id, kind, user_id, organization_id)
        VALUES (%s, 'dashboard', %s, %s)
        ON CONFLICT (connection_id) DO UPDATE
            SET kind = excluded.kind, user_id = excluded.user_id, visitor_id = NULL,
                organization_id = excluded.organization_id, conversation_id = NULL
        """,
        (connection_id, user_id, organization_id),
    )


@dataclass(frozen=True, slots=True)
class WidgetChannel:
    """Where a visitor's socket belongs: their channel, and the conversation it is on, if any yet."""

    organization_id: UUID
    channel_id: UUID
    allowed_origins: tuple[str, ...]
    conversation_id: UUID | None


def find_widget_channel(
    conn: Connection, *, public_key: UUID, visitor_id: UUID, conversation_id: UUID | None
) -> WidgetChannel | None:
    """The active channel of an active organisation with this public key, as the widget API finds it,
    and the visitor's conversation named on it (None when it is not theirs there). Without one, the
    socket waits for the conversation the visitor's next message starts (a message without a
    conversation id always starts one), and none is looked for: a socket opened as the visitor ends
    a conversation must not land on it."""
    row = conn.execute(
        """
        SELECT ch.organization_id, ch.id AS channel_id, ch.allowed_origins, c.id AS conversation_id
        FROM channels ch
        JOIN organizations o ON o.id = ch.organization_id AND o.active
        LEFT JOIN conversations c
            ON c.id = %(conversation_id)s AND c.channel_id = ch.id AND c.visitor_id = %(visitor_id)s
        WHERE ch.public_key = %(public_key)s AND ch.active
        """,
        {"public_key": public_key, "visitor_id": visitor_id, "conversation_id": conversation_id},
    ).fetchone()
    if row is None or (conversation_id is not None and row["conversation_id"] is None):
        return None
    return WidgetChannel(
        organization_id=row["organization_id"],
        channel_id=row["channel_id"],
        allowed_origins=tuple(row["allowed_origins"]),
        conversation_id=row["conversation_id"],
    )


def insert_widget_connection(conn: Connection, *, connection_id: str, visitor_id: UUID, found: WidgetChannel) -> None:
    conn.execute(
        """
        INSERT INTO ws_connections (connection_id, kind, visitor_id, organization_id, channel_id, conversation_id)
        VALUES (%s, 'widget', %s, %s, %s, %s)
        ON CONFLICT (connection_id) DO UPDATE
            SET kind = excluded.kind, user_id = NULL, visitor_id = excluded.visitor_id,
                organization_id = excluded.organization_id, channel_id = excluded.channel_id,
                conversation_id = excluded.conversation_id
        """,
        (connection_id, visitor_id, found.organization_id, found.channel_id, found.conversation_id),
    )


# The conversation a visitor has just started is what their open sockets on the channel follow from
# now on, whether they opened before it existed or on the one it replaces: its first answer streams
# to them and its events reach them. A part of the statement that opens the conversation (a CTE over
# its `conv`), so that it costs the visitor's POST no round trip.
BIND_WIDGET_CONNECTIONS_SQL = sql.SQL("""
    UPDATE ws_connections w SET conversation_id = conv.id FROM conv
    WHERE w.kind = 'widget' AND w.channel_id = %(channel_id)s AND w.visitor_id = %(visitor_id)s
""")


def delete_connection(conn: Connection, *, connection_id: str) -> bool:
    row = conn.execute("DELETE FROM ws_connections WHERE connection_id = %s RETURNING 1", (connection_id,)).fetchone()
    return row is not None


# Three kinds of receiver, in one round trip. Dashboard rows come from the members of the events'
# organisations (their primary key leads with organization_id), so a publish reads only the
# connections it may send to, however many other tenants are connected.
_FIND_TARGETS = """
SELECT w.connection_id, 'widget' AS kind, w.conversation_id, NULL::uuid[] AS organizations
FROM ws_connections w
WHERE w.kind = 'widget' AND w.conversation_id = ANY(%(conversations)s::uuid[])
UNION ALL
SELECT w.connection_id, 'dashboard', NULL, array_agg(DISTINCT m.organization_id)
FROM organization_members m
JOIN users u ON u.id = m.user_id AND u.active AND NOT u.is_super_admin
JOIN ws_connections w ON w.user_id = m.user_id AND w.kind = 'dashboard'
WHERE m.organization_id = ANY(%(organizations)s::uuid[])
  AND (w.organization_id IS NULL OR w.organization_id = m.organization_id)
GROUP BY w.connection_id
UNION ALL
SELECT w.connection_id, 'dashboard', NULL, CASE WHEN w.organization_id IS NOT NULL THEN ARRAY[w.organization_id] END
FROM users u
JOIN ws_connections w ON w.user_id = u.id AND w.kind = 'dashboard'
WHERE u.is_super_admin AND u.active
  AND (w.organization_id IS NULL OR w.organization_id = ANY(%(organizations)s::uuid[]))
"""


def find_targets(
    conn: Connection, *, organizations: Collection[UUID], conversations: Collection[UUID], widgets: bool
) -> list[Target]:
    """The connections that may see some event of these organisations and conversations: dashboard
    connections of their members and of super admins, and (`widgets`) widget connections of these
    conversations. Which event each may see is Target.may_see's call."""
    rows = conn.execute(
        _FIND_TARGETS,
        {"organizations": list(organizations), "conversations": list(conversations) if widgets else []},
    ).fetchall()
    return [
        Target(
            connection_id=row["connection_id"],
            kind=row["kind"],
            conversation_id=row["conversation_id"],
            organizations=frozenset(row["organizations"]) if row["organizations"] is not None else None,
        )
        for row in rows
    ]


def delete_gone(conn: Connection, *, connection_ids: Collection[str]) -> int:
    """Forget connections API Gateway reported gone (closed without a $disconnect we saw)."""
    if not connection_ids:
        return 0
    return conn.execute(
        "DELETE FROM ws_connections WHERE connection_id = ANY(%s) AND connected_at < now() - make_interval(secs => %s)",
        (list(connection_ids), GONE_GRACE_SECONDS),
    ).rowcount


def delete_stale(conn: Connection, *, older_than_seconds: float = MAX_CONNECTION_SECONDS) -> int:
    """Forget connections older than API Gateway lets one live: their $disconnect was lost."""
    return conn.execute(
        "DELETE FROM ws_connections WHERE connected_at < now() - make_interval(secs => %s)", (older_than_seconds,)
    ).rowcount
