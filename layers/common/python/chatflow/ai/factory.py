"""The provider that answers for a resolved key."""

from __future__ import annotations

from chatflow.ai.base import AIProvider, AIProviderError
from chatflow.ai.openai_provider import OpenAIProvider
from chatflow.ai_settings import ResolvedKey
from chatflow.settings import Settings

__all__ = ["provider_for"]


def provider_for(provider: str, key: ResolvedKey, settings: Settings) -> AIProvider:
    if provider != "openai":
        raise AIProviderError(f"unknown provider {provider!r}")
    if key.api_key is None:
        # Without a key the local stack answers from the knowledge alone (chatflow.ai.offline).
        raise AIProviderError("no API key: neither the organisation, the platform nor OPENAI_API_KEY has one")
    return OpenAIProvider(
        api_key=key.api_key,
        base_url=settings.openai_base_url,
        timeout=settings.ai_timeout_seconds,
        max_retries=settings.ai_max_retries,
        max_retry_after=settings.ai_max_retry_after_seconds,
    )
