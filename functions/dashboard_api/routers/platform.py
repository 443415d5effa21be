"""Platform-wide settings (super admins): the platform's OpenAI key, which answers every organisation
that has no key of its own. Write-only: the API tells whether one is set and shows its hint."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import Field, SecretStr, field_validator

from chatflow import ai_settings
from dependencies import AppSettings, CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(prefix="/platform", tags=["platform"], responses=SIGNED_IN_ERRORS)


class PlatformKeyIn(Schema):
    api_key: SecretStr = Field(description="Write-only; never returned, never logged.")

    @field_validator("api_key")
    @classmethod
    def _api_key(cls, value: SecretStr) -> SecretStr:
        return SecretStr(ai_settings.clean_api_key(value.get_secret_value()))


class PlatformKeyOut(Schema):
    configured: bool
    hint: str | None = Field(description="Like sk-...abcd; null when no key is set.")
    warning: Literal["provider_unreachable"] | None = Field(
        default=None,
        description="After saving: the provider could not be reached to check the key, so it was stored unchecked.",
    )


@router.get("/openai-key", response_model=PlatformKeyOut)
def get_platform_key(caller: CurrentCaller, db: Db) -> PlatformKeyOut:
    """Super admin: whether a platform key is set, and its hint."""
    return PlatformKeyOut.from_domain(ai_settings.get_platform_key(db, caller))


@router.put("/openai-key", response_model=PlatformKeyOut)
def set_platform_key(body: PlatformKeyIn, caller: CurrentCaller, db: Db, settings: AppSettings) -> PlatformKeyOut:
    """Super admin: store (or replace) the platform key, encrypted, once the provider accepts it
    (models.list): 400 invalid_api_key with the provider's reason when it rejects it; stored with
    `warning: provider_unreachable` when it cannot be reached. 503 encryption_unavailable when the
    server has no encryption key."""
    key = ai_settings.set_platform_key(db, caller, settings, body.api_key.get_secret_value())
    return PlatformKeyOut.from_domain(key)


@router.delete("/openai-key", status_code=status.HTTP_204_NO_CONTENT)
def clear_platform_key(caller: CurrentCaller, db: Db) -> None:
    """Super admin: remove the platform key (organisations without their own fall back to OPENAI_API_KEY)."""
    ai_settings.clear_platform_key(db, caller)
