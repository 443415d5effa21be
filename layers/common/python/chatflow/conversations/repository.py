"""The SQL of conversations. Each write is one statement, so that it and the usage it counts commit
together without a transaction's extra round trips."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from chatflow.ai.base import HandoffRequest
from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_settings import PLATFORM_KEY_SETTING, ChannelOverrides, OrganizationAISettings
from chatflow.attachments.models import IMAGE_TYPES, ai_note
from chatflow.billing import COUNT_USAGE_SQL, PLAN_CONVERSATION_LIMITS
from chatflow.conversations.models import MessageView
from chatflow.db import Connection
from chatflow.outbox import ConversationUpdated, DomainEvent
from chatflow.outbox import repository as outbox
from chatflow.outbox.repository import events_when
from chatflow.realtime.connections import BIND_WIDGET_CONNECTIONS_SQL
from chatflow.vocabulary import Language, Plan

__all__ = [
    "ConversationState",
    "MonthUsage",
    "PostContext",
    "PriorMessage",
    "WrittenMessage",
    "close_stale_conversations",
    "find_reply",
    "insert_opening_message",
    "insert_reply",
    "insert_visitor_message",
    "load_post_context",
]


@dataclass(frozen=True, slots=True)
class ConversationState:
    id: UUID
    status: str
    responder_mode: str
    language: str


@dataclass(frozen=True, slots=True)
class PriorMessage:
    """A visitor message already stored under the request's clientMessageId."""

    id: UUID
    content: str
    # None: stored before messages had a language.
    language: Language | None
    reply: MessageView | None


@dataclass(frozen=True, slots=True)
class PostContext:
    channel_id: UUID
    organization_id: UUID
    allowed_origins: tuple[str, ...]
    channel: ChannelOverrides
    organization: OrganizationAISettings
    platform_encrypted_key: str | None
    conversation: ConversationState | None
    prior: PriorMessage | None
    history: list[HistoryEntry]
    # The channel has knowledge to search (its own or its organisation's); else retrieval is skipped.
    has_knowledge: bool = False
    # The channel's business hours (a row of channel_business_hours as JSON, when it keeps some turned
    # on) and the visitor's time zone as their widget reported it: a handoff's notice outside the
    # hours says when people are back (chatflow.business_hours), at no round trip more.
    business_hours: dict[str, Any] | None = None
    visitor_zone: str | None = None


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


_LOAD_POST_CONTEXT = """
SELECT ch.id AS channel_id, ch.organization_id, ch.allowed_origins, ch.handoff_enabled,
       ch.system_prompt AS channel_system_prompt, ch.handoff_keywords AS channel_handoff_keywords,
       s.provider, s.model, s.temperature::float8 AS temperature, s.max_tokens,
       s.system_prompt AS org_system_prompt, s.handoff_keywords AS org_handoff_keywords, s.encrypted_api_key,
       s.image_input,
       (SELECT value FROM platform_settings WHERE key = %(platform_key)s) AS platform_encrypted_key,
       EXISTS (SELECT FROM knowledge_chunks kc WHERE kc.organization_id = ch.organization_id
               AND (kc.channel_id IS NULL OR kc.channel_id = ch.id)) AS has_knowledge,
       conv.id AS conversation_id, conv.status, conv.responder_mode, conv.language,
       prior.id AS prior_id, prior.content AS prior_content, prior.language AS prior_language,
       reply.id AS reply_id, reply.role AS reply_role, reply.content AS reply_content,
       reply.created_at AS reply_created_at,
       hist.history,
       (SELECT to_jsonb(bh) FROM channel_business_hours bh WHERE bh.channel_id = ch.id AND bh.enabled)
           AS business_hours,
       conv.visitor_zone
FROM channels ch
JOIN organizations o ON o.id = ch.organization_id AND o.active
JOIN ai_settings s ON s.organization_id = ch.organization_id
LEFT JOIN LATERAL (
    SELECT m.id, m.conversation_id, m.content, m.language, m.seq
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE %(client_message_id)s::uuid IS NOT NULL AND m.client_message_id = %(client_message_id)s
      AND c.channel_id = ch.id AND c.visitor_id = %(visitor_id)s
    LIMIT 1
) prior ON true
LEFT JOIN LATERAL (
    SELECT r.id, r.role, r.content, r.created_at FROM messages r WHERE r.reply_to = prior.id
) reply ON true
LEFT JOIN LATERAL (
    SELECT c.id, c.status, c.responder_mode, c.language, c.visitor_metadata -> 'profile' ->> 'timeZone' AS visitor_zone
    FROM conversations c
    WHERE c.id = coalesce(prior.conversation_id, %(conversation_id)s::uuid)
      AND c.channel_id = ch.id AND c.visitor_id = %(visitor_id)s
) conv ON true
LEFT JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object('role', h.role, 'content', h.content,
                                               'attachment', h.attachment) ORDER BY h.seq), '[]') AS history
    FROM (
        SELECT m.role, m.content, m.seq,
               (SELECT json_build_object('name', att.name, 'content_type', att.content_type,
                                         'object_key', att.object_key)
                FROM attachments att WHERE att.message_id = m.id AND att.status = 'ready') AS attachment
        FROM messages m
        WHERE m.conversation_id = conv.id AND conv.status <> 'closed'
          AND (prior.seq IS NULL OR m.seq < prior.seq)
        ORDER BY m.seq DESC LIMIT %(history_limit)s
    ) h
) hist ON true
WHERE ch.public_key = %(public_key)s AND ch.active
"""


def _history_entry(h: dict[str, Any]) -> HistoryEntry:
    """A message as the AI reads it: an attachment is a line saying it was sent (chatflow.attachments)."""
    attachment = h.get("attachment")
    if attachment:
        image = attachment["content_type"] in IMAGE_TYPES and h["role"] == "visitor"
        return HistoryEntry(
            role=h["role"],
            content=ai_note(h["role"], attachment["name"], attachment["content_type"]),
            image_key=attachment["object_key"] if image else None,
        )
    return HistoryEntry(role=h["role"], content=h["content"])


def load_post_context(
    conn: Connection,
    *,
    public_key: UUID,
    visitor_id: UUID,
    conversation_id: UUID | None,
    client_message_id: UUID | None,
    history_limit: int,
) -> PostContext | None:
    """Everything a visitor's POST needs, in one round trip; None when the channel is unknown or inactive."""
    row = conn.execute(
        _LOAD_POST_CONTEXT,
        {
            "public_key": public_key,
            "visitor_id": visitor_id,
            "conversation_id": conversation_id,
            "client_message_id": client_message_id,
            "history_limit": history_limit,
            "platform_key": PLATFORM_KEY_SETTING,
        },
    ).fetchone()
    if row is None:
        return None
    conversation = None
    if row["conversation_id"] is not None:
        conversation = ConversationState(
            id=row["conversation_id"],
            status=row["status"],
            responder_mode=row["responder_mode"],
            language=row["language"],
        )
    prior = None
    if row["prior_id"] is not None:
        reply = None
        if row["reply_id"] is not None:
            reply = MessageView(
                id=row["reply_id"],
                role=row["reply_role"],
                content=row["reply_content"],
                created_at=row["reply_created_at"],
            )
        prior = PriorMessage(
            id=row["prior_id"], content=row["prior_content"], language=row["prior_language"], reply=reply
        )
    channel_keywords = row["channel_handoff_keywords"]
    return PostContext(
        channel_id=row["channel_id"],
        organization_id=row["organization_id"],
        allowed_origins=tuple(row["allowed_origins"]),
        channel=ChannelOverrides(
            system_prompt=row["channel_system_prompt"],
            handoff_keywords=tuple(channel_keywords) if channel_keywords is not None else None,
            handoff_enabled=row["handoff_enabled"],
        ),
        organization=OrganizationAISettings(
            provider=row["provider"],
            model=row["model"],
            temperature=row["temperature"],
            max_tokens=row["max_tokens"],
            system_prompt=row["org_system_prompt"],
            handoff_keywords=tuple(row["org_handoff_keywords"]),
            encrypted_api_key=row["encrypted_api_key"],
            image_input=row["image_input"],
        ),
        platform_encrypted_key=row["platform_encrypted_key"],
        conversation=conversation,
        prior=prior,
        history=[_history_entry(h) for h in row["history"] or []],
        has_knowledge=row["has_knowledge"],
        business_hours=row["business_hours"],
        visitor_zone=row["visitor_zone"],
    )


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
    return WrittenMessage(
        id=row["id"],
        created_at=row["created_at"],
        conversation=ConversationState(
            id=row["conversation_id"],
            status=row["status"],
            responder_mode=row["responder_mode"],
            language=row["language"],
        ),
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


_CLOSE_STALE = """
UPDATE conversations SET status = 'closed', closed_at = now()
WHERE status <> 'closed' AND last_message_at < now() - make_interval(secs => %(idle_seconds)s)
RETURNING id, organization_id
"""


def close_stale_conversations(conn: Connection, *, idle_seconds: float) -> list[ConversationUpdated]:
    """Close every open or pending conversation idle for longer than idle_seconds, in one
    transaction with an event for each; returns the events."""
    with conn.transaction():
        rows = conn.execute(_CLOSE_STALE, {"idle_seconds": idle_seconds}).fetchall()
        events = [
            ConversationUpdated(organization_id=row["organization_id"], conversation_id=row["id"]) for row in rows
        ]
        outbox.add(conn, events)
    return events
