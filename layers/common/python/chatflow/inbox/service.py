"""The operators' inbox: find conversations, read one, answer it, take it over from the AI, give it
back, close and reopen it. Agents and admins of the conversation's organisation and super admins
may do all of it; a conversation of another organisation is refused exactly like a missing one
(ConversationNotFound).

Reads run on the request's dashboard connection. Each action opens its own dashboard transaction
and writes its events in it (chatflow.outbox); once it has committed they are signalled, and the
listeners do the rest: the live update to operators and to the visitor's widget, the handoff email.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from chatflow import audit, outbox
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection
from chatflow.errors import AlreadyAssigned, ConversationClosed, ConversationNotFound, InvalidCursor, InvalidInput
from chatflow.inbox import repository as repo
from chatflow.inbox.repository import ConversationDetail, ConversationSummary, InboxFilter, InboxMessage
from chatflow.meta import templates, window
from chatflow.outbox import ConversationHandoff, ConversationUpdated, DomainEvent, MessageCreated
from chatflow.outbox import repository as events_repo

__all__ = [
    "MAX_PAGE_SIZE",
    "InboxPage",
    "assign_conversation",
    "close_conversation",
    "count_views",
    "get_conversation",
    "list_conversations",
    "release_conversation",
    "reopen_conversation",
    "send_agent_message",
    "send_template_message",
    "take_over_conversation",
]

_logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100

_NOT_A_CURSOR = "cursor: not a cursor this API returned."

# What the visitor reads in the chat when a person joins or leaves, in the conversation's language.
_AGENT_JOINED = {
    "en": "An agent joined the conversation.",
    "es": "Un agente se unió a la conversación.",
}
_AGENT_LEFT = {
    "en": "The agent left the conversation; our virtual assistant will answer from here.",
    "es": "El agente salió de la conversación; nuestro asistente virtual te responderá desde aquí.",
}


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[ConversationSummary]
    next_cursor: str | None


def _scope(caller: Caller) -> list[UUID] | None:
    """The organisations whose rows the caller may read; None: every one (a super admin)."""
    return None if caller.is_super_admin else caller.organization_ids


def list_conversations(
    conn: Connection, caller: Caller, filters: InboxFilter, *, cursor: str | None, limit: int
) -> InboxPage:
    """Conversations of the caller's organisations, newest activity first, `limit` (≤ 100) a page."""
    if filters.organization_id is not None:
        caller.require_member(filters.organization_id)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = repo.list_conversations(
        conn, scope=_scope(caller), filters=filters, after=_decode_cursor(cursor) if cursor else None, limit=limit + 1
    )
    items = rows[:limit]
    more = len(rows) > limit
    return InboxPage(items=items, next_cursor=_encode_cursor(items[-1]) if more else None)


def _encode_cursor(last: ConversationSummary) -> str:
    """Opaque to clients: where the next page starts, as (last activity, id) of this page's last row."""
    raw = json.dumps([last.last_message_at.isoformat(), str(last.id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, conversation_id = json.loads(raw)
        after = datetime.fromisoformat(at), UUID(conversation_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor(_NOT_A_CURSOR) from exc
    if after[0].tzinfo is None:
        raise InvalidCursor(_NOT_A_CURSOR)
    return after


def get_conversation(conn: Connection, caller: Caller, conversation_id: UUID) -> ConversationDetail:
    detail = repo.load_detail(conn, scope=_scope(caller), conversation_id=conversation_id)
    if detail is None:
        raise ConversationNotFound()
    if detail.summary.channel_type == "website":
        return detail
    return replace(detail, reply_window=window.reply_window(conn, conversation_id))


def send_agent_message(caller: Caller, conversation_id: UUID, content: str) -> InboxMessage:
    """The caller's message to the visitor (live on the widget's socket, and on its next read). From
    then on a person answers: a waiting conversation is answered, and it is the caller's if it was
    nobody's. On WhatsApp and Messenger, WindowClosed past Meta's window (chatflow.meta.window)."""

    def free_text(conn: Connection) -> tuple[str, None]:
        window.require_free_text(conn, conversation_id)
        return content, None

    return _send_as_agent(caller, conversation_id, free_text)


def send_template_message(
    caller: Caller, conversation_id: UUID, *, name: str, language: str, variables: Mapping[str, str]
) -> InboxMessage:
    """An approved WhatsApp template, its variables filled in, as the caller's message: the one
    thing WhatsApp takes past the customer's 24 hours (chatflow.meta.templates). The conversation
    keeps its text; send_to_meta sends it as a template."""

    def filled(conn: Connection) -> tuple[str, templates.FilledTemplate]:
        template = templates.fill(conn, conversation_id, name=name, language=language, variables=variables)
        return template.content, template

    return _send_as_agent(caller, conversation_id, filled)


def _send_as_agent(
    caller: Caller,
    conversation_id: UUID,
    prepare: Callable[[Connection], tuple[str, templates.FilledTemplate | None]],
) -> InboxMessage:
    with scoped_connection(caller) as conn:
        content, template = prepare(conn)
        result = repo.insert_agent_message(
            conn, scope=_scope(caller), conversation_id=conversation_id, author_id=caller.user_id, content=content
        )
        if result.organization_id is not None:
            caller.require_writable(result.organization_id)  # raising here rolls the insert back
        events: list[DomainEvent] = []
        if result.message is not None and result.organization_id is not None:
            if template is not None:
                templates.record(
                    conn, message_id=result.message.id, organization_id=result.organization_id, filled=template
                )
            events = _message_events(result.organization_id, conversation_id, result.message.id)
            events_repo.add(conn, events)
    if not result.found:
        raise ConversationNotFound()
    if result.message is None:
        raise ConversationClosed()
    outbox.signal([e.id for e in events])
    if template is not None:
        return replace(result.message, template=f"{template.name} · {template.language}")
    return result.message


def take_over_conversation(caller: Caller, conversation_id: UUID) -> ConversationDetail:
    """The caller answers from now on; the visitor is told in their language. When the AI was
    answering until now, the organisation's admins get the handoff email (conversation.handoff)."""
    events: list[DomainEvent] = []
    with scoped_connection(caller) as conn:
        current = _lock_open(conn, caller, conversation_id)
        if current.assigned_user_id not in (None, caller.user_id):
            # Two agents taking over at once: the lock orders them, and the second finds it held.
            raise AlreadyAssigned()
        if current.responder_mode != "human" or current.assigned_user_id != caller.user_id:
            notice_id = repo.take_over(
                conn, conversation_id=conversation_id, user_id=caller.user_id, notice=_AGENT_JOINED[_lang(current)]
            )
            events = _message_events(current.organization_id, conversation_id, notice_id)
        audit.record(
            conn,
            action="conversation.taken_over",
            organization_id=current.organization_id,
            actor=caller,
            target=str(conversation_id),
        )
        if current.responder_mode == "ai":
            events.append(
                ConversationHandoff(
                    organization_id=current.organization_id,
                    conversation_id=conversation_id,
                    requested_by="agent",
                    agent_name=caller.name or caller.email,
                )
            )
        events_repo.add(conn, events)
        detail = get_conversation(conn, caller, conversation_id)
    outbox.signal([e.id for e in events])
    _logger.info("conversation taken over", extra={"conversation_id": str(conversation_id)})
    return detail


def count_views(conn: Connection, caller: Caller, organization_id: UUID | None) -> repo.ViewCounts:
    """How many live conversations each view (Mine, Unassigned, Waiting for a person, All) holds."""
    if organization_id is not None:
        caller.require_member(organization_id)
    return repo.count_views(conn, scope=_scope(caller), user_id=caller.user_id, organization_id=organization_id)


def assign_conversation(caller: Caller, conversation_id: UUID, assignee_id: str | None) -> ConversationDetail:
    """Held by `assignee_id` (a member of the conversation's organisation) from now on, or by nobody.
    Admins assign, reassign and unassign any conversation; an agent takes an unassigned one (for
    themselves or a colleague) or gives theirs away, but one a colleague holds is theirs: 409
    already_assigned. Who answers the visitor is unchanged (taking over does that)."""
    events: list[DomainEvent] = []
    with scoped_connection(caller) as conn:
        current = _lock(conn, caller, conversation_id)
        if assignee_id is not None and not repo.is_member(
            conn, organization_id=current.organization_id, user_id=assignee_id
        ):
            raise InvalidInput(
                "assigneeId: not a member of this conversation's organisation", variant="field", field="assigneeId"
            )
        held_by_another = current.assigned_user_id not in (None, caller.user_id)
        if (
            held_by_another
            and assignee_id != current.assigned_user_id
            and not caller.may_administer(current.organization_id)
        ):
            raise AlreadyAssigned()
        if assignee_id != current.assigned_user_id:
            repo.assign(conn, conversation_id=conversation_id, user_id=assignee_id)
            events = [ConversationUpdated(organization_id=current.organization_id, conversation_id=conversation_id)]
            events_repo.add(conn, events)
            audit.record(
                conn,
                action="conversation.assigned" if assignee_id else "conversation.unassigned",
                organization_id=current.organization_id,
                actor=caller,
                target=str(conversation_id),
            )
        detail = get_conversation(conn, caller, conversation_id)
    outbox.signal([e.id for e in events])
    return detail


def release_conversation(caller: Caller, conversation_id: UUID) -> ConversationDetail:
    """The AI answers again (nothing changes if it already does); the visitor is told. A visitor
    message left without an answer (it came while a person was in charge, or at this very moment) is
    answered by the AI now, after the release has committed (conversations.answer_unanswered)."""
    events: list[DomainEvent] = []
    with scoped_connection(caller) as conn:
        current = _lock_open(conn, caller, conversation_id)
        released = current.responder_mode == "human"
        if released:
            notice_id = repo.release(conn, conversation_id=conversation_id, notice=_AGENT_LEFT[_lang(current)])
            events = _message_events(current.organization_id, conversation_id, notice_id)
            events_repo.add(conn, events)
            audit.record(
                conn,
                action="conversation.released",
                organization_id=current.organization_id,
                actor=caller,
                target=str(conversation_id),
            )
        detail = get_conversation(conn, caller, conversation_id)
    outbox.signal([e.id for e in events])
    # Imported here: the chat path imports the AI, whose preview imports the organisations, which
    # import the users, ... and back to the inbox.
    from chatflow.conversations.unanswered import answer_unanswered

    if released and answer_unanswered(conversation_id):
        with scoped_connection(caller) as conn:
            detail = get_conversation(conn, caller, conversation_id)
    return detail


def close_conversation(caller: Caller, conversation_id: UUID) -> ConversationDetail:
    """Closed (again, harmlessly, if it is). The visitor's next message starts a new conversation."""
    return _change_status(caller, conversation_id, repo.close)


def reopen_conversation(caller: Caller, conversation_id: UUID) -> ConversationDetail:
    """Open again (nothing changes if it is not closed), with whoever was answering still answering."""
    return _change_status(caller, conversation_id, repo.reopen)


def _change_status(caller: Caller, conversation_id: UUID, change: Callable[..., bool]) -> ConversationDetail:
    events: list[DomainEvent] = []
    with scoped_connection(caller) as conn:
        current = _lock(conn, caller, conversation_id)
        if change(conn, conversation_id=conversation_id):
            events = [ConversationUpdated(organization_id=current.organization_id, conversation_id=conversation_id)]
            events_repo.add(conn, events)
        detail = get_conversation(conn, caller, conversation_id)
    outbox.signal([e.id for e in events])
    return detail


def _message_events(organization_id: UUID, conversation_id: UUID, message_id: UUID) -> list[DomainEvent]:
    """What adding a message to a conversation reports: its new state, then the message."""
    return [
        ConversationUpdated(organization_id=organization_id, conversation_id=conversation_id),
        MessageCreated(organization_id=organization_id, conversation_id=conversation_id, message_id=message_id),
    ]


def _lock(conn: Connection, caller: Caller, conversation_id: UUID) -> repo.LockedConversation:
    current = repo.lock_conversation(conn, scope=_scope(caller), conversation_id=conversation_id)
    if current is None:
        raise ConversationNotFound()
    caller.require_writable(current.organization_id)
    return current


def _lock_open(conn: Connection, caller: Caller, conversation_id: UUID) -> repo.LockedConversation:
    current = _lock(conn, caller, conversation_id)
    if current.status == "closed":
        raise ConversationClosed()
    return current


def _lang(conversation: repo.LockedConversation) -> str:
    return "es" if conversation.language == "es" else "en"
