"""An organisation's AI settings as its operators read and change them.

Two kinds of parameters (docs/architecture.md, "Configuration inheritance"): business ones (the system
prompt, the handoff keywords), which an org admin may change, and technical ones (provider, model,
temperature, max tokens, the API key), which only a super admin may change. The API key is written
encrypted (AES-256-GCM) with a hint to recognise it; it is never read back out of this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from pydantic.alias_generators import to_camel

from chatflow.access import Caller
from chatflow.api_keys import PLATFORM_KEY_SETTING, KeySource, resolve_api_key
from chatflow.crypto import encrypt, key_hint
from chatflow.db import Connection
from chatflow.errors import EncryptionUnavailable, ForbiddenField, OrganizationNotFound
from chatflow.handoff import DEFAULT_HANDOFF_KEYWORDS
from chatflow.secrets import encryption_key
from chatflow.settings import Settings
from chatflow.vocabulary import Provider

__all__ = [
    "BUSINESS_FIELDS",
    "DEFAULT_HANDOFF_KEYWORDS",
    "MAX_HANDOFF_KEYWORDS",
    "MAX_HANDOFF_KEYWORD_LENGTH",
    "MAX_SYSTEM_PROMPT_LENGTH",
    "TECHNICAL_FIELDS",
    "AISettings",
    "AISettingsChanges",
    "clean_api_key",
    "clean_handoff_keywords",
    "encrypt_api_key",
    "get_ai_settings",
    "update_ai_settings",
]


# Field names (Python's) of each kind; a technical one is refused from anyone but a super admin.
BUSINESS_FIELDS = frozenset({"system_prompt", "handoff_keywords"})
TECHNICAL_FIELDS = frozenset({"provider", "model", "temperature", "max_tokens", "api_key"})

MAX_SYSTEM_PROMPT_LENGTH = 8_000
MAX_HANDOFF_KEYWORDS = 50
MAX_HANDOFF_KEYWORD_LENGTH = 60
MIN_API_KEY_LENGTH = 20
MAX_API_KEY_LENGTH = 512


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
    # Which key would answer this organisation's visitors right now (api_keys.resolve_api_key).
    api_key_source: KeySource
    updated_at: datetime


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

    def technical_fields(self) -> list[str]:
        """The technical fields this update changes, in their order here."""
        return [
            f.name
            for f in fields(self)
            if f.name in TECHNICAL_FIELDS
            and (self.set_api_key if f.name == "api_key" else getattr(self, f.name) is not None)
        ]


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


def encrypt_api_key(settings: Settings, api_key: str) -> tuple[str, str]:
    """(ciphertext, hint) of an API key; EncryptionUnavailable when no encryption key is configured."""
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    return encrypt(api_key, key), key_hint(api_key)


_SELECT = """
SELECT a.organization_id, a.provider, a.model, a.temperature, a.max_tokens, a.system_prompt,
       a.handoff_keywords, a.encrypted_api_key, a.api_key_hint, a.updated_at,
       (SELECT value FROM platform_settings WHERE key = %(platform_key)s) AS platform_encrypted_key
FROM ai_settings a
WHERE a.organization_id = %(org)s
"""


def get_ai_settings(conn: Connection, caller: Caller, settings: Settings, organization_id: UUID) -> AISettings:
    """Its members and super admins: the settings, and which API key answers now."""
    caller.require_member(organization_id)
    return _load(conn, settings, organization_id)


def _load(conn: Connection, settings: Settings, organization_id: UUID) -> AISettings:
    row = conn.execute(_SELECT, {"org": organization_id, "platform_key": PLATFORM_KEY_SETTING}).fetchone()
    if row is None:
        raise OrganizationNotFound()
    source = resolve_api_key(
        organization_encrypted=row["encrypted_api_key"],
        platform_encrypted=row["platform_encrypted_key"],
        settings=settings,
    ).source
    return AISettings(
        organization_id=row["organization_id"],
        provider=row["provider"],
        model=row["model"],
        temperature=float(row["temperature"]),
        max_tokens=row["max_tokens"],
        system_prompt=row["system_prompt"],
        handoff_keywords=list(row["handoff_keywords"]),
        api_key_hint=row["api_key_hint"] if row["encrypted_api_key"] else None,
        api_key_source=source,
        updated_at=row["updated_at"],
    )


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
    if changes.set_api_key and changes.api_key is not None:
        encrypted, hint = encrypt_api_key(settings, changes.api_key)
    updated = conn.execute(
        """
        UPDATE ai_settings SET
            system_prompt = coalesce(%(prompt)s, system_prompt),
            handoff_keywords = coalesce(%(keywords)s, handoff_keywords),
            provider = coalesce(%(provider)s, provider),
            model = coalesce(%(model)s, model),
            temperature = coalesce(%(temperature)s, temperature),
            max_tokens = coalesce(%(max_tokens)s, max_tokens),
            encrypted_api_key = CASE WHEN %(set_key)s THEN %(encrypted)s::text ELSE encrypted_api_key END,
            api_key_hint = CASE WHEN %(set_key)s THEN %(hint)s::text ELSE api_key_hint END,
            updated_at = now()
        WHERE organization_id = %(org)s
        """,
        {
            "org": organization_id,
            "prompt": changes.system_prompt,
            "keywords": changes.handoff_keywords,
            "provider": changes.provider,
            "model": changes.model,
            "temperature": changes.temperature,
            "max_tokens": changes.max_tokens,
            "set_key": changes.set_api_key,
            "encrypted": encrypted,
            "hint": hint,
        },
    ).rowcount
    if updated == 0:
        raise OrganizationNotFound()
    return _load(conn, settings, organization_id)
