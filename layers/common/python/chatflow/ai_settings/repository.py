"""The SQL of the AI configuration: the `ai_settings` row of each organisation, the platform key in
`platform_settings`, and a channel's overrides read beside them. API keys go in and out encrypted; this
module never sees one in the clear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chatflow.ai_settings.models import AISettingsChanges, ChannelOverrides, OrganizationAISettings, PlatformKey
from chatflow.db import Connection
from chatflow.vocabulary import Provider

__all__ = [
    "PLATFORM_KEY_HINT_SETTING",
    "PLATFORM_KEY_SETTING",
    "StoredConfig",
    "StoredSettings",
    "delete_platform_key",
    "load_config",
    "load_platform_key",
    "load_settings",
    "save_platform_key",
    "update_settings",
]

# platform_settings.key under which the encrypted platform OpenAI key is stored, and its hint.
PLATFORM_KEY_SETTING = "openai_api_key"
PLATFORM_KEY_HINT_SETTING = f"{PLATFORM_KEY_SETTING}_hint"


@dataclass(frozen=True, slots=True)
class StoredSettings:
    """An organisation's ai_settings row, with the platform's encrypted key beside it."""

    organization_id: UUID
    provider: Provider
    model: str
    temperature: float
    max_tokens: int
    system_prompt: str
    handoff_keywords: list[str]
    encrypted_api_key: str | None
    api_key_hint: str | None
    updated_at: datetime
    platform_encrypted_key: str | None
    image_input: bool = False


@dataclass(frozen=True, slots=True)
class StoredConfig:
    organization: OrganizationAISettings
    # None: no channel was asked for, or the organisation has no such channel.
    channel: ChannelOverrides | None
    platform_encrypted_key: str | None
    has_knowledge: bool


_LOAD_SETTINGS = """
SELECT a.organization_id, a.provider, a.model, a.temperature, a.max_tokens, a.system_prompt,
       a.handoff_keywords, a.encrypted_api_key, a.api_key_hint, a.updated_at, a.image_input,
       (SELECT value FROM platform_settings WHERE key = %(platform_key)s) AS platform_encrypted_key
FROM ai_settings a
WHERE a.organization_id = %(org)s
"""


def load_settings(conn: Connection, organization_id: UUID) -> StoredSettings | None:
    """None when the organisation is unknown (or outside the transaction's row-level-security scope)."""
    row = conn.execute(_LOAD_SETTINGS, {"org": organization_id, "platform_key": PLATFORM_KEY_SETTING}).fetchone()
    if row is None:
        return None
    return StoredSettings(
        organization_id=row["organization_id"],
        provider=row["provider"],
        model=row["model"],
        temperature=float(row["temperature"]),
        max_tokens=row["max_tokens"],
        system_prompt=row["system_prompt"],
        handoff_keywords=list(row["handoff_keywords"]),
        encrypted_api_key=row["encrypted_api_key"],
        api_key_hint=row["api_key_hint"],
        updated_at=row["updated_at"],
        platform_encrypted_key=row["platform_encrypted_key"],
        image_input=row["image_input"],
    )


def update_settings(
    conn: Connection,
    organization_id: UUID,
    changes: AISettingsChanges,
    *,
    encrypted_api_key: str | None,
    api_key_hint: str | None,
) -> bool:
    """Apply the changes that are not None; the key and its hint are replaced (or cleared) only when
    `changes.set_api_key`. False when the organisation is unknown."""
    updated = conn.execute(
        """
        UPDATE ai_settings SET
            system_prompt = coalesce(%(prompt)s, system_prompt),
            handoff_keywords = coalesce(%(keywords)s, handoff_keywords),
            provider = coalesce(%(provider)s, provider),
            model = coalesce(%(model)s, model),
            temperature = coalesce(%(temperature)s, temperature),
            max_tokens = coalesce(%(max_tokens)s, max_tokens),
            image_input = coalesce(%(image_input)s, image_input),
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
            "image_input": changes.image_input,
            "set_key": changes.set_api_key,
            "encrypted": encrypted_api_key,
            "hint": api_key_hint,
        },
    ).rowcount
    return updated > 0


_LOAD_CONFIG = """
SELECT s.provider, s.model, s.temperature::float8 AS temperature, s.max_tokens, s.system_prompt,
       s.handoff_keywords, s.encrypted_api_key, s.image_input,
       (SELECT value FROM platform_settings WHERE key = %(platform_key)s) AS platform_encrypted_key,
       ch.id AS channel_id, ch.system_prompt AS channel_system_prompt,
       ch.handoff_keywords AS channel_handoff_keywords, ch.handoff_enabled,
       EXISTS (SELECT 1 FROM knowledge_chunks kc
               WHERE kc.organization_id = s.organization_id
                 AND (kc.channel_id IS NULL OR kc.channel_id = ch.id)) AS has_knowledge
FROM ai_settings s
LEFT JOIN channels ch ON ch.id = %(channel_id)s AND ch.organization_id = s.organization_id
WHERE s.organization_id = %(organization_id)s
"""


def load_config(conn: Connection, organization_id: UUID, channel_id: UUID | None) -> StoredConfig | None:
    """The organisation's settings and, when asked for, one of its channels' overrides, in one round
    trip; None when the organisation is unknown."""
    row = conn.execute(
        _LOAD_CONFIG,
        {"organization_id": organization_id, "channel_id": channel_id, "platform_key": PLATFORM_KEY_SETTING},
    ).fetchone()
    if row is None:
        return None
    channel = None
    if row["channel_id"] is not None:
        channel_keywords = row["channel_handoff_keywords"]
        channel = ChannelOverrides(
            system_prompt=row["channel_system_prompt"],
            handoff_keywords=None if channel_keywords is None else tuple(channel_keywords),
            handoff_enabled=row["handoff_enabled"],
        )
    return StoredConfig(
        organization=OrganizationAISettings(
            provider=row["provider"],
            model=row["model"],
            temperature=row["temperature"],
            max_tokens=row["max_tokens"],
            system_prompt=row["system_prompt"],
            handoff_keywords=tuple(row["handoff_keywords"]),
            encrypted_api_key=row["encrypted_api_key"],
            image_input=row["image_input"],
        ),
        channel=channel,
        platform_encrypted_key=row["platform_encrypted_key"],
        has_knowledge=row["has_knowledge"],
    )


def load_platform_key(conn: Connection) -> PlatformKey:
    rows = conn.execute(
        "SELECT key, value FROM platform_settings WHERE key = ANY(%s)",
        ([PLATFORM_KEY_SETTING, PLATFORM_KEY_HINT_SETTING],),
    ).fetchall()
    values = {row["key"]: row["value"] for row in rows}
    configured = bool(values.get(PLATFORM_KEY_SETTING))
    return PlatformKey(configured=configured, hint=values.get(PLATFORM_KEY_HINT_SETTING) if configured else None)


def save_platform_key(conn: Connection, *, encrypted_api_key: str, api_key_hint: str) -> None:
    conn.execute(
        """
        INSERT INTO platform_settings (key, value) VALUES (%(key)s, %(encrypted)s), (%(hint_key)s, %(hint)s)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()
        """,
        {
            "key": PLATFORM_KEY_SETTING,
            "encrypted": encrypted_api_key,
            "hint_key": PLATFORM_KEY_HINT_SETTING,
            "hint": api_key_hint,
        },
    )


def delete_platform_key(conn: Connection) -> None:
    conn.execute(
        "DELETE FROM platform_settings WHERE key = ANY(%s)", ([PLATFORM_KEY_SETTING, PLATFORM_KEY_HINT_SETTING],)
    )
