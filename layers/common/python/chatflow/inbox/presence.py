"""Typing both ways and read receipts.

Typing is a state, never the text: a client says `{"action": "typing", "typing": true|false}` on the
socket it already has (the widget's for its conversation; an operator's for the conversation its
dashboard watches, chatflow.realtime.sockets), and the other side gets `{type: "typing", data:
{role, name?, typing}}`, at most one frame every TYPING_THROTTLE_SECONDS per side whatever the
client sends. It is pushed directly, not through the outbox: nothing is stored, and a frame lost
is harmless (clients let the indicator fade after a few seconds without one).

Reading is stored (conversations.agent_read_at / visitor_read_at) and is an event (conversation.read)
whose listener tells the other side live.
"""

from __future__ import annotations

import logging
from typing import Literal
from uuid import UUID

from chatflow import outbox, realtime
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection, connection
from chatflow.errors import ConversationNotFound
from chatflow.names import first_name
from chatflow.outbox import ConversationRead
from chatflow.outbox import repository as events_repo
from chatflow.realtime.events import Event, iso

__all__ = [
    "TYPING_THROTTLE_SECONDS",
    "agent_read",
    "agent_typing",
    "read_receipt_events",
    "visitor_read",
    "visitor_typing",
]

_logger = logging.getLogger(__name__)

TYPING_THROTTLE_SECONDS = 2.0

Side = Literal["agent", "visitor"]

# The frame may go out when this side's last one is older than the throttle (or there was none).
_CLAIM = """
INSERT INTO typing_frames (conversation_id, side, sent_at) VALUES (%(conversation_id)s, %(side)s, clock_timestamp())
ON CONFLICT (conversation_id, side) DO UPDATE SET sent_at = excluded.sent_at
WHERE typing_frames.sent_at < excluded.sent_at - make_interval(secs => %(throttle)s)
RETURNING 1
"""


def _claim(conn: Connection, conversation_id: UUID, side: Side) -> bool:
    row = conn.execute(
        _CLAIM, {"conversation_id": conversation_id, "side": side, "throttle": TYPING_THROTTLE_SECONDS}
    ).fetchone()
    return row is not None


_WIDGET = """
SELECT w.conversation_id, c.organization_id FROM ws_connections w JOIN conversations c ON c.id = w.conversation_id
WHERE w.connection_id = %s AND w.kind = 'widget' AND c.status <> 'closed'
"""

_DASHBOARD = """
SELECT w.conversation_id, c.organization_id, u.id AS user_id, u.name
FROM ws_connections w JOIN conversations c ON c.id = w.conversation_id JOIN users u ON u.id = w.user_id AND u.active
WHERE w.connection_id = %s AND w.kind = 'dashboard' AND c.status <> 'closed'
"""


def visitor_typing(connection_id: str, typing: bool) -> bool:
    """The visitor of this widget socket is (not) typing: to the operators of its organisation. True
    when a frame went out."""
    with connection() as conn:
        row = conn.execute(_WIDGET, (connection_id,)).fetchone()
        if row is None or not _claim(conn, row["conversation_id"], "visitor"):
            return False
    realtime.publish(
        [
            Event(
                type="typing",
                organization_id=row["organization_id"],
                conversation_id=row["conversation_id"],
                data={"role": "visitor", "typing": typing},
                widget_data=None,
            )
        ]
    )
    return True


def agent_typing(connection_id: str, typing: bool) -> bool:
    """The operator of this dashboard socket is (not) typing in the conversation it watches: to the
    visitor (their first name as the widget shows it) and to the other operators."""
    with connection() as conn:
        row = conn.execute(_DASHBOARD, (connection_id,)).fetchone()
        if row is None or not _claim(conn, row["conversation_id"], "agent"):
            return False
    name = first_name(row["name"]) or ""
    realtime.publish(
        [
            Event(
                type="typing",
                organization_id=row["organization_id"],
                conversation_id=row["conversation_id"],
                data={"role": "agent", "name": name, "userId": row["user_id"], "typing": typing},
                widget_data={"role": "agent", "name": name, "typing": typing},
            )
        ]
    )
    return True


# A side reads when something arrived since it last read: a conversation read again without news is
# no event (an operator flicking between conversations sends nothing to the visitor).
_READ = {
    "agent": """
        UPDATE conversations SET agent_read_at = now()
        WHERE id = %(id)s AND (agent_read_at IS NULL OR agent_read_at < last_message_at)
        RETURNING organization_id""",
    "visitor": """
        UPDATE conversations SET visitor_read_at = now()
        WHERE id = %(id)s AND (visitor_read_at IS NULL OR visitor_read_at < last_message_at)
        RETURNING organization_id""",
}


def _read(conn: Connection, conversation_id: UUID, side: Side) -> list[UUID]:
    row = conn.execute(_READ[side], {"id": conversation_id}).fetchone()
    if row is None:
        return []
    event = ConversationRead(organization_id=row["organization_id"], conversation_id=conversation_id, side=side)
    events_repo.add(conn, [event])
    return [event.id]


def agent_read(caller: Caller, conversation_id: UUID) -> None:
    """An operator has the conversation open and its last messages in view."""
    scope = None if caller.is_super_admin else caller.organization_ids
    with scoped_connection(caller) as conn:
        found = conn.execute(
            "SELECT 1 FROM conversations c WHERE c.id = %(id)s "
            "AND (%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[]))",
            {"id": conversation_id, "scope": scope},
        ).fetchone()
        if found is None:
            raise ConversationNotFound()
        ids = _read(conn, conversation_id, "agent")
    outbox.signal(ids)


def visitor_read(connection_id: str) -> None:
    """The visitor of this widget socket has seen the conversation's last message."""
    with connection() as conn, conn.transaction():
        row = conn.execute(_WIDGET, (connection_id,)).fetchone()
        ids = _read(conn, row["conversation_id"], "visitor") if row is not None else []
    outbox.signal(ids)


def read_receipt_events(conn: Connection, events: list[ConversationRead]) -> list[Event]:
    """The frames of conversation.read events: `{side, readAt}`, to the operators, and an agent's
    read also to the visitor's widget."""
    frames = []
    for event in events:
        column = "agent_read_at" if event.side == "agent" else "visitor_read_at"
        row = conn.execute(
            f"SELECT {column} AS read_at FROM conversations WHERE id = %s",  # noqa: S608 one of two column names
            (event.conversation_id,),
        ).fetchone()
        if row is None or row["read_at"] is None:
            continue
        data = {"side": event.side, "readAt": iso(row["read_at"])}
        frames.append(
            Event(
                type="conversation.read",
                organization_id=event.organization_id,
                conversation_id=event.conversation_id,
                data=data,
                widget_data=data if event.side == "agent" else None,
            )
        )
    return frames
