"""The AI configuration's shapes: an organisation's settings as operators see and change them, what a
channel overrides, what a conversation actually uses, the platform key, and the key that answers.

Two kinds of parameters (docs/architecture.md, "Configuration inheritance"): business ones (the system
prompt, the handoff keywords), which an org admin may change and a channel may override, and technical
ones (provider, model, temperature, max tokens, the API key), which only a super admin may change and
which always come from the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow.vocabulary import Provider

__all__ = [
    "BUSINESS_FIELDS",
    "MAX_API_KEY_LENGTH",
    "MAX_HANDOFF_KEYWORDS",
    "MAX_HANDOFF_KEYWORD_LENGTH",
    "MAX_SYSTEM_PROMPT_LENGTH",
    "MIN_API_KEY_LENGTH",
    "TECHNICAL_FIELDS",
    "AISettings",
    "AISettingsChanges",
    "AnsweringConfig",
    "ChannelOverrides",
    "EffectiveAIConfig",
    "KeySource",
    "OrganizationAISettings",
    "PlatformKey",
    "ResolvedKey",
]

# Field names (Python's) of each kind; a technical one is refused from anyone but a super admin.
BUSINESS_FIELDS = frozenset({"system_prompt", "handoff_keywords", "image_input"})
TECHNICAL_FIELDS = frozenset({"provider", "model", "temperature", "max_tokens", "api_key"})

MAX_SYSTEM_PROMPT_LENGTH = 8_000
MAX_HANDOFF_KEYWORDS = 50
MAX_HANDOFF_KEYWORD_LENGTH = 60
MIN_API_KEY_LENGTH = 20
MAX_API_KEY_LENGTH = 512

KeySource = Literal["organization", "platform", "environment", "none"]


@dataclass(frozen=True, slots=True)
class AISettings:
    organization_id: UUID
    provider: Provider
    model: str
    temperature: float
    max_tokens: int
    system_prompt: str
    handoff_keywords: list[str]
    api_key_hint: str | None
    # Which key would answer this organisation's visitors right now (service.resolve_api_key).
    api_key_source: KeySource
    updated_at: datetime
    # A key just saved whose check could not reach the provider (chatflow.ai_settings.key_check).
    api_key_warning: str | None = None
    # The AI may look at images visitors send, where the model takes images (off unless turned on).
    image_input: bool = False


@dataclass(frozen=True, slots=True)
class AISettingsChanges:
    """A partial update: None leaves a field as it is. `set_api_key` with `api_key=None` clears the key."""

    system_prompt: str | None = None
    handoff_keywords: list[str] | None = None
    provider: Provider | None = None
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    set_api_key: bool = False
    api_key: str | None = None
    image_input: bool | None = None

    def technical_fields(self) -> list[str]:
        """The technical fields this update changes, in their order here."""
        return [
            f.name
            for f in fields(self)
            if f.name in TECHNICAL_FIELDS
            and (self.set_api_key if f.name == "api_key" else getattr(self, f.name) is not None)
        ]


@dataclass(frozen=True, slots=True)
class OrganizationAISettings:
    provider: str
    model: str
    temperature: float
    max_tokens: int
    system_prompt: str
    handoff_keywords: tuple[str, ...]
    encrypted_api_key: str | None
    image_input: bool = False


@dataclass(frozen=True, slots=True)
class ChannelOverrides:
    # None: not overridden, the organisation's applies.
    system_prompt: str | None
    handoff_keywords: tuple[str, ...] | None
    handoff_enabled: bool


@dataclass(frozen=True, slots=True)
class EffectiveAIConfig:
    provider: str
    model: str
    temperature: float
    max_tokens: int
    encrypted_api_key: str | None
    system_prompt: str
    handoff_enabled: bool
    handoff_keywords: tuple[str, ...]
    image_input: bool = False


@dataclass(frozen=True, slots=True)
class AnsweringConfig:
    """What answering a message outside a conversation (the preview) needs besides the message."""

    config: EffectiveAIConfig
    platform_encrypted_key: str | None
    # The organisation or the channel has knowledge to search; else retrieval is skipped.
    has_knowledge: bool


@dataclass(frozen=True, slots=True)
class PlatformKey:
    configured: bool
    hint: str | None
    warning: str | None = None  # as AISettings.api_key_warning


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    source: KeySource
    api_key: str | None

    def __repr__(self) -> str:  # never print the key itself
        return f"ResolvedKey(source={self.source!r})"
