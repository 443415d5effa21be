"""What operators read of a conversation and its messages, on the wire: the dashboard API's answers
and the live updates' frames are these same models, filled from the same SQL
(chatflow.inbox.repository), so that what a socket pushes is what a reload would show."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from chatflow.attachments.views import AttachmentOut
from chatflow.schema import Schema
from chatflow.vocabulary import ChannelType, ConversationStatus, Language, MessageRole, ResponderMode

__all__ = [
    "ConversationSummaryOut",
    "KnowledgeSourceOut",
    "LabelRefOut",
    "LastMessageOut",
    "MessageOut",
    "RatingOut",
    "UserRefOut",
]


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


class RatingOut(Schema):
    """The visitor's satisfaction rating of the closed conversation (CSAT)."""

    value: int = Field(ge=1, le=5, description="1-5; thumbs are 5 (up) and 1 (down).")
    scale: Literal["five", "thumbs"]
    comment: str | None = Field(default=None, description="The visitor's own words: untrusted text.")
    responder: Literal["ai", "agent"] | None = Field(
        default=None, description="Who gave the last answer before the rating."
    )
    rated_at: datetime


class ContactOut(Schema):
    """A WhatsApp or Messenger customer as Meta names them: untrusted text."""

    id: str = Field(description="WhatsApp's wa_id or Messenger's page-scoped id.")
    name: str | None = Field(description="The profile name WhatsApp gave; null on Messenger.")
    phone: str | None = Field(description="WhatsApp: the number, +13055550123.")


class MessageDeliveryOut(Schema):
    """How our message to WhatsApp or Messenger fared (Meta's statuses move it forward)."""

    status: Literal["pending", "sent", "delivered", "read", "failed"]
    failure_reason: Literal["window_closed", "refused", "no_answer", "token"] | None = Field(
        description="Why it failed: outside the customer's window, refused by Meta, no answer, the token."
    )
    error_code: int | None = Field(description="Meta's error code, e.g. 131047 (outside the 24-hour window).")
    error_message: str | None = Field(description="Meta's own words about the failure: untrusted text.")
    updated_at: datetime


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
    channel_type: ChannelType = Field(default="website", description="Where the visitor writes from.")
    contact: ContactOut | None = Field(default=None, description="WhatsApp and Messenger: who writes.")
    rating: RatingOut | None = Field(default=None, description="The visitor's satisfaction rating, once given.")


class KnowledgeSourceOut(Schema):
    id: UUID
    knowledge_id: UUID
    title: str
    excerpt: str
    source_url: str | None = Field(default=None, description="A web page's or a website page's URL: its source.")


class MessageOut(Schema):
    id: UUID
    role: MessageRole
    content: str
    created_at: datetime
    author: UserRefOut | None = None
    model: str | None = None
    tokens_used: int | None = None
    knowledge_sources: list[KnowledgeSourceOut] = Field(default_factory=list)
    delivery: MessageDeliveryOut | None = Field(
        default=None, description="WhatsApp and Messenger: our message's delivery."
    )
    template: str | None = Field(default=None, description="Sent as this WhatsApp template: `name · language`.")
    attachment: AttachmentOut | None = Field(
        default=None, description="A file sent in this message (its content is the file's name)."
    )
