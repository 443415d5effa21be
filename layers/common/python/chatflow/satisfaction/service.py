"""Rating a conversation, and a channel's survey settings.

A rating is given once. The same rating sent again (a retry: the same value and comment) answers as
the first did; a different one is refused (AlreadyRated, 409). Only a closed conversation is rated
(the widget asks when it ends, closed by the visitor or by an agent): NotClosed otherwise. Who gave
the last answer before it is kept with it (the AI, or an agent and which one), for the reports: the
AI's satisfaction and each agent's are counted apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow import audit, outbox
from chatflow.access import Caller
from chatflow.db import Connection, connection
from chatflow.errors import AlreadyRated, ChannelNotFound, ConversationNotFound, InvalidInput, NotClosed
from chatflow.origins import check_origin
from chatflow.outbox import ConversationRated, ConversationUpdated
from chatflow.outbox import repository as outbox_repo
from chatflow.text import storable

__all__ = [
    "MAX_COMMENT_CHARS",
    "RatingResult",
    "SatisfactionSettings",
    "Scale",
    "get_settings",
    "put_settings",
    "rate_conversation",
]

MAX_COMMENT_CHARS = 1_000

Scale = Literal["five", "thumbs"]


@dataclass(frozen=True, slots=True)
class SatisfactionSettings:
    """Whether the widget asks for a rating when a conversation ends, and on which scale."""

    enabled: bool
    scale: Scale


@dataclass(frozen=True, slots=True)
class RatingResult:
    conversation_id: UUID
    rating: int
    scale: Scale
    comment: str | None
    rated_at: datetime


_LOCK = """
SELECT c.id, c.organization_id, c.status, c.rating, c.rating_scale, c.rating_comment, c.rated_at,
       ch.allowed_origins, ch.csat_scale
FROM conversations c JOIN channels ch ON ch.id = c.channel_id
WHERE c.id = %(id)s AND c.visitor_id = %(visitor_id)s
FOR NO KEY UPDATE OF c
"""

# Who spoke last to the visitor before the rating: the AI or an agent (and which).
_LAST_RESPONDER = """
SELECT role, author_user_id FROM messages
WHERE conversation_id = %s AND role IN ('ai', 'agent')
ORDER BY seq DESC LIMIT 1
"""

_RATE = """
UPDATE conversations SET rating = %(rating)s, rating_scale = %(scale)s, rating_comment = %(comment)s,
       rated_at = now(), rated_responder = %(responder)s, rated_agent_id = %(agent_id)s
WHERE id = %(id)s
RETURNING rated_at
"""


def _clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    try:
        text = storable(comment).strip()
    except ValueError as exc:
        raise InvalidInput(f"comment: {exc}", variant="field", field="comment") from exc
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"comment: at most {MAX_COMMENT_CHARS} characters", variant="field", field="comment")
    return text or None


def rate_conversation(
    *, conversation_id: UUID, visitor_id: UUID, rating: int, comment: str | None = None, origin: str | None = None
) -> RatingResult:
    """The visitor's own conversation (ConversationNotFound for anyone else's), from a page its channel
    allows. 1-5; on a thumbs channel 5 (up) or 1 (down)."""
    if not 1 <= rating <= 5:
        raise InvalidInput("rating: from 1 to 5", variant="field", field="rating")
    text = _clean_comment(comment)
    with connection() as conn, conn.transaction():
        row = conn.execute(_LOCK, {"id": conversation_id, "visitor_id": visitor_id}).fetchone()
        if row is None:
            raise ConversationNotFound("This conversation does not exist for this visitor.")
        check_origin(tuple(row["allowed_origins"] or ()), origin)
        if row["rating"] is not None:
            if row["rating"] == rating and row["rating_comment"] == text:
                return RatingResult(conversation_id, row["rating"], row["rating_scale"], text, row["rated_at"])
            raise AlreadyRated()
        if row["status"] != "closed":
            raise NotClosed()
        scale: Scale = row["csat_scale"]
        if scale == "thumbs" and rating not in (1, 5):
            raise InvalidInput("rating: 5 (thumbs up) or 1 (thumbs down)", variant="field", field="rating")
        last = conn.execute(_LAST_RESPONDER, (conversation_id,)).fetchone()
        responder: Literal["ai", "agent"] | None = None if last is None else last["role"]
        agent_id = None if last is None or last["role"] != "agent" else last["author_user_id"]
        rated = conn.execute(
            _RATE,
            {
                "id": conversation_id,
                "rating": rating,
                "scale": scale,
                "comment": text,
                "responder": responder,
                "agent_id": agent_id,
            },
        ).fetchone()
        assert rated is not None
        organization_id = row["organization_id"]
        events = [
            ConversationRated(
                organization_id=organization_id,
                conversation_id=conversation_id,
                rating=rating,
                scale=scale,
                responder=responder,
                agent_id=agent_id,
            ),
            ConversationUpdated(organization_id=organization_id, conversation_id=conversation_id),
        ]
        outbox_repo.add(conn, events)
    outbox.signal([e.id for e in events])
    return RatingResult(conversation_id, rating, scale, text, rated["rated_at"])


def get_settings(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> SatisfactionSettings:
    caller.require_member(organization_id)
    row = conn.execute(
        "SELECT csat_enabled, csat_scale FROM channels WHERE organization_id = %s AND id = %s",
        (organization_id, channel_id),
    ).fetchone()
    if row is None:
        raise ChannelNotFound()
    return SatisfactionSettings(enabled=row["csat_enabled"], scale=row["csat_scale"])


def put_settings(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, settings: SatisfactionSettings
) -> SatisfactionSettings:
    """Org admin."""
    caller.require_admin(organization_id)
    with conn.transaction():
        row = conn.execute(
            "UPDATE channels SET csat_enabled = %s, csat_scale = %s, updated_at = now() "
            "WHERE organization_id = %s AND id = %s RETURNING csat_enabled, csat_scale",
            (settings.enabled, settings.scale, organization_id, channel_id),
        ).fetchone()
        if row is None:
            raise ChannelNotFound()
        audit.record(
            conn,
            action="channel.satisfaction_changed",
            organization_id=organization_id,
            actor=caller,
            target=str(channel_id),
            details={"enabled": settings.enabled, "scale": settings.scale},
        )
    return SatisfactionSettings(enabled=row["csat_enabled"], scale=row["csat_scale"])
