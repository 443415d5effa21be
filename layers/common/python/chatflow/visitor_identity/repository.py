"""The SQL of visitor identity: the channel's secret and mode, and an identified visitor's latest
conversation."""

from __future__ import annotations

from uuid import UUID

from chatflow.db import Connection
from chatflow.visitor_identity.models import ChannelIdentity, IdentitySettings

__all__ = ["find_channel_identity", "find_settings", "latest_open_conversation", "rotate_secret", "set_required"]

_FIND = """
SELECT id AS channel_id, encrypted_identity_secret IS NOT NULL AS configured, identity_required AS required,
       identity_secret_rotated_at AS rotated_at
FROM channels WHERE organization_id = %s AND id = %s
"""
_ROTATE = """
UPDATE channels SET encrypted_identity_secret = %s, identity_secret_rotated_at = now(), updated_at = now()
WHERE organization_id = %s AND id = %s
RETURNING id AS channel_id, encrypted_identity_secret IS NOT NULL AS configured, identity_required AS required,
          identity_secret_rotated_at AS rotated_at
"""
_REQUIRE = """
UPDATE channels SET identity_required = %s, updated_at = now()
WHERE organization_id = %s AND id = %s
RETURNING id AS channel_id, encrypted_identity_secret IS NOT NULL AS configured, identity_required AS required,
          identity_secret_rotated_at AS rotated_at
"""


def find_settings(conn: Connection, organization_id: UUID, channel_id: UUID) -> IdentitySettings | None:
    row = conn.execute(_FIND, (organization_id, channel_id)).fetchone()
    return None if row is None else IdentitySettings(**row)


def rotate_secret(
    conn: Connection, organization_id: UUID, channel_id: UUID, encrypted_secret: str
) -> IdentitySettings | None:
    row = conn.execute(_ROTATE, (encrypted_secret, organization_id, channel_id)).fetchone()
    return None if row is None else IdentitySettings(**row)


def set_required(conn: Connection, organization_id: UUID, channel_id: UUID, required: bool) -> IdentitySettings | None:
    row = conn.execute(_REQUIRE, (required, organization_id, channel_id)).fetchone()
    return None if row is None else IdentitySettings(**row)


def find_channel_identity(conn: Connection, public_key: UUID) -> ChannelIdentity | None:
    """Of an active channel, with an active organisation."""
    row = conn.execute(
        "SELECT c.id AS channel_id, c.encrypted_identity_secret AS encrypted_secret, c.identity_required AS required"
        " FROM channels c JOIN organizations o ON o.id = c.organization_id"
        " WHERE c.public_key = %s AND c.active AND o.active",
        (public_key,),
    ).fetchone()
    return None if row is None else ChannelIdentity(**row)


def latest_open_conversation(conn: Connection, channel_id: UUID, visitor_id: UUID) -> UUID | None:
    row = conn.execute(
        "SELECT id FROM conversations WHERE channel_id = %s AND visitor_id = %s AND status <> 'closed'"
        " ORDER BY last_message_at DESC LIMIT 1",
        (channel_id, visitor_id),
    ).fetchone()
    return None if row is None else UUID(str(row["id"]))
