"""The widget API's JSON, camelCase on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_serializer
from pydantic.alias_generators import to_camel

from chatflow.attachments.views import AttachmentOut
from chatflow.channels import WidgetConfig, WidgetPosition
from chatflow.conversations.models import ConversationView, MessageView, PostResult
from chatflow.conversations.person import PersonRequest
from chatflow.languages import normalize_language
from chatflow.page_urls import kept_page_url
from chatflow.text import Storable, Visible
from chatflow.vocabulary import Language

__all__ = [
    "MAX_MESSAGE_CHARS",
    "ChatRequest",
    "ChatResponse",
    "CloseRequest",
    "CloseResponse",
    "ConversationResponse",
    "HandoffRequest",
    "HandoffResponse",
    "HistoryQuery",
    "MessageOut",
    "VisitorMessageRequest",
    "WidgetConfigResponse",
]

MAX_MESSAGE_CHARS = 2_000


# Trimmed strings within bounds that PostgreSQL can store.
MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS), Storable, Visible
]
LanguageTag = Annotated[str, StringConstraints(strip_whitespace=True, max_length=35), Storable]
# What is kept of the page: no fragment, no parameter that carries a secret (chatflow.page_urls).
PageUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2_048), Storable, AfterValidator(kept_page_url)
]


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="ignore", frozen=True)


class VisitorMessageRequest(_In):
    """What every visitor's message carries, in the chat or in the offline form."""

    public_key: UUID
    visitor_id: UUID
    message: MessageText
    lang: LanguageTag | None = None
    page_url: PageUrl | None = None
    client_message_id: UUID | None = None

    @property
    def language(self) -> Language | None:
        return normalize_language(self.lang)


class ChatRequest(VisitorMessageRequest):
    conversation_id: UUID | None = None


class HistoryQuery(_In):
    public_key: UUID
    visitor_id: UUID
    after: UUID | None = None


class CloseRequest(_In):
    visitor_id: UUID


# An address to write back to; a browser's own check (type=email) is the first, this is the last.
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$"),
    Storable,
]


class HandoffRequest(_In):
    visitor_id: UUID
    # Only where the channel hands nothing off: where the agents may write back.
    email: EmailAddress | None = None


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def dump(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)


class MessageOut(_Out):
    id: UUID
    role: Literal["visitor", "ai", "agent", "system"]
    content: str
    created_at: datetime
    # Only on a message that carries a file (chatflow.attachments); absent, not null, elsewhere.
    attachment: AttachmentOut | None = Field(default=None, exclude_if=lambda value: value is None)
    # Only on an agent's message: their first name, shown instead of "Team".
    author_name: str | None = Field(default=None, exclude_if=lambda value: value is None)
    # … and their photo, when they uploaded one (served from our origin).
    author_avatar_url: str | None = Field(default=None, exclude_if=lambda value: value is None)

    @field_serializer("created_at")
    def _iso_utc(self, value: datetime) -> str:
        # One format for every timestamp we send: what JavaScript's Date parses everywhere.
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    @classmethod
    def of(cls, message: MessageView) -> MessageOut:
        return cls(
            id=message.id,
            role=message.role,  # type: ignore[arg-type]
            content=message.content,
            created_at=message.created_at,
            attachment=AttachmentOut.model_validate(message.attachment) if message.attachment is not None else None,
            author_name=message.author_name,
            author_avatar_url=message.author_avatar_url,
        )


class ChatResponse(_Out):
    conversation_id: UUID
    status: str
    responder_mode: str
    handoff: bool
    reply: MessageOut | None
    # Only for a signed user (chatflow.visitor_identity): the visitor they speak as, which the widget
    # uses for its reads and its socket; absent, not null, elsewhere.
    visitor_id: UUID | None = Field(default=None, exclude_if=lambda value: value is None)

    @classmethod
    def of(cls, result: PostResult, *, visitor_id: UUID | None = None) -> ChatResponse:
        return cls(
            conversation_id=result.conversation_id,
            status=result.status,
            responder_mode=result.responder_mode,
            handoff=result.handoff,
            reply=MessageOut.of(result.reply) if result.reply is not None else None,
            visitor_id=visitor_id,
        )


class ConversationResponse(_Out):
    id: UUID
    status: str
    responder_mode: str
    messages: list[MessageOut]

    @classmethod
    def of(cls, view: ConversationView) -> ConversationResponse:
        return cls(
            id=view.id,
            status=view.status,
            responder_mode=view.responder_mode,
            messages=[MessageOut.of(m) for m in view.messages],
        )


class HandoffResponse(_Out):
    """`available` False: the channel hands nothing off, nobody will come (the widget then offers to
    leave an email). `reply`: the handoff notice written now, else None."""

    id: UUID
    status: str
    responder_mode: str
    available: bool
    email_saved: bool
    reply: MessageOut | None

    @classmethod
    def of(cls, result: PersonRequest) -> HandoffResponse:
        return cls(
            id=result.conversation_id,
            status=result.status,
            responder_mode=result.responder_mode,
            available=result.available,
            email_saved=result.email_saved,
            reply=MessageOut.of(result.notice) if result.notice is not None else None,
        )


class CloseResponse(_Out):
    id: UUID
    status: Literal["closed"] = "closed"


class WelcomeOut(_Out):
    en: str
    es: str


class WidgetConfigResponse(_Out):
    """A channel's look and language, as its widget applies them (docs/widget.md)."""

    default_language: Language
    language_fixed: bool
    color: str
    position: WidgetPosition
    business_name: str
    welcome: WelcomeOut
    human_available: bool
    avatar_url: str | None = None  # the channel's logo, served from our origin; None: initials

    @classmethod
    def of(cls, config: WidgetConfig) -> WidgetConfigResponse:
        return cls(
            default_language=config.default_language,
            language_fixed=config.language_fixed,
            color=config.color,
            position=config.position,
            business_name=config.business_name,
            welcome=WelcomeOut(en=config.welcome["en"], es=config.welcome["es"]),
            human_available=config.human_available,
            avatar_url=config.avatar_url,
        )
