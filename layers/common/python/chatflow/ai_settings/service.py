"""The AI configuration's rules: who may read and change an organisation's settings and the platform
key, what a channel's conversations actually use, and which OpenAI key answers.

An org admin changes the business parameters, only a super admin the technical ones
(models.TECHNICAL_FIELDS) and the platform key. API keys are written encrypted (AES-256-GCM) with a hint
to recognise them; only the hint is ever read back out of this package. Which key answers, first found
wins: the organisation's own → the platform key → OPENAI_API_KEY → none (the offline provider, local
stack only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from uuid import UUID

from pydantic.alias_generators import to_camel

from chatflow.access import Caller
from chatflow.ai_settings import repository as repo
from chatflow.ai_settings.key_check import check_api_key
from chatflow.ai_settings.models import (
    MAX_API_KEY_LENGTH,
    MAX_HANDOFF_KEYWORD_LENGTH,
    MAX_HANDOFF_KEYWORDS,
    MIN_API_KEY_LENGTH,
    AISettings,
    AISettingsChanges,
    AnsweringConfig,
    ChannelOverrides,
    EffectiveAIConfig,
    KeySource,
    OrganizationAISettings,
    PlatformKey,
    ResolvedKey,
)
from chatflow.crypto import EncryptionKeyError, decrypt, encrypt, key_hint
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound, EncryptionUnavailable, ForbiddenField, OrganizationNotFound
from chatflow.secrets import encryption_key
from chatflow.settings import Settings

__all__ = [
    "answering_config",
    "clean_api_key",
    "clean_handoff_keywords",
    "clear_platform_key",
    "effective_config",
    "get_ai_settings",
    "get_platform_key",
    "resolve_api_key",
    "set_platform_key",
    "update_ai_settings",
]

_logger = logging.getLogger(__name__)

# What an organisation's own settings use when no channel is asked for: nothing overridden, handoff on
# (as a new channel has it).
_NO_OVERRIDES = ChannelOverrides(system_prompt=None, handoff_keywords=None, handoff_enabled=True)


def clean_handoff_keywords(values: Iterable[str]) -> list[str]:
    """Keywords trimmed, each 1–60 characters, duplicates (any case) dropped, at most 50. Raises ValueError."""
    cleaned: dict[str, str] = {}
    for value in values:
        keyword = " ".join(value.split())
        if not 1 <= len(keyword) <= MAX_HANDOFF_KEYWORD_LENGTH:
            raise ValueError(f"each handoff keyword has 1 to {MAX_HANDOFF_KEYWORD_LENGTH} characters")
        if "\x00" in keyword:
            raise ValueError("a handoff keyword cannot contain NUL characters")
        cleaned.setdefault(keyword.casefold(), keyword)
    if len(cleaned) > MAX_HANDOFF_KEYWORDS:
        raise ValueError(f"at most {MAX_HANDOFF_KEYWORDS} handoff keywords")
    return list(cleaned.values())


def clean_api_key(value: str) -> str:
    """An API key as pasted: trimmed, 20–512 characters, no spaces inside. Raises ValueError, whose
    message never contains the key."""
    key = value.strip()
    if not MIN_API_KEY_LENGTH <= len(key) <= MAX_API_KEY_LENGTH or any(ch.isspace() or ch == "\x00" for ch in key):
        raise ValueError(f"must be an API key of {MIN_API_KEY_LENGTH} to {MAX_API_KEY_LENGTH} characters")
    return key


def _encrypt_api_key(settings: Settings, api_key: str) -> tuple[str, str]:
    """(ciphertext, hint) of an API key; EncryptionUnavailable when no encryption key is configured."""
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    return encrypt(api_key, key), key_hint(api_key)


def resolve_api_key(
    *, organization_encrypted: str | None, platform_encrypted: str | None, settings: Settings
) -> ResolvedKey:
    """Stored keys that cannot be decrypted (wrong ENCRYPTION_KEY) are skipped, not fatal."""
    if organization_encrypted or platform_encrypted:
        key = encryption_key(settings)
        if key is None:
            _logger.warning("stored API keys are ignored: ENCRYPTION_KEY is missing or malformed")
        else:
            stored: tuple[tuple[KeySource, str | None], ...] = (
                ("organization", organization_encrypted),
                ("platform", platform_encrypted),
            )
            for source, encrypted in stored:
                if encrypted:
                    try:
                        return ResolvedKey(source, decrypt(encrypted, key))
                    except EncryptionKeyError:
                        _logger.warning("the %s API key cannot be decrypted with ENCRYPTION_KEY; skipped", source)
    if settings.openai_api_key is not None and settings.openai_api_key.get_secret_value():
        return ResolvedKey("environment", settings.openai_api_key.get_secret_value())
    return ResolvedKey("none", None)


def effective_config(org: OrganizationAISettings, channel: ChannelOverrides) -> EffectiveAIConfig:
    """Technical parameters always from the organisation; business ones from the channel where it
    overrides them (a non-NULL column), else from the organisation."""
    # A blank channel prompt is treated as "not overridden": an empty instruction set is never intended.
    channel_prompt = channel.system_prompt if channel.system_prompt and channel.system_prompt.strip() else None
    return EffectiveAIConfig(
        provider=org.provider,
        model=org.model,
        temperature=org.temperature,
        max_tokens=org.max_tokens,
        encrypted_api_key=org.encrypted_api_key,
        system_prompt=channel_prompt if channel_prompt is not None else org.system_prompt,
        handoff_enabled=channel.handoff_enabled,
        handoff_keywords=channel.handoff_keywords if channel.handoff_keywords is not None else org.handoff_keywords,
        image_input=org.image_input,
    )


def answering_config(conn: Connection, organization_id: UUID, channel_id: UUID | None) -> AnsweringConfig:
    """The configuration an answer in this organisation (and this channel, if given) uses. The caller's
    rights are the operation's to check (ai.preview)."""
    stored = repo.load_config(conn, organization_id, channel_id)
    if stored is None:
        raise OrganizationNotFound()
    if channel_id is not None and stored.channel is None:
        raise ChannelNotFound()
    return AnsweringConfig(
        config=effective_config(stored.organization, stored.channel or _NO_OVERRIDES),
        platform_encrypted_key=stored.platform_encrypted_key,
        has_knowledge=stored.has_knowledge,
    )


def get_ai_settings(conn: Connection, caller: Caller, settings: Settings, organization_id: UUID) -> AISettings:
    """Its members and super admins: the settings, and which API key answers now."""
    caller.require_member(organization_id)
    return _load(conn, settings, organization_id)


def update_ai_settings(
    conn: Connection, caller: Caller, settings: Settings, organization_id: UUID, changes: AISettingsChanges
) -> AISettings:
    """Org admin: the business parameters. Super admin: the technical ones too; an update from anyone
    else that holds one is refused whole (ForbiddenField, naming them as the API does), never
    applied in part."""
    caller.require_admin(organization_id)
    refused = changes.technical_fields()
    if refused and not caller.is_super_admin:
        raise ForbiddenField(to_camel(name) for name in refused)
    encrypted: str | None = None
    hint: str | None = None
    warning: str | None = None
    if changes.set_api_key and changes.api_key is not None:
        encrypted, hint = _encrypt_api_key(settings, changes.api_key)
        # Before anything is written: a key the provider rejects is refused (InvalidApiKey), whole.
        warning = check_api_key(changes.api_key, settings).warning
    if not repo.update_settings(conn, organization_id, changes, encrypted_api_key=encrypted, api_key_hint=hint):
        raise OrganizationNotFound()
    return replace(_load(conn, settings, organization_id), api_key_warning=warning)


def _load(conn: Connection, settings: Settings, organization_id: UUID) -> AISettings:
    stored = repo.load_settings(conn, organization_id)
    if stored is None:
        raise OrganizationNotFound()
    source = resolve_api_key(
        organization_encrypted=stored.encrypted_api_key,
        platform_encrypted=stored.platform_encrypted_key,
        settings=settings,
    ).source
    return AISettings(
        organization_id=stored.organization_id,
        provider=stored.provider,
        model=stored.model,
        temperature=stored.temperature,
        max_tokens=stored.max_tokens,
        system_prompt=stored.system_prompt,
        handoff_keywords=stored.handoff_keywords,
        api_key_hint=stored.api_key_hint if stored.encrypted_api_key else None,
        api_key_source=source,
        updated_at=stored.updated_at,
        image_input=stored.image_input,
    )


def get_platform_key(conn: Connection, caller: Caller) -> PlatformKey:
    """Super admin: whether a platform key is set, and its hint."""
    caller.require_super_admin()
    return repo.load_platform_key(conn)


def set_platform_key(conn: Connection, caller: Caller, settings: Settings, api_key: str) -> PlatformKey:
    """Super admin: store (or replace) the platform key, which answers every organisation that has none
    of its own; EncryptionUnavailable without an encryption key."""
    caller.require_super_admin()
    encrypted, hint = _encrypt_api_key(settings, api_key)
    warning = check_api_key(api_key, settings).warning  # InvalidApiKey when the provider rejects it
    repo.save_platform_key(conn, encrypted_api_key=encrypted, api_key_hint=hint)
    return PlatformKey(configured=True, hint=hint, warning=warning)


def clear_platform_key(conn: Connection, caller: Caller) -> None:
    """Super admin: forget the platform key; organisations without their own key fall back to
    OPENAI_API_KEY, if any."""
    caller.require_super_admin()
    repo.delete_platform_key(conn)
