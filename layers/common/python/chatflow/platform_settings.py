"""Platform-wide settings a super admin manages: for now, the platform's OpenAI key.

The key answers every organisation that has none of its own (api_keys.resolve_api_key). It is stored
AES-256-GCM encrypted under api_keys.PLATFORM_KEY_SETTING, with its hint under a second key; only
the hint ever leaves this module. Only a super admin reads or changes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatflow.access import Caller
from chatflow.ai_settings import encrypt_api_key
from chatflow.api_keys import PLATFORM_KEY_SETTING
from chatflow.db import Connection
from chatflow.settings import Settings

__all__ = ["PLATFORM_KEY_HINT_SETTING", "PlatformKey", "clear_platform_key", "get_platform_key", "set_platform_key"]

PLATFORM_KEY_HINT_SETTING = f"{PLATFORM_KEY_SETTING}_hint"


@dataclass(frozen=True, slots=True)
class PlatformKey:
    configured: bool
    hint: str | None


def get_platform_key(conn: Connection, caller: Caller) -> PlatformKey:
    """Super admin: whether a platform key is set, and its hint."""
    caller.require_super_admin()
    rows = conn.execute(
        "SELECT key, value FROM platform_settings WHERE key = ANY(%s)",
        ([PLATFORM_KEY_SETTING, PLATFORM_KEY_HINT_SETTING],),
    ).fetchall()
    values = {row["key"]: row["value"] for row in rows}
    configured = bool(values.get(PLATFORM_KEY_SETTING))
    return PlatformKey(configured=configured, hint=values.get(PLATFORM_KEY_HINT_SETTING) if configured else None)


def set_platform_key(conn: Connection, caller: Caller, settings: Settings, api_key: str) -> PlatformKey:
    """Super admin: store (or replace) the platform key; EncryptionUnavailable without an encryption key."""
    caller.require_super_admin()
    encrypted, hint = encrypt_api_key(settings, api_key)
    conn.execute(
        """
        INSERT INTO platform_settings (key, value) VALUES (%(key)s, %(encrypted)s), (%(hint_key)s, %(hint)s)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()
        """,
        {"key": PLATFORM_KEY_SETTING, "encrypted": encrypted, "hint_key": PLATFORM_KEY_HINT_SETTING, "hint": hint},
    )
    return PlatformKey(configured=True, hint=hint)


def clear_platform_key(conn: Connection, caller: Caller) -> None:
    """Super admin: forget the platform key; organisations without their own key fall back to
    OPENAI_API_KEY, if any."""
    caller.require_super_admin()
    conn.execute(
        "DELETE FROM platform_settings WHERE key = ANY(%s)", ([PLATFORM_KEY_SETTING, PLATFORM_KEY_HINT_SETTING],)
    )
