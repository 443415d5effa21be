"""An organisation's AI settings. Members read them; org admins change the business parameters
(system prompt, handoff keywords); only super admins change the technical ones (provider, model,
temperature, max tokens, API key). The API key is write-only: only its hint is ever returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field, SecretStr, StringConstraints, field_validator, model_validator

from chatflow import ai_settings
from chatflow.ai import preview_answer
from chatflow.ai.prompt import HistoryEntry, supports_images
from chatflow.ai_settings import DEFAULT_HANDOFF_KEYWORDS, MAX_SYSTEM_PROMPT_LENGTH, KeySource
from chatflow.languages import text
from chatflow.text import Storable
from chatflow.vocabulary import Provider
from dependencies import AppSettings, CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/ai-settings", tags=["ai-settings"], responses=SIGNED_IN_ERRORS
)

Model = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")]
# PostgreSQL text cannot hold NUL: refused here as 400 rather than failing in the database.
SystemPrompt = Annotated[str, StringConstraints(max_length=MAX_SYSTEM_PROMPT_LENGTH, pattern=r"^[^\x00]*$")]


class AISettingsOut(Schema):
    provider: Provider
    model: str
    temperature: float
    max_tokens: int
    system_prompt: str
    handoff_keywords: list[str]
    default_handoff_keywords: list[str] = Field(
        default_factory=lambda: list(DEFAULT_HANDOFF_KEYWORDS),
        description="The 19 bilingual defaults, to pre-fill the form.",
    )
    api_key_hint: str | None = Field(description="Like sk-...abcd; the key itself is never returned.")
    api_key_source: KeySource = Field(description="Which key answers now: organization, platform, environment, none.")
    updated_at: datetime
    api_key_warning: Literal["provider_unreachable"] | None = Field(
        default=None,
        description="After saving a key: the provider could not be reached to check it, so it was stored unchecked.",
    )
    image_input: bool = Field(
        default=False,
        description="The AI may look at images visitors send (where the model takes images); otherwise it reads "
        "that an image was sent, and its name.",
    )
    image_input_supported: bool = Field(
        default=False, description="Whether the organisation's provider and model take images at all."
    )

    @model_validator(mode="after")
    def _supported(self) -> AISettingsOut:
        self.image_input_supported = supports_images(self.provider, self.model)
        return self


class AISettingsUpdate(Schema):
    # Business: org admins and super admins.
    system_prompt: SystemPrompt | None = None
    handoff_keywords: list[str] | None = None
    image_input: bool | None = None
    # Technical: super admins only.
    provider: Provider | None = None
    model: Model | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=16384)
    api_key: SecretStr | None = Field(default=None, description="Write-only; null removes the organisation's key.")

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """Only apiKey may be null (it clears the key); any other field is left out to keep it."""
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name not in {"apiKey", "api_key"}:
                    raise ValueError(f"{name} may not be null")
        return data

    @field_validator("handoff_keywords")
    @classmethod
    def _keywords(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else ai_settings.clean_handoff_keywords(value)

    @field_validator("api_key")
    @classmethod
    def _api_key(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else SecretStr(ai_settings.clean_api_key(value.get_secret_value()))


@router.get("", response_model=AISettingsOut)
def get_ai_settings(organization_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings) -> AISettingsOut:
    """Members: the organisation's AI settings, the default handoff keywords, and which API key answers."""
    return AISettingsOut.from_domain(ai_settings.get_ai_settings(db, caller, settings, organization_id))


@router.patch("", response_model=AISettingsOut)
def update_ai_settings(
    organization_id: UUID, body: AISettingsUpdate, caller: CurrentCaller, db: Db, settings: AppSettings
) -> AISettingsOut:
    """Org admin: systemPrompt, handoffKeywords, imageInput. Super admin: also provider, model, temperature,
    maxTokens and apiKey (null clears it); 403 forbidden_field when an org admin sends one of those.
    A new key is checked with the provider first (models.list): 400 invalid_api_key, with the
    provider's reason, when it rejects it (nothing is saved); stored with apiKeyWarning
    provider_unreachable when the provider cannot be reached. 503 encryption_unavailable when a key
    is sent and the server has no encryption key."""
    changes = ai_settings.AISettingsChanges(
        system_prompt=body.system_prompt,
        handoff_keywords=body.handoff_keywords,
        image_input=body.image_input,
        provider=body.provider,
        model=body.model,
        temperature=body.temperature,
        max_tokens=body.max_tokens,
        set_api_key="api_key" in body.model_fields_set,
        api_key=body.api_key.get_secret_value() if body.api_key is not None else None,
    )
    return AISettingsOut.from_domain(ai_settings.update_ai_settings(db, caller, settings, organization_id, changes))


PreviewText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000), Storable]


class PreviewTurn(Schema):
    role: Literal["visitor", "ai", "agent"]
    content: PreviewText


# What one preview may send in all (the message and its history): a visitor's message is 2,000.
PREVIEW_MAX_CHARS = 8_000


class PreviewIn(Schema):
    message: PreviewText
    history: list[PreviewTurn] = Field(default_factory=list, max_length=20)
    channel_id: UUID | None = Field(default=None, description="Answer with this channel's overrides and knowledge.")
    language: Literal["en", "es"] = "en"

    @model_validator(mode="after")
    def _bounded(self) -> PreviewIn:
        if len(self.message) + sum(len(turn.content) for turn in self.history) > PREVIEW_MAX_CHARS:
            raise ValueError(f"the message and its history hold more than {PREVIEW_MAX_CHARS} characters")
        return self


class PreviewSourceOut(Schema):
    knowledge_id: UUID
    title: str
    excerpt: str
    source_url: str | None = Field(default=None, description="A web page's or a website page's URL: its source.")


class PreviewHandoffOut(Schema):
    reason: Literal["visitor_asked", "cannot_answer", "frustrated", "sensitive", "other"]
    summary: str | None


class PreviewOut(Schema):
    reply: str
    model: str | None
    tokens_used: int
    fallback: bool = Field(description="True when the provider failed (`failure` says how) and no model answered.")
    failure: Literal["key_rejected", "provider_down"] | None = Field(
        default=None,
        description="Why the provider gave no answer: it rejected the key, or it could not be reached. The reply "
        "then says so plainly (a preview is never stored).",
    )
    handoff: PreviewHandoffOut | None = Field(
        default=None,
        description="The AI would pass this conversation to a person (its handoff_to_human tool): why. The reply is "
        "then the notice a visitor would get. Nothing is handed off in a preview.",
    )
    sources: list[PreviewSourceOut]


@router.post("/preview", response_model=PreviewOut)
def preview(organization_id: UUID, body: PreviewIn, caller: CurrentCaller, db: Db, settings: AppSettings) -> PreviewOut:
    """Try a message on the real pipeline (settings, channel overrides, knowledge, provider); no
    conversation is stored, and the tokens count as preview usage. Admins of the organisation and
    super admins, RATE_LIMIT_PREVIEW_PER_MINUTE a minute each; the message and its history hold
    8,000 characters at most."""
    answered = preview_answer(
        db,
        caller,
        organization_id=organization_id,
        channel_id=body.channel_id,
        message=body.message,
        history=[HistoryEntry(turn.role, turn.content) for turn in body.history],
        language=body.language,
        settings=settings,
    )
    return PreviewOut(
        # A provider that failed is said plainly here, never with the visitor's "your message was saved".
        reply=text(f"preview_{answered.failure}", body.language)
        if answered.failure
        else text("handoff_notice", body.language)
        if answered.handoff is not None
        else answered.content,
        model=answered.model,
        tokens_used=answered.tokens_used,
        # The local stack's knowledge answer (no key) is labelled in its own text; not a failure.
        fallback=answered.failure is not None,
        failure=answered.failure,
        handoff=None
        if answered.handoff is None
        else PreviewHandoffOut(reason=answered.handoff.reason, summary=answered.handoff.summary),
        sources=[
            PreviewSourceOut(
                knowledge_id=p.knowledge_id, title=p.title, excerpt=p.content[:300], source_url=p.source_url
            )
            for p in answered.passages or []
        ],
    )
