"""A visitor's own conversation as the widget reads and closes it (the history and close functions).

Kept apart from the chat's pipeline (chatflow.conversations.service: the AI, its settings, streaming,
language detection), which neither call needs and which their functions would otherwise import at
every cold start."""

from __future__ import annotations

from uuid import UUID

from chatflow import outbox
from chatflow.conversations import visitor_repository as repo
from chatflow.conversations.models import ConversationView
from chatflow.db import connection
from chatflow.errors import ConversationNotFound
from chatflow.origins import check_origin

__all__ = ["HISTORY_PAGE_LIMIT", "close_conversation", "get_conversation"]

HISTORY_PAGE_LIMIT = 1_000


def get_conversation(
    *,
    public_key: UUID,
    visitor_id: UUID,
    conversation_id: UUID,
    after: UUID | None = None,
    origin: str | None = None,
) -> ConversationView:
    with connection() as conn:
        found = repo.load_conversation(
            conn,
            public_key=public_key,
            visitor_id=visitor_id,
            conversation_id=conversation_id,
            after=after,
            limit=HISTORY_PAGE_LIMIT,
        )
    if found is None:
        raise ConversationNotFound("This conversation does not exist for this visitor.")
    view, allowed_origins = found
    check_origin(allowed_origins, origin)
    return view


def close_conversation(*, conversation_id: UUID, visitor_id: UUID, origin: str | None = None) -> None:
    """The visitor's own conversation, from a page its channel allows (OriginNotAllowed otherwise).
    Closing a closed one again does nothing. The origin is read before the close, which is one
    statement with its event, so nothing is written before the check and no transaction is needed."""
    with connection() as conn:
        found = repo.conversation_origins(conn, conversation_id=conversation_id, visitor_id=visitor_id)
        if found is None:
            raise ConversationNotFound("This conversation does not exist for this visitor.")
        check_origin(found.allowed_origins, origin)
        event_ids = repo.close_conversation(
            conn, conversation_id=conversation_id, visitor_id=visitor_id, organization_id=found.organization_id
        )
    outbox.signal(event_ids)
