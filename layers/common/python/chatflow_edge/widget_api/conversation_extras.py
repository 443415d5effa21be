"""The widget API's JSON around a conversation (issue #19): the channel's hours and survey in its
config, a rating, a transcript, a message left while the team is away. camelCase on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, field_serializer

from chatflow.languages import normalize_language
from chatflow.satisfaction.service import MAX_COMMENT_CHARS
from chatflow.text import Storable
from chatflow.vocabulary import Language
from chatflow_edge.widget_api.models import (
    EmailAddress,
    LanguageTag,
    MessageOut,
    VisitorMessageRequest,
    WidgetConfigResponse,
    _In,
    _Out,
)

# Only named in the `of` constructors' signatures: a function that answers with one of these models
# does not import, for the others, the transcripts' package (with the inbox's export queries), the
# channels' management or the offline form (widget_config needs none of them).
if TYPE_CHECKING:
    from chatflow.business_hours.offline import OfflineMessage
    from chatflow.channels import WidgetConfig
    from chatflow.satisfaction import RatingResult
    from chatflow.transcripts import TranscriptSent

__all__ = [
    "BusinessHoursOut",
    "OfflineMessageRequest",
    "OfflineMessageResponse",
    "RatingRequest",
    "RatingResponse",
    "SatisfactionOut",
    "TranscriptRequest",
    "TranscriptResponse",
    "WidgetConfigWithHoursResponse",
]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BusinessHoursOut(_Out):
    """`open`: inside the channel's hours now; `nextOpenAt`: when they start again (null while open);
    `offlineMode`: what the widget does meanwhile, `ai` (the chat goes on, a handoff asks for an
    email) or `form` (a form to leave a message instead of the chat)."""

    open: bool
    next_open_at: datetime | None
    offline_mode: Literal["ai", "form"]
    time_zone: str

    @field_serializer("next_open_at")
    def _iso_utc(self, value: datetime | None) -> str | None:
        return None if value is None else _iso(value)


class SatisfactionOut(_Out):
    enabled: bool
    scale: Literal["five", "thumbs"]


class WidgetConfigWithHoursResponse(WidgetConfigResponse):
    business_hours: BusinessHoursOut | None
    satisfaction: SatisfactionOut

    @classmethod
    def of(cls, config: WidgetConfig) -> WidgetConfigWithHoursResponse:
        base = WidgetConfigResponse.of(config)
        state = config.availability
        return cls(
            **dict(base),
            business_hours=None
            if state is None
            else BusinessHoursOut(
                open=state.open,
                next_open_at=state.next_open_at,
                offline_mode=state.offline_mode,
                time_zone=state.time_zone,
            ),
            satisfaction=SatisfactionOut(enabled=config.csat_enabled, scale=config.csat_scale),
        )


Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_COMMENT_CHARS), Storable]


class RatingRequest(_In):
    visitor_id: UUID
    rating: int = Field(ge=1, le=5)
    comment: Comment | None = None


class RatingResponse(_Out):
    id: UUID
    rating: int
    scale: Literal["five", "thumbs"]
    comment: str | None
    rated_at: datetime

    @field_serializer("rated_at")
    def _iso_utc(self, value: datetime) -> str:
        return _iso(value)

    @classmethod
    def of(cls, result: RatingResult) -> RatingResponse:
        return cls(
            id=result.conversation_id,
            rating=result.rating,
            scale=result.scale,
            comment=result.comment,
            rated_at=result.rated_at,
        )


class TranscriptRequest(_In):
    visitor_id: UUID
    lang: LanguageTag | None = None

    @property
    def language(self) -> Language | None:
        return normalize_language(self.lang)


class TranscriptResponse(_Out):
    id: UUID
    sent_to: str  # masked: j***@example.com
    language: Language

    @classmethod
    def of(cls, sent: TranscriptSent) -> TranscriptResponse:
        return cls(id=sent.conversation_id, sent_to=sent.to, language=sent.language)


class OfflineMessageRequest(VisitorMessageRequest):
    email: EmailAddress


class OfflineMessageResponse(_Out):
    conversation_id: UUID
    status: str
    reply: MessageOut

    @classmethod
    def of(cls, left: OfflineMessage) -> OfflineMessageResponse:
        return cls(conversation_id=left.conversation_id, status=left.status, reply=MessageOut.of(left.reply))
