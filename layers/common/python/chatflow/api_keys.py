"""Which OpenAI key answers for an organisation, first found wins:
its own encrypted key → the platform key → OPENAI_API_KEY → none (the offline provider, local stack only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.secrets import encryption_key
from chatflow.settings import Settings

__all__ = ["PLATFORM_KEY_SETTING", "ResolvedKey", "resolve_api_key"]

# platform_settings.key under which the encrypted platform OpenAI key is stored.
PLATFORM_KEY_SETTING = "openai_api_key"

_logger = logging.getLogger(__name__)

KeySource = Literal["organization", "platform", "environment", "none"]


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    source: KeySource
    api_key: str | None

    def __repr__(self) -> str:  # never print the key itself
        return f"ResolvedKey(source={self.source!r})"


def resolve_api_key(
    *, organization_encrypted: str | None, platform_encrypted: str | None, settings: Settings
) -> ResolvedKey:
    """Stored keys that cannot be decrypted (wrong ENCRYPTION_KEY) are skipped, not fatal."""
    if organization_encrypted or platform_encrypted:
        key = encryption_key(settings)
        if key is None:
            _logger.warning("stored API keys are ignored: ENCRYPTION_KEY is missing or malformed")
        else:
            for source, encrypted in (("organization", organization_encrypted), ("platform", platform_encrypted)):
                if encrypted:
                    try:
                        return ResolvedKey(source, decrypt(encrypted, key))  # type: ignore[arg-type]
                    except EncryptionKeyError:
                        _logger.warning("the %s API key cannot be decrypted with ENCRYPTION_KEY; skipped", source)
    if settings.openai_api_key is not None and settings.openai_api_key.get_secret_value():
        return ResolvedKey("environment", settings.openai_api_key.get_secret_value())
    return ResolvedKey("none", None)
