"""The SQL the chat pipeline reads a visitor's POST with (its channel, the AI's settings, the
conversation and its history, in one round trip), and the stale conversations' closing. The
message writes are in chatflow.conversations.message_repository."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_settings import PLATFORM_KEY_SETTING, ChannelOverrides, OrganizationAISettings
from chatflow.attachments.models import IMAGE_TYPES, ai_note
from chatflow.conversations.message_repository import ConversationState, conversation_state
from chatflow.conversations.models import MessageView
from chatflow.db import Connection
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as outbox
from chatflow.vocabulary import Language

__all__ = ["PostContext", "PriorMessage", "close_stale_conversations", "load_post_context"]


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
    conversation = conversation_state(row) if row["conversation_id"] is not None else None
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
