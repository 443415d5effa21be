"""When a business may write to a customer on WhatsApp or Messenger without a template.

Meta allows free-form messages only within 24 hours of the customer's last message (the customer
service window). Past it, WhatsApp takes approved templates only (chatflow.meta.templates), and
Messenger takes a message a person wrote, tagged HUMAN_AGENT, for 7 days; an AI's answer is never
tagged (Meta's policy: the tag is for human agents). We refuse what Meta would refuse before we
send it (WindowClosed, 409 window_closed), and the send path checks again when it sends
(chatflow.meta.outbound), for the window may close between the two.

The window belongs to the contact, not to one conversation: the customer's last message on this
channel, whichever conversation it opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from chatflow.db import Connection
from chatflow.errors import WindowClosed
from chatflow.languages import text
from chatflow.outbox import DomainEvent, NoteCreated
from chatflow.outbox import repository as events_repo
from chatflow.vocabulary import Language

__all__ = [
    "HUMAN_AGENT_WINDOW",
    "LAST_CUSTOMER_MESSAGE_SQL",
    "NOTE_WINDOW_CLOSED_KEY",
    "SERVICE_WINDOW",
    "ReplyWindow",
    "Sendable",
    "note_window_closed",
    "reply_window",
    "require_free_text",
    "sendable",
]

SERVICE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

# The contact's last message on the conversation's channel (any of their conversations there):
# `conversation` is the conversation's alias in the query this is part of. Index-backed: the
# contact's conversations by conversations_visitor_idx, then in each the newest visitor message,
# walking messages_conversation_seq_idx backwards from the end (a long conversation costs no more).
LAST_CUSTOMER_MESSAGE_SQL = """(
    SELECT max(last_said.created_at) FROM conversations vc
    CROSS JOIN LATERAL (
        SELECT vm.created_at FROM messages vm
        WHERE vm.conversation_id = vc.id AND vm.role = 'visitor' ORDER BY vm.seq DESC LIMIT 1
    ) last_said
    WHERE vc.channel_id = {conversation}.channel_id AND vc.visitor_id = {conversation}.visitor_id
)"""

_WINDOW = (
    """
SELECT k.kind, now() AS now, """
    + LAST_CUSTOMER_MESSAGE_SQL.format(conversation="c")
    + """ AS last_customer_message_at
FROM conversations c
JOIN channel_meta_connections k ON k.channel_id = c.channel_id AND k.kind = c.visitor_metadata ->> 'channel'
WHERE c.id = %s
"""
)


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    """A WhatsApp or Messenger conversation's window now. `closes_at`: the end of the 24 hours
    (None when the customer never wrote); `human_agent_until`: Messenger's 7 days for people's
    replies (None on WhatsApp)."""

    channel: Literal["whatsapp", "messenger"]
    open: bool
    last_customer_message_at: datetime | None
    closes_at: datetime | None
    human_agent_until: datetime | None

    @property
    def person_may_write(self) -> bool:
        """Whether a person's free text may go out now (on Messenger with the HUMAN_AGENT tag past 24 hours)."""
        return self.open or self.human_agent_until is not None


def reply_window(conn: Connection, conversation_id: UUID) -> ReplyWindow | None:
    """None for a conversation of a website channel, or of a channel no longer connected to Meta."""
    row = conn.execute(_WINDOW, (conversation_id,)).fetchone()
    if row is None:
        return None
    kind: Literal["whatsapp", "messenger"] = row["kind"]
    last: datetime | None = row["last_customer_message_at"]
    now: datetime = row["now"]
    closes_at = last + SERVICE_WINDOW if last else None
    human_until = last + HUMAN_AGENT_WINDOW if last and kind == "messenger" else None
    return ReplyWindow(
        channel=kind,
        open=closes_at is not None and now < closes_at,
        last_customer_message_at=last,
        closes_at=closes_at,
        human_agent_until=human_until if human_until and now < human_until else None,
    )


def require_free_text(conn: Connection, conversation_id: UUID) -> None:
    """Before a person's free-text reply is stored: WindowClosed when Meta would refuse it."""
    window = reply_window(conn, conversation_id)
    if window is not None and not window.person_may_write:
        raise WindowClosed(variant=window.channel)


# How a message goes out given the window, decided by the send path (chatflow.meta.outbound).
Sendable = Literal["response", "human_agent", "closed"]


def sendable(kind: str, *, role: str, template: bool, within_24h: bool, within_7d: bool) -> Sendable:
    """`response`: as an answer within the window (a template at any time); `human_agent`: Messenger's
    tag, for a person's message past 24 hours and within 7 days; `closed`: it must not be sent."""
    if template or within_24h:
        return "response"
    if kind == "messenger" and role == "agent" and within_7d:
        return "human_agent"
    return "closed"


# The catalogue's text of the note the agents read when the AI kept quiet (chatflow.catalogue).
NOTE_WINDOW_CLOSED_KEY = "meta_window_closed_note"


def note_window_closed(
    conn: Connection,
    *,
    organization_id: UUID,
    conversation_id: UUID,
    sent_at: datetime,
    language: Language,
) -> list[DomainEvent]:
    """The AI does not answer a customer's message whose window closed before it was handled (Meta
    delivered or we processed it late): no answer is generated (no tokens spent) and the agents get a
    private note that says why, once per message however often it is redelivered; its events."""
    window = reply_window(conn, conversation_id)
    content = text(
        NOTE_WINDOW_CLOSED_KEY,
        language,
        sent=sent_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        channel="Messenger" if window is not None and window.channel == "messenger" else "WhatsApp",
    )
    row = conn.execute(
        """
        INSERT INTO conversation_notes (conversation_id, organization_id, author_user_id, content)
        SELECT %(conversation)s, %(organization)s, NULL, %(content)s
        WHERE NOT EXISTS (
            SELECT 1 FROM conversation_notes
            WHERE conversation_id = %(conversation)s AND author_user_id IS NULL AND content = %(content)s
        )
        RETURNING id
        """,
        {"conversation": conversation_id, "organization": organization_id, "content": content},
    ).fetchone()
    if row is None:
        return []
    events: list[DomainEvent] = [
        NoteCreated(organization_id=organization_id, conversation_id=conversation_id, note_id=row["id"])
    ]
    events_repo.add(conn, events)
    return events
