"""A channel, where an organisation's visitors chat from, a change to one, and what its widget is
told of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow.business_hours.models import Availability
from chatflow.vocabulary import ChannelType, Language

__all__ = ["DEFAULT_COLOR", "DEFAULT_WELCOME", "Channel", "ChannelChanges", "WidgetConfig", "WidgetPosition"]

# Which corner of the page the widget's launcher sits in.
WidgetPosition = Literal["right", "left"]

DEFAULT_COLOR = "#2f92ad"

# The widget's own greeting, when the channel has none in that language: the same words as the
# widget's built-in texts (widget/chatflow360.js, `start`), which it shows when its config cannot be read.
DEFAULT_WELCOME: dict[Language, str] = {
    "en": "How can we help you today? Write your question below to start a conversation.",
    "es": "¿En qué podemos ayudarte hoy? Escribe tu pregunta abajo para empezar una conversación.",
}


@dataclass(frozen=True, slots=True)
class Channel:
    """`handoff_keywords` and `system_prompt` None: the organisation's apply. `business_name` None:
    the organisation's name; `welcome_en`/`welcome_es` None: the widget's own greeting."""

    id: UUID
    organization_id: UUID
    name: str
    type: ChannelType
    public_key: UUID
    active: bool
    allowed_origins: list[str]
    handoff_enabled: bool
    handoff_keywords: list[str] | None
    system_prompt: str | None
    default_language: Language
    language_fixed: bool
    color: str
    position: WidgetPosition
    business_name: str | None
    welcome_en: str | None
    welcome_es: str | None
    # Query parameters of the site's URLs that carry secrets, beyond the platform's (chatflow.page_urls).
    secret_query_parameters: list[str]
    created_at: datetime
    updated_at: datetime
    # The logo the widget shows in its header (chatflow.media); None: the business name's initials.
    logo_key: str | None = None

    @property
    def has_widget(self) -> bool:
        return self.type == "website"


@dataclass(frozen=True, slots=True)
class ChannelChanges:
    """A partial update: a field left out is not changed. For the inheritable fields, `None` (with
    its `set_…` flag) means "inherit again": the organisation's keywords, prompt or name, the
    widget's own greeting (both languages are set together)."""

    name: str | None = None
    type: ChannelType | None = None
    active: bool | None = None
    allowed_origins: list[str] | None = None
    handoff_enabled: bool | None = None
    set_handoff_keywords: bool = False
    handoff_keywords: list[str] | None = None
    set_system_prompt: bool = False
    system_prompt: str | None = None
    default_language: Language | None = None
    language_fixed: bool | None = None
    color: str | None = None
    position: WidgetPosition | None = None
    set_business_name: bool = False
    business_name: str | None = None
    set_welcome: bool = False
    welcome_en: str | None = None
    welcome_es: str | None = None
    secret_query_parameters: list[str] | None = None


@dataclass(frozen=True, slots=True)
class WidgetConfig:
    """What a channel's widget is told at start, publicly: its language, its look, the texts it greets
    with (the channel's own, else the widget's) and whether a person could answer now. Nothing
    internal: no ids, no origins, no prompt."""

    default_language: Language
    language_fixed: bool
    color: str
    position: WidgetPosition
    business_name: str
    welcome: dict[Language, str]
    human_available: bool
    # By the channel's business hours: open now or not, when next, what the widget does meanwhile
    # (chatflow.business_hours); None when it keeps none.
    availability: Availability | None = None
    csat_enabled: bool = True
    csat_scale: Literal["five", "thumbs"] = "five"
    avatar_url: str | None = None  # the channel's logo (chatflow.media), None: initials
