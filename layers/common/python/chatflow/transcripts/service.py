"""Transcripts: a copy of a conversation emailed to its visitor, asked for from the widget or sent by
an agent. The write is an event (TranscriptRequested); the email_transcript listener sends it.

A visitor asks for at most MAX_VISITOR_TRANSCRIPTS copies of one conversation: the address was typed
into a widget by anyone, and must not become a way to mail someone a stream of them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow import audit, outbox
from chatflow.access import Caller, scoped_connection
from chatflow.db import connection
from chatflow.errors import ConversationNotFound, NoContactEmail, RateLimited
from chatflow.languages import normalize_language
from chatflow.origins import check_origin
from chatflow.outbox import TranscriptRequested
from chatflow.outbox import repository as outbox_repo
from chatflow.transcripts.emails import visitor_email_of
from chatflow.vocabulary import Language

__all__ = ["MAX_VISITOR_TRANSCRIPTS", "TranscriptSent", "request_transcript", "send_transcript"]

MAX_VISITOR_TRANSCRIPTS = 3
# What a visitor over their copies is told to wait: a day (they will not get more of this conversation).
_OVER_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class TranscriptSent:
    conversation_id: UUID
    to: str  # the address, masked for the visitor (j***@example.com), whole for agents
    language: Language


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


_VISITOR_LOCK = """
SELECT c.organization_id, c.visitor_metadata, c.language, c.transcripts_requested, ch.allowed_origins
FROM conversations c JOIN channels ch ON ch.id = c.channel_id
WHERE c.id = %(id)s AND c.visitor_id = %(visitor_id)s
FOR NO KEY UPDATE OF c
"""


def request_transcript(
    *, conversation_id: UUID, visitor_id: UUID, language: Language | None = None, origin: str | None = None
) -> TranscriptSent:
    """The visitor's own conversation (ConversationNotFound otherwise), to the address they left
    (NoContactEmail when none), in `language` (else the conversation's)."""
    with connection() as conn, conn.transaction():
        row = conn.execute(_VISITOR_LOCK, {"id": conversation_id, "visitor_id": visitor_id}).fetchone()
        if row is None:
            raise ConversationNotFound("This conversation does not exist for this visitor.")
        check_origin(tuple(row["allowed_origins"] or ()), origin)
        to = visitor_email_of(row["visitor_metadata"])
        if to is None:
            raise NoContactEmail()
        if row["transcripts_requested"] >= MAX_VISITOR_TRANSCRIPTS:
            raise RateLimited(_OVER_SECONDS)
        lang: Language = language or normalize_language(row["language"]) or "en"
        conn.execute(
            "UPDATE conversations SET transcripts_requested = transcripts_requested + 1 WHERE id = %s",
            (conversation_id,),
        )
        event = TranscriptRequested(
            organization_id=row["organization_id"],
            conversation_id=conversation_id,
            language=lang,
            requested_by="visitor",
        )
        outbox_repo.add(conn, [event])
    outbox.signal([event.id])
    return TranscriptSent(conversation_id, _masked(to), lang)


def send_transcript(caller: Caller, conversation_id: UUID, *, language: Language | None = None) -> TranscriptSent:
    """An agent (or admin) of the conversation's organisation sends its visitor a copy, in `language`
    (else the conversation's). ConversationNotFound for another organisation's; NoContactEmail when
    the visitor left no address."""
    with scoped_connection(caller) as conn:
        row = conn.execute(
            "SELECT organization_id, visitor_metadata, language FROM conversations c WHERE c.id = %(id)s "
            "AND (%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[]))",
            {"id": conversation_id, "scope": caller.scope},
        ).fetchone()
        if row is None:
            raise ConversationNotFound()
        organization_id = row["organization_id"]
        caller.require_writable(organization_id)
        to = visitor_email_of(row["visitor_metadata"])
        if to is None:
            raise NoContactEmail()
        lang: Language = language or normalize_language(row["language"]) or "en"
        event = TranscriptRequested(
            organization_id=organization_id,
            conversation_id=conversation_id,
            language=lang,
            requested_by="agent",
            user_id=caller.user_id,
        )
        outbox_repo.add(conn, [event])
        audit.record(
            conn,
            action="conversation.transcript_sent",
            organization_id=organization_id,
            actor=caller,
            target=str(conversation_id),
            details={"language": lang},
        )
    outbox.signal([event.id])
    return TranscriptSent(conversation_id, to, lang)
