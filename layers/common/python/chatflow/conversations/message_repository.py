"""The SQL that writes a conversation's messages: a visitor's opening or next message, and the answer
to one (the AI's, an agent's notice, a system notice). Each write is one statement, so that it, its
events and the usage it counts commit together without a transaction's extra round trips.

Apart from the chat pipeline's context read (chatflow.conversations.repository: the AI's settings,
prompts and history), which the functions that only write a visitor's message (an attachment, an
offline message) would otherwise load at every cold start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from chatflow.billing import COUNT_USAGE_SQL, PLAN_CONVERSATION_LIMITS
from chatflow.conversations.models import MessageView
from chatflow.db import Connection
from chatflow.outbox import DomainEvent
from chatflow.outbox import repository as outbox
from chatflow.outbox.repository import events_when
from chatflow.realtime.connections import BIND_WIDGET_CONNECTIONS_SQL
from chatflow.vocabulary import Language, Plan

if TYPE_CHECKING:
    from chatflow.ai.base import HandoffRequest

__all__ = [
    "ConversationState",
    "MonthUsage",
    "WrittenMessage",
    "conversation_state",
    "find_reply",
    "insert_opening_message",
    "insert_reply",
    "insert_visitor_message",
]


@dataclass(frozen=True, slots=True)
class ConversationState:
    id: UUID
    status: str
    responder_mode: str
    language: str


@dataclass(frozen=True, slots=True)
class MonthUsage:
    """What an opening message's statement reads back from the month's usage row, so that the
    over-limit notice costs no round trip until it is due."""

    plan: Plan
    conversations: int
    over_limit_notified: bool

    @property
    def over_limit_notice_due(self) -> bool:
        return not self.over_limit_notified and self.conversations > PLAN_CONVERSATION_LIMITS[self.plan]


@dataclass(frozen=True, slots=True)
class WrittenMessage:
    id: UUID
    created_at: datetime
    conversation: ConversationState
    month_usage: MonthUsage | None = None  # only for an opening message


# The visitor's POST runs these on every message: each is composed once here and rendered once too
# (psycopg renders a composed statement again on every execute, ~16 us each on a 2-core machine under
# load; a rendered one is found in its cache of converted queries at once).
_INSERT_OPENING_MESSAGE = (
    sql.SQL("""
WITH conv AS (
    INSERT INTO conversations (id, channel_id, organization_id, visitor_id, status, responder_mode, language,
                               page_url, visitor_metadata, opening_client_message_id, handed_off_at,
                               handoff_source, handoff_reason)
    VALUES (%(conversation_id)s, %(channel_id)s, %(organization_id)s, %(visitor_id)s, %(status)s, %(responder_mode)s,
            %(language)s, %(page_url)s, %(visitor_metadata)s, %(client_message_id)s,
            CASE WHEN %(handoff)s THEN now() END, CASE WHEN %(handoff)s THEN 'keyword' END,
            CASE WHEN %(handoff)s THEN 'visitor_asked' END)
    ON CONFLICT (channel_id, visitor_id, opening_client_message_id) DO NOTHING
    RETURNING id, status, responder_mode, language, last_message_at
), msg AS (
    INSERT INTO messages (id, conversation_id, organization_id, role, content, client_message_id, language,
                          created_at)
    SELECT %(message_id)s, conv.id, %(organization_id)s, 'visitor', %(content)s, %(client_message_id)s,
           %(language)s, conv.last_message_at
    FROM conv
    RETURNING id, created_at
), {events}, counted AS (
    SELECT %(organization_id)s::uuid AS organization_id, 1 AS conversations, 1 AS messages,
           0 AS ai_messages, 0 AS tokens
    FROM msg
), usage AS ({count_usage}
    -- The month's count after this conversation, for the over-limit notice (chatflow.notifications.over_limit).
    RETURNING u.conversations, u.over_limit_notified_at IS NOT NULL AS over_limit_notified
), bound AS ({bind_sockets})
SELECT msg.id, msg.created_at, conv.id AS conversation_id, conv.status, conv.responder_mode, conv.language,
       usage.conversations AS month_conversations, usage.over_limit_notified,
       (SELECT o.plan FROM organizations o WHERE o.id = %(organization_id)s) AS plan
FROM conv CROSS JOIN msg LEFT JOIN usage ON true
""")
    .format(events=events_when("msg"), count_usage=COUNT_USAGE_SQL, bind_sockets=BIND_WIDGET_CONNECTIONS_SQL)
    .as_bytes()
)


def insert_opening_message(
    conn: Connection,
    *,
    conversation_id: UUID,
    message_id: UUID,
    channel_id: UUID,
    organization_id: UUID,
    visitor_id: UUID,
    content: str,
    client_message_id: UUID | None,
    language: str,
    handoff: bool,
    page_url: str | None,
    visitor_metadata: dict[str, Any],
    events: Sequence[DomainEvent],
) -> WrittenMessage | None:
    """Open a conversation with its first message, bill it, write its events and bind the visitor's
    sockets on the channel to it; None when a retry of the same first message already opened it (the
    caller then reloads)."""
    row = conn.execute(
        _INSERT_OPENING_MESSAGE,
        {
            "conversation_id": conversation_id,
            "message_id": message_id,
            "events": outbox.records(events),
            "channel_id": channel_id,
            "organization_id": organization_id,
            "visitor_id": visitor_id,
            "status": "pending" if handoff else "open",
            "responder_mode": "human" if handoff else "ai",
            "language": language,
            "page_url": page_url,
            "visitor_metadata": Jsonb(visitor_metadata),
            "client_message_id": client_message_id,
            "content": content,
            "handoff": handoff,
        },
    ).fetchone()
    written = _written(row)
    if written is None or row is None or row["month_conversations"] is None:
        return written
    return replace(
        written,
        month_usage=MonthUsage(
            plan=row["plan"],
            conversations=row["month_conversations"],
            over_limit_notified=row["over_limit_notified"],
        ),
    )


_INSERT_VISITOR_MESSAGE = (
    sql.SQL("""
WITH msg AS (
    INSERT INTO messages (id, conversation_id, organization_id, role, content, client_message_id, language)
    SELECT %(message_id)s, c.id, c.organization_id, 'visitor', %(content)s, %(client_message_id)s, %(language)s
    FROM conversations c WHERE c.id = %(conversation_id)s AND c.status <> 'closed'
    ON CONFLICT (conversation_id, client_message_id) DO NOTHING
    RETURNING id, conversation_id, organization_id, created_at
), {events}, conv AS (
    UPDATE conversations c SET
        last_message_at = msg.created_at,
        language = %(language)s,
        responder_mode = CASE WHEN %(handoff)s THEN 'human' ELSE c.responder_mode END,
        status = CASE WHEN %(handoff)s THEN 'pending' ELSE c.status END,
        handed_off_at = CASE WHEN %(handoff)s THEN coalesce(c.handed_off_at, msg.created_at)
                             ELSE c.handed_off_at END,
        handoff_source = CASE WHEN %(handoff)s THEN 'keyword' ELSE c.handoff_source END,
        handoff_reason = CASE WHEN %(handoff)s THEN 'visitor_asked' ELSE c.handoff_reason END,
        handoff_summary = CASE WHEN %(handoff)s THEN NULL ELSE c.handoff_summary END
    FROM msg WHERE c.id = msg.conversation_id
    RETURNING c.id, c.status, c.responder_mode, c.language
), counted AS (
    SELECT organization_id, 0 AS conversations, 1 AS messages, 0 AS ai_messages, 0 AS tokens FROM msg
), usage AS ({count_usage})
SELECT msg.id, msg.created_at, conv.id AS conversation_id, conv.status, conv.responder_mode, conv.language
FROM msg, conv
""")
    .format(events=events_when("msg"), count_usage=COUNT_USAGE_SQL)
    .as_bytes()
)


def insert_visitor_message(
    conn: Connection,
    *,
    message_id: UUID,
    conversation_id: UUID,
    content: str,
    client_message_id: UUID | None,
    language: str,
    handoff: bool,
    events: Sequence[DomainEvent],
) -> WrittenMessage | None:
    """Add a message to a conversation that is not closed, with its events; None when it was
    closed meanwhile or the same clientMessageId was written by a racing retry (the caller then
    reloads)."""
    row = conn.execute(
        _INSERT_VISITOR_MESSAGE,
        {
            "message_id": message_id,
            "events": outbox.records(events),
            "conversation_id": conversation_id,
            "content": content,
            "client_message_id": client_message_id,
            "language": language,
            "handoff": handoff,
        },
    ).fetchone()
    return _written(row)


def _written(row: dict[str, Any] | None) -> WrittenMessage | None:
    if row is None:
        return None
    return WrittenMessage(id=row["id"], created_at=row["created_at"], conversation=conversation_state(row))


def conversation_state(row: dict[str, Any]) -> ConversationState:
    """A conversation's state from a row's conversation_id, status, responder_mode and language."""
    return ConversationState(
        id=row["conversation_id"],
        status=row["status"],
        responder_mode=row["responder_mode"],
        language=row["language"],
    )


_INSERT_REPLY = (
    sql.SQL("""
WITH reply AS (
    INSERT INTO messages (id, conversation_id, organization_id, role, content, tokens_used, model, reply_to,
                          knowledge_chunk_ids, language)
    VALUES (%(message_id)s, %(conversation_id)s, %(organization_id)s, %(role)s, %(content)s, %(tokens_used)s, %(model)s,
            %(reply_to)s, %(knowledge_chunk_ids)s, %(language)s)
    ON CONFLICT (reply_to) WHERE reply_to IS NOT NULL DO NOTHING
    RETURNING id, role, content, created_at, organization_id
), {events}, conv AS (
    -- With a handoff (the AI's tool call): to a person, with its reason, as a keyword would.
    UPDATE conversations c SET
        last_message_at = reply.created_at,
        responder_mode = CASE WHEN %(handoff)s THEN 'human' ELSE c.responder_mode END,
        status = CASE WHEN %(handoff)s THEN 'pending' ELSE c.status END,
        handed_off_at = CASE WHEN %(handoff)s THEN coalesce(c.handed_off_at, reply.created_at)
                             ELSE c.handed_off_at END,
        handoff_source = CASE WHEN %(handoff)s THEN 'ai' ELSE c.handoff_source END,
        handoff_reason = CASE WHEN %(handoff)s THEN %(handoff_reason)s ELSE c.handoff_reason END,
        handoff_summary = CASE WHEN %(handoff)s THEN %(handoff_summary)s ELSE c.handoff_summary END
    FROM reply WHERE c.id = %(conversation_id)s
), counted AS (
    SELECT organization_id, 0 AS conversations, %(counted_messages)s AS messages,
           %(ai_messages)s AS ai_messages, %(tokens_used)s AS tokens
    FROM reply
), usage AS ({count_usage})
SELECT id, role, content, created_at FROM reply
""")
    .format(events=events_when("reply"), count_usage=COUNT_USAGE_SQL)
    .as_bytes()
)


def insert_reply(
    conn: Connection,
    *,
    message_id: UUID,
    conversation_id: UUID,
    organization_id: UUID,
    reply_to: UUID,
    role: str,
    content: str,
    model: str | None,
    tokens_used: int,
    counts_as_ai_message: bool,
    knowledge_chunk_ids: list[UUID] | None,
    language: Language,
    events: Sequence[DomainEvent],
    handoff: HandoffRequest | None = None,
) -> MessageView | None:
    """Store the answer to a visitor message; None when another request already answered it.
    System notices are ours, not conversation traffic, so they are not counted as messages.
    knowledge_chunk_ids: the knowledge the AI answered from (None when no search ran). handoff: the
    AI passed the conversation to a person (the answer is then the handoff notice)."""
    row = conn.execute(
        _INSERT_REPLY,
        {
            "message_id": message_id,
            "events": outbox.records(events),
            "conversation_id": conversation_id,
            "organization_id": organization_id,
            "reply_to": reply_to,
            "role": role,
            "content": content,
            "model": model,
            "tokens_used": tokens_used,
            "counted_messages": 0 if role == "system" else 1,
            "ai_messages": 1 if counts_as_ai_message else 0,
            "knowledge_chunk_ids": knowledge_chunk_ids,
            "language": language,
            "handoff": handoff is not None,
            "handoff_reason": None if handoff is None else handoff.reason,
            "handoff_summary": None if handoff is None else handoff.summary,
        },
    ).fetchone()
    return _message(row) if row is not None else None


def find_reply(conn: Connection, *, reply_to: UUID) -> MessageView | None:
    row = conn.execute("SELECT id, role, content, created_at FROM messages WHERE reply_to = %s", (reply_to,)).fetchone()
    return _message(row) if row is not None else None


def _message(row: dict[str, Any]) -> MessageView:
    return MessageView(id=row["id"], role=row["role"], content=row["content"], created_at=row["created_at"])
