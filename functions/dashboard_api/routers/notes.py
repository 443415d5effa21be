"""Private notes on a conversation, between operators: read, write (with @mentions), and the caller's
mentions. Agents, admins and super admins of the conversation's organisation; another
organisation's conversation answers 404. A note never reaches the visitor."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import Field, StringConstraints

from chatflow import notes
from chatflow.notes.views import NoteOut
from chatflow.text import Storable
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(tags=["notes"], responses=SIGNED_IN_ERRORS)

NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=notes.MAX_NOTE_CHARS), Storable
]
MemberId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), Storable]


class NoteIn(Schema):
    content: NoteText = Field(description="Markdown-lite: **bold**, _italic_, `code`, links; @Name for a mention.")
    mentions: list[MemberId] = Field(
        default_factory=list,
        max_length=notes.MAX_MENTIONS,
        description="Members to notify (dashboard and email): each a member of the conversation's organisation.",
    )


class MentionOut(Schema):
    note: NoteOut
    read: bool


class MarkedOut(Schema):
    read: int = Field(description="Mentions marked read.")


@router.get("/conversations/{conversation_id}/notes", response_model=list[NoteOut])
def list_notes(conversation_id: UUID, caller: CurrentCaller, db: Db) -> list[NoteOut]:
    """The conversation's notes, oldest first."""
    return [NoteOut.from_domain(n) for n in notes.list_notes(db, caller, conversation_id)]


@router.post(
    "/conversations/{conversation_id}/notes",
    response_model=NoteOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400),
)
def add_note(conversation_id: UUID, body: NoteIn, caller: CurrentCaller) -> NoteOut:
    """A private note by the caller; the members in `mentions` are notified. 400 `invalid_field` for
    a mention of someone who is no member, or a note over 10,000 characters."""
    return NoteOut.from_domain(notes.add_note(caller, conversation_id, body.content, body.mentions))


@router.get("/me/mentions", response_model=list[MentionOut])
def list_mentions(caller: CurrentCaller, db: Db, limit: Annotated[int, Query(ge=1, le=100)] = 50) -> list[MentionOut]:
    """Notes that name the caller, newest first, unread ones marked."""
    return [
        MentionOut(note=NoteOut.from_domain(m.note), read=m.read) for m in notes.list_mentions(db, caller, limit=limit)
    ]


@router.post("/conversations/{conversation_id}/mentions/read", response_model=MarkedOut)
def mark_mentions_read(conversation_id: UUID, caller: CurrentCaller, db: Db) -> MarkedOut:
    """The caller's mentions in this conversation are read (the dashboard calls it when it opens one)."""
    return MarkedOut(read=notes.mark_mentions_read(db, caller, conversation_id))
