"""An organisation's knowledge base: entries per channel or organisation-wide (channelId null), as
typed text, an uploaded file (base64: .txt, .md, .pdf up to 5 MB) or a web page by URL. Org admins
and super admins write; agents read. Each write stores the entry as pending and queues it for
ingestion, which sets it ready (with its chunk count) or failed (with the reason)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Query, status
from pydantic import Field, StringConstraints, model_validator

from chatflow.knowledge import service as knowledge
from chatflow.knowledge.repository import Entry
from chatflow.knowledge.sources import MAX_TEXT_CHARS, failure_message
from chatflow.text import Storable
from chatflow.vocabulary import Language
from dependencies import AppSettings, CallerLanguage, CurrentCaller, Db, accepts_api_token
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(prefix="/organizations/{organization_id}/knowledge", tags=["knowledge"], responses=SIGNED_IN_ERRORS)

# Text PostgreSQL cannot hold (NUL, lone surrogates) is refused here as 400 (Storable).
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable]
# The same bound as every source's extracted text (chatflow.knowledge.sources.MAX_TEXT_CHARS).
Content = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS), Storable]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://\S+$"), Storable]
# 5 MB of file is at most ~6.7 MB of base64.
FileData = Annotated[str, StringConstraints(max_length=7_000_000)]
FileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), Storable]


class KnowledgeCreate(Schema):
    channel_id: UUID | None = Field(default=None, description="null: organisation-wide, for all its channels.")
    title: Title | None = Field(default=None, description="Required for text; defaults to the file name or URL.")
    content: Content | None = None
    file_base64: FileData | None = None
    file_name: FileName | None = None
    url: Url | None = None
    gap_id: UUID | None = Field(
        default=None, description="The knowledge gap this entry answers: marked answered once the entry is saved."
    )

    @model_validator(mode="after")
    def _one_source(self) -> KnowledgeCreate:
        given = [name for name in ("content", "file_base64", "url") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("send exactly one of content, fileBase64 or url")
        if self.content is not None and self.title is None:
            raise ValueError("a text entry needs a title")
        if self.file_base64 is not None and self.file_name is None:
            raise ValueError("a file needs its fileName")
        return self


class KnowledgeUpdate(Schema):
    title: Title | None = None
    content: Content | None = Field(default=None, description="Text and file entries.")
    url: Url | None = Field(default=None, description="Web page entries: fetch another page.")


class KnowledgeOut(Schema):
    id: UUID
    organization_id: UUID
    channel_id: UUID | None
    title: str
    source: Literal["text", "file", "url", "page"] = Field(description="page: one page of a website source.")
    source_url: str | None
    file_name: str | None
    website_id: UUID | None = Field(default=None, description="A website's page: its site.")
    content: str
    status: Literal["pending", "ready", "failed", "reembedding"] = Field(
        description="reembedding: embedded again with the current embedding model; not searched until done."
    )
    error: str | None = Field(description="Why it failed, in the caller's language (Accept-Language).")
    chunk_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entry: Entry, language: Language) -> KnowledgeOut:
        out = cls.from_domain(entry)
        if entry.error_reason is not None:
            out.error = failure_message(entry.error_reason, entry.error_values, language)
        return out


@router.get("", response_model=list[KnowledgeOut], **accepts_api_token("knowledge:read"))
def list_knowledge(
    organization_id: UUID,
    caller: CurrentCaller,
    db: Db,
    language: CallerLanguage,
    channel_id: Annotated[UUID | None, Query(alias="channelId")] = None,
    website_id: Annotated[UUID | None, Query(alias="websiteId")] = None,
) -> list[KnowledgeOut]:
    """Members: the entries, most recently updated first; channelId narrows to one channel's own.
    A website's pages are listed with websiteId only (GET …/knowledge-websites lists the sites)."""
    entries = knowledge.list_entries(db, caller, organization_id, channel_id=channel_id, website_id=website_id)
    return [KnowledgeOut.of(e, language) for e in entries]


@router.post(
    "",
    response_model=KnowledgeOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(413),
    **accepts_api_token("knowledge:write"),
)
def create_knowledge(
    organization_id: UUID,
    body: KnowledgeCreate,
    caller: CurrentCaller,
    db: Db,
    settings: AppSettings,
    background: BackgroundTasks,
    language: CallerLanguage,
) -> KnowledgeOut:
    """Org admin: a new entry, pending until ingested. 404 channel_not_found for another
    organisation's channel, knowledge_gap_not_found for another's gap (gapId); 400 invalid_file /
    invalid_url; 413 file_too_large."""
    entry = knowledge.create_entry(
        db,
        caller,
        organization_id,
        knowledge.EntryInput(
            title=body.title,
            channel_id=body.channel_id,
            content=body.content,
            file_base64=body.file_base64,
            file_name=body.file_name,
            url=body.url,
            gap_id=body.gap_id,
        ),
        settings,
    )
    # Background tasks run once the transaction has committed, so ingestion always finds the entry.
    background.add_task(knowledge.enqueue, entry.id, settings)
    return KnowledgeOut.of(entry, language)


@router.get("/{knowledge_id}", response_model=KnowledgeOut, **accepts_api_token("knowledge:read"))
def get_knowledge(
    organization_id: UUID, knowledge_id: UUID, caller: CurrentCaller, db: Db, language: CallerLanguage
) -> KnowledgeOut:
    return KnowledgeOut.of(knowledge.get_entry(db, caller, organization_id, knowledge_id), language)


@router.patch("/{knowledge_id}", response_model=KnowledgeOut, **accepts_api_token("knowledge:write"))
def update_knowledge(
    organization_id: UUID,
    knowledge_id: UUID,
    body: KnowledgeUpdate,
    caller: CurrentCaller,
    db: Db,
    settings: AppSettings,
    background: BackgroundTasks,
    language: CallerLanguage,
) -> KnowledgeOut:
    """Org admin: change the title, the text or the URL; the entry is embedded again."""
    entry = knowledge.update_entry(
        db,
        caller,
        organization_id,
        knowledge_id,
        title=body.title,
        content=body.content,
        url=body.url,
        settings=settings,
    )
    background.add_task(knowledge.enqueue, entry.id, settings)
    return KnowledgeOut.of(entry, language)


@router.delete("/{knowledge_id}", status_code=status.HTTP_204_NO_CONTENT, **accepts_api_token("knowledge:write"))
def delete_knowledge(organization_id: UUID, knowledge_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Org admin: delete the entry and its chunks; the chat stops answering from it at once."""
    knowledge.delete_entry(db, caller, organization_id, knowledge_id)
