"""Transcripts and exports (issue #19): an agent emails a conversation's visitor a copy; a
conversation, or the conversations an inbox filter shows (up to 10,000), exported as CSV or JSON,
streamed as the rows are read (chatflow.transcripts.export)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import Field

from chatflow import transcripts
from chatflow.vocabulary import ChannelType, Language, ResponderMode
from chatflow.vocabulary import ConversationStatus as Status
from dependencies import CurrentCaller
from routers.conversations import DayOrInstant, SearchText, View, inbox_filter
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(tags=["conversations"], responses=SIGNED_IN_ERRORS)

Format = Literal["csv", "json"]
_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "application/json": {}}, "description": "The export, streamed."}
}


class TranscriptIn(Schema):
    language: Language | None = Field(default=None, description="null: the conversation's language.")


class TranscriptOut(Schema):
    sent_to: str = Field(description="The visitor's address the copy goes to.")
    language: Language


@router.post(
    "/conversations/{conversation_id}/transcript", response_model=TranscriptOut, responses=error_responses(400, 409)
)
def send_transcript(conversation_id: UUID, body: TranscriptIn, caller: CurrentCaller) -> TranscriptOut:
    """Email the visitor a copy of the conversation (409 `no_contact_email` when they left no address)."""
    sent = transcripts.send_transcript(caller, conversation_id, language=body.language)
    return TranscriptOut(sent_to=sent.to, language=sent.language)


def _stream(chunks: object, export_format: Format, name: str) -> StreamingResponse:
    return StreamingResponse(
        chunks,  # type: ignore[arg-type]  # an iterator of str
        media_type=_MEDIA[export_format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{export_format}"'},
    )


@router.get("/exports/conversations", response_class=StreamingResponse, responses={**_CONTENT, **error_responses(400)})
def export_conversations(
    caller: CurrentCaller,
    export_format: Annotated[Format, Query(alias="format")] = "csv",
    organization_id: Annotated[UUID | None, Query(alias="organizationId")] = None,
    channel_id: Annotated[UUID | None, Query(alias="channelId")] = None,
    channel_type: Annotated[ChannelType | None, Query(alias="channelType")] = None,
    statuses: Annotated[list[Status] | None, Query(alias="status", description="Repeatable.")] = None,
    responder_mode: Annotated[ResponderMode | None, Query(alias="responderMode")] = None,
    language: Language | None = None,
    q: Annotated[SearchText | None, Query(description="As the inbox's search.")] = None,
    active_from: Annotated[DayOrInstant | None, Query(alias="from")] = None,
    active_to: Annotated[DayOrInstant | None, Query(alias="to")] = None,
    view: View = "all",
    label_id: Annotated[UUID | None, Query(alias="labelId")] = None,
) -> StreamingResponse:
    """The conversations the inbox shows with these filters (the list's parameters), newest activity
    first, one row each; 400 `export_too_large` past 10,000."""
    filters = inbox_filter(
        caller,
        organization_id=organization_id,
        channel_id=channel_id,
        channel_type=channel_type,
        visitor_id=None,
        statuses=statuses,
        responder_mode=responder_mode,
        language=language,
        q=q,
        active_from=active_from,
        active_to=active_to,
        view=view,
        label_id=label_id,
    )
    transcripts.check_inbox_export(caller, filters)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return _stream(transcripts.inbox_export(caller, filters, export_format), export_format, f"conversations-{stamp}")


@router.get(
    "/exports/conversations/{conversation_id}",
    response_class=StreamingResponse,
    responses={**_CONTENT, **error_responses(400)},
)
def export_conversation(
    conversation_id: UUID, caller: CurrentCaller, export_format: Annotated[Format, Query(alias="format")] = "csv"
) -> StreamingResponse:
    """One conversation's messages, oldest first."""
    transcripts.check_conversation_export(caller, conversation_id)
    chunks = transcripts.conversation_export(caller, conversation_id, export_format)
    return _stream(chunks, export_format, f"conversation-{conversation_id}")
