"""The widget's "Talk to a person": the visitor asks for a person without typing a keyword.

Where the channel hands off, the conversation passes to a person exactly as a keyword passes it (the
same event, notice and email), its reason `visitor_asked` and its source `button`. Where it does not,
nobody will come: the visitor is told so, and may leave an email address, kept on the conversation
(its visitor metadata, `contactEmail`, which the inbox shows and the visitor's erasure removes) for
the agents to write back. Asking again changes nothing (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from chatflow import outbox
from chatflow.business_hours.notice import handoff_notice
from chatflow.business_hours.repository import hours_from_row
from chatflow.business_hours.service import availability
from chatflow.conversations.models import MessageView
from chatflow.db import Connection, connection
from chatflow.errors import ConversationClosed, ConversationNotFound
from chatflow.languages import DEFAULT_LANGUAGE, normalize_language
from chatflow.origins import check_origin
from chatflow.outbox import ConversationHandoff, ConversationUpdated, DomainEvent, MessageCreated, OfflineMessageLeft
from chatflow.outbox import repository as outbox_repo

__all__ = ["PersonRequest", "ask_for_person"]


@dataclass(frozen=True, slots=True)
class PersonRequest:
    """What the visitor's ask did: `available` False when the channel hands nothing off (nobody will
    come); `notice` the handoff notice written now (None when it was handed off already, or is not);
    `email_saved` when the address they left is kept."""

    conversation_id: UUID
    status: str
    responder_mode: str
    available: bool
    notice: MessageView | None
    email_saved: bool


_LOCK = """
SELECT c.id, c.organization_id, c.status, c.responder_mode, c.language, ch.handoff_enabled, ch.allowed_origins
FROM conversations c
JOIN channels ch ON ch.id = c.channel_id
WHERE c.id = %(conversation_id)s AND c.visitor_id = %(visitor_id)s
FOR UPDATE OF c
"""

_HAND_OFF = """
WITH conv AS (
    UPDATE conversations SET responder_mode = 'human', status = 'pending', last_message_at = now(),
           handed_off_at = coalesce(handed_off_at, now()), handoff_source = 'button',
           handoff_reason = 'visitor_asked', handoff_summary = NULL
    WHERE id = %(conversation_id)s
    RETURNING id, organization_id
)
INSERT INTO messages (id, conversation_id, organization_id, role, content, language)
SELECT %(message_id)s, conv.id, conv.organization_id, 'system', %(content)s, %(language)s FROM conv
RETURNING id, role, content, created_at
"""

_KEEP_EMAIL = """
UPDATE conversations SET visitor_metadata = visitor_metadata || jsonb_build_object('contactEmail', %(email)s::text)
WHERE id = %(conversation_id)s
"""


def ask_for_person(
    *, conversation_id: UUID, visitor_id: UUID, email: str | None = None, origin: str | None = None
) -> PersonRequest:
    """The visitor's own conversation, from a page its channel allows; ConversationNotFound when it is
    not theirs, ConversationClosed when it has ended."""
    with connection() as conn, conn.transaction():
        result, events = _ask(conn, conversation_id, visitor_id, email, origin)
        outbox_repo.add(conn, events)
    outbox.signal([e.id for e in events])
    return result


def _ask(
    conn: Connection, conversation_id: UUID, visitor_id: UUID, email: str | None, origin: str | None
) -> tuple[PersonRequest, list[DomainEvent]]:
    row = conn.execute(_LOCK, {"conversation_id": conversation_id, "visitor_id": visitor_id}).fetchone()
    if row is None:
        raise ConversationNotFound("This conversation does not exist for this visitor.")
    check_origin(tuple(row["allowed_origins"] or ()), origin)
    if row["status"] == "closed":
        raise ConversationClosed("This conversation has ended.")
    organization_id = row["organization_id"]
    updated = ConversationUpdated(organization_id=organization_id, conversation_id=conversation_id)
    if row["responder_mode"] == "human":
        # Already with a person (a keyword, the AI, an agent's take-over, an earlier press): nothing to
        # do, but keep an email left after a handoff outside business hours asked for one, and tell
        # the team the visitor left word (chatflow.business_hours.offline).
        if email is None:
            return PersonRequest(conversation_id, row["status"], "human", True, None, email_saved=False), []
        conn.execute(_KEEP_EMAIL, {"email": email, "conversation_id": conversation_id})
        kept: list[DomainEvent] = [updated]
        if _outside_hours(conn, conversation_id):
            kept.append(
                OfflineMessageLeft(organization_id=organization_id, conversation_id=conversation_id, source="handoff")
            )
        return PersonRequest(conversation_id, row["status"], "human", True, None, email_saved=True), kept
    if not row["handoff_enabled"]:
        events: list[DomainEvent] = []
        if email is not None:
            conn.execute(_KEEP_EMAIL, {"email": email, "conversation_id": conversation_id})
            events.append(updated)
        state = PersonRequest(
            conversation_id, row["status"], row["responder_mode"], False, None, email_saved=email is not None
        )
        return state, events
    language = normalize_language(row["language"]) or DEFAULT_LANGUAGE
    # Outside the channel's business hours the notice says when people are back and asks for an email.
    said = handoff_notice(conn, conversation_id=conversation_id, language=language)
    notice_row = conn.execute(
        _HAND_OFF,
        {
            "conversation_id": conversation_id,
            "message_id": uuid4(),
            "content": said.content,
            "language": language,
        },
    ).fetchone()
    assert notice_row is not None  # the row is locked: the update finds it
    notice = MessageView(
        id=notice_row["id"], role="system", content=notice_row["content"], created_at=notice_row["created_at"]
    )
    if email is not None:
        conn.execute(_KEEP_EMAIL, {"email": email, "conversation_id": conversation_id})
    events = [
        updated,
        MessageCreated(organization_id=organization_id, conversation_id=conversation_id, message_id=notice.id),
        ConversationHandoff(
            organization_id=organization_id,
            conversation_id=conversation_id,
            requested_by="visitor",
            source="button",
            reason="visitor_asked",
        ),
    ]
    if email is not None and said.offline:
        events.append(
            OfflineMessageLeft(organization_id=organization_id, conversation_id=conversation_id, source="handoff")
        )
    return PersonRequest(conversation_id, "pending", "human", True, notice, email_saved=email is not None), events


_HOURS = """
SELECT bh.* FROM conversations c JOIN channel_business_hours bh ON bh.channel_id = c.channel_id WHERE c.id = %s
"""


def _outside_hours(conn: Connection, conversation_id: UUID) -> bool:
    row = conn.execute(_HOURS, (conversation_id,)).fetchone()
    state = None if row is None else availability(hours_from_row(row))
    return state is not None and not state.open
