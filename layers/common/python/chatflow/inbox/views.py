"""What operators read of a conversation and its messages, on the wire: the dashboard API's answers
and the live updates' frames are these same models, filled from the same SQL
(chatflow.inbox.repository), so that what a socket pushes is what a reload would show."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from chatflow.schema import Schema
from chatflow.vocabulary import ConversationStatus, Language, MessageRole, ResponderMode

__all__ = ["ConversationSummaryOut", "KnowledgeSourceOut", "LabelRefOut", "LastMessageOut", "MessageOut", "UserRefOut"]


class UserRefOut(Schema):
    id: str
    name: str


class LabelRefOut(Schema):
    id: UUID
    name: str
    color: str


class LastMessageOut(Schema):
    role: MessageRole
    content: str  # the first LAST_MESSAGE_CHARS characters
    created_at: datetime


class ConversationSummaryOut(Schema):
    id: UUID
    organization_id: UUID
    channel_id: UUID
    channel_name: str
    status: ConversationStatus
    responder_mode: ResponderMode
    language: Language
    page_url: str | None
    visitor_id: UUID
    last_message: LastMessageOut | None
    message_count: int
    created_at: datetime
    last_message_at: datetime
    assigned_user: UserRefOut | None
    needs_human: bool
    preview: LastMessageOut | None = Field(
        default=None, description="The last message that is not a system notice: what the card shows."
    )
    handed_off_at: datetime | None = Field(default=None, description="When it first passed to a person.")
    handoff_source: Literal["keyword", "ai", "button", "agent"] | None = None
    handoff_reason: Literal["visitor_asked", "cannot_answer", "frustrated", "sensitive", "other"] | None = None
    handoff_summary: str | None = Field(default=None, description="The AI's one line for the agent, if it handed off.")
    labels: list[LabelRefOut] = Field(default_factory=list)
    agent_read_at: datetime | None = Field(default=None, description="When an operator last opened it.")
    visitor_read_at: datetime | None = Field(default=None, description="When the visitor last read it (read receipts).")


class KnowledgeSourceOut(Schema):
    id: UUID
    knowledge_id: UUID
    title: str
    excerpt: str


class MessageOut(Schema):
    id: UUID
    role: MessageRole
    content: str
    created_at: datetime
    author: UserRefOut | None = None
    model: str | None = None
    tokens_used: int | None = None
    knowledge_sources: list[KnowledgeSourceOut] = Field(default_factory=list)
