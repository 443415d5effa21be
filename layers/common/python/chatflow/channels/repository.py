"""The SQL of channels. No rules here: the service checks the caller and the plan first."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.channels.models import Channel, ChannelChanges, WidgetPosition
from chatflow.db import Connection
from chatflow.vocabulary import ChannelType, Language, Plan

__all__ = [
    "WidgetSettings",
    "count_channels",
    "delete_channel",
    "find_channel",
    "find_secret_query_parameters",
    "find_widget_settings",
    "insert_channel",
    "lock_plan",
    "select_channels",
    "update_channel",
]

# Every query reads a channel's row as Channel's fields, so that Channel(**row) always fits.
_COLUMNS = sql.SQL(", ").join(sql.Identifier(field.name) for field in fields(Channel))


def select_channels(conn: Connection, organization_id: UUID) -> list[Channel]:
    """By name, then by age."""
    rows = conn.execute(
        sql.SQL(
            "SELECT {columns} FROM channels WHERE organization_id = %s ORDER BY lower(name), created_at, id"
        ).format(columns=_COLUMNS),
        (organization_id,),
    ).fetchall()
    return [Channel(**row) for row in rows]


def find_channel(conn: Connection, organization_id: UUID, channel_id: UUID) -> Channel | None:
    """None for a channel of another organisation, as for one that does not exist."""
    row = conn.execute(
        sql.SQL("SELECT {columns} FROM channels WHERE organization_id = %s AND id = %s").format(columns=_COLUMNS),
        (organization_id, channel_id),
    ).fetchone()
    return None if row is None else Channel(**row)


def lock_plan(conn: Connection, organization_id: UUID) -> Plan | None:
    """The organisation's plan, its row held until the transaction ends: a concurrent creation waits
    here, then counts the channel this one adds. None when there is no such organisation."""
    row = conn.execute("SELECT plan FROM organizations WHERE id = %s FOR UPDATE", (organization_id,)).fetchone()
    if row is None:
        return None
    plan: Plan = row["plan"]
    return plan


def count_channels(conn: Connection, organization_id: UUID) -> int:
    row = conn.execute("SELECT count(*) AS n FROM channels WHERE organization_id = %s", (organization_id,)).fetchone()
    assert row is not None
    count: int = row["n"]
    return count


def insert_channel(
    conn: Connection,
    organization_id: UUID,
    *,
    name: str,
    channel_type: ChannelType,
    active: bool,
    allowed_origins: list[str],
    handoff_enabled: bool,
    handoff_keywords: list[str] | None,
    system_prompt: str | None,
    default_language: Language,
    language_fixed: bool,
    color: str,
    position: WidgetPosition,
    business_name: str | None,
    welcome_en: str | None,
    welcome_es: str | None,
    secret_query_parameters: list[str],
) -> Channel:
    """The database makes the id and the public key."""
    row = conn.execute(
        sql.SQL(
            """
            INSERT INTO channels (organization_id, name, type, active, allowed_origins, handoff_enabled,
                                  handoff_keywords, system_prompt, default_language, language_fixed, color,
                                  position, business_name, welcome_en, welcome_es, secret_query_parameters)
            VALUES (%(org)s, %(name)s, %(type)s, %(active)s, %(origins)s, %(handoff_enabled)s, %(keywords)s,
                    %(prompt)s, %(language)s, %(fixed)s, %(color)s, %(position)s, %(business)s, %(welcome_en)s,
                    %(welcome_es)s, %(secret_parameters)s)
            RETURNING {columns}
            """
        ).format(columns=_COLUMNS),
        {
            "org": organization_id,
            "name": name,
            "type": channel_type,
            "active": active,
            "origins": allowed_origins,
            "handoff_enabled": handoff_enabled,
            "keywords": handoff_keywords,
            "prompt": system_prompt,
            "language": default_language,
            "fixed": language_fixed,
            "color": color,
            "position": position,
            "business": business_name,
            "welcome_en": welcome_en,
            "welcome_es": welcome_es,
            "secret_parameters": secret_query_parameters,
        },
    ).fetchone()
    assert row is not None
    return Channel(**row)


def update_channel(
    conn: Connection, organization_id: UUID, channel_id: UUID, changes: ChannelChanges
) -> Channel | None:
    """None when the organisation has no such channel."""
    row = conn.execute(
        sql.SQL(
            """
            UPDATE channels SET
                name = coalesce(%(name)s, name),
                type = coalesce(%(type)s, type),
                active = coalesce(%(active)s, active),
                allowed_origins = coalesce(%(origins)s, allowed_origins),
                handoff_enabled = coalesce(%(handoff_enabled)s, handoff_enabled),
                handoff_keywords = CASE WHEN %(set_keywords)s THEN %(keywords)s::text[] ELSE handoff_keywords END,
                system_prompt = CASE WHEN %(set_prompt)s THEN %(prompt)s::text ELSE system_prompt END,
                default_language = coalesce(%(language)s, default_language),
                language_fixed = coalesce(%(fixed)s, language_fixed),
                color = coalesce(%(color)s, color),
                position = coalesce(%(position)s, position),
                business_name = CASE WHEN %(set_business)s THEN %(business)s::text ELSE business_name END,
                welcome_en = CASE WHEN %(set_welcome)s THEN %(welcome_en)s::text ELSE welcome_en END,
                welcome_es = CASE WHEN %(set_welcome)s THEN %(welcome_es)s::text ELSE welcome_es END,
                secret_query_parameters = coalesce(%(secret_parameters)s, secret_query_parameters),
                updated_at = now()
            WHERE organization_id = %(org)s AND id = %(id)s
            RETURNING {columns}
            """
        ).format(columns=_COLUMNS),
        {
            "org": organization_id,
            "id": channel_id,
            "name": changes.name,
            "type": changes.type,
            "active": changes.active,
            "origins": changes.allowed_origins,
            "handoff_enabled": changes.handoff_enabled,
            "set_keywords": changes.set_handoff_keywords,
            "keywords": changes.handoff_keywords,
            "set_prompt": changes.set_system_prompt,
            "prompt": changes.system_prompt,
            "language": changes.default_language,
            "fixed": changes.language_fixed,
            "color": changes.color,
            "position": changes.position,
            "set_business": changes.set_business_name,
            "business": changes.business_name,
            "set_welcome": changes.set_welcome,
            "welcome_en": changes.welcome_en,
            "welcome_es": changes.welcome_es,
            "secret_parameters": changes.secret_query_parameters,
        },
    ).fetchone()
    return None if row is None else Channel(**row)


def delete_channel(conn: Connection, organization_id: UUID, channel_id: UUID) -> bool:
    """Whether the organisation had it; its conversations and knowledge go by cascade."""
    deleted = conn.execute("DELETE FROM channels WHERE organization_id = %s AND id = %s", (organization_id, channel_id))
    return deleted.rowcount > 0


def find_secret_query_parameters(conn: Connection, public_key: UUID) -> list[str]:
    """The channel's own secret parameter names; none for an unknown key (the chat refuses it anyway)."""
    row = conn.execute("SELECT secret_query_parameters FROM channels WHERE public_key = %s", (public_key,)).fetchone()
    return [] if row is None else list(row["secret_query_parameters"])


@dataclass(frozen=True, slots=True)
class WidgetSettings:
    """A channel's row as its public config call needs it, with the organisation's name and whether
    an operator is connected."""

    allowed_origins: list[str]
    default_language: Language
    language_fixed: bool
    color: str
    position: WidgetPosition
    business_name: str
    welcome_en: str | None
    welcome_es: str | None
    human_available: bool
    widget_seen: bool  # its config already fetched from an allowed page (chatflow.getting_started)
    # The channel's business hours row (chatflow.business_hours), None when it keeps none; its survey.
    business_hours: dict[str, Any] | None = None
    csat_enabled: bool = True
    csat_scale: str = "five"
    logo_key: str | None = None


def find_widget_settings(conn: Connection, public_key: UUID) -> WidgetSettings | None:
    """One round trip; None for an unknown public key, an inactive channel or organisation (as the
    chat finds a channel). A person is available when the channel hands off and at least one active
    operator of the organisation (a member: super admins watch every tenant, they staff none) has
    the dashboard open on a socket that may see it."""
    row = conn.execute(
        """
        SELECT ch.allowed_origins, ch.default_language, ch.language_fixed, ch.color, ch.position,
               coalesce(ch.business_name, o.name) AS business_name, ch.welcome_en, ch.welcome_es,
               ch.handoff_enabled AND EXISTS (
                   SELECT FROM organization_members m
                   JOIN users u ON u.id = m.user_id AND u.active
                   JOIN ws_connections w ON w.user_id = m.user_id AND w.kind = 'dashboard'
                   WHERE m.organization_id = ch.organization_id
                     AND (w.organization_id IS NULL OR w.organization_id = ch.organization_id)
               ) AS human_available,
               ch.widget_seen_at IS NOT NULL AS widget_seen,
               (SELECT to_jsonb(bh) FROM channel_business_hours bh WHERE bh.channel_id = ch.id) AS business_hours,
               ch.csat_enabled, ch.csat_scale, ch.logo_key
        FROM channels ch
        JOIN organizations o ON o.id = ch.organization_id AND o.active
        WHERE ch.public_key = %s AND ch.active
        """,
        (public_key,),
    ).fetchone()
    return None if row is None else WidgetSettings(**row)


def set_logo_key(conn: Connection, organization_id: UUID, channel_id: UUID, logo_key: str | None) -> str | None:
    """The channel's new logo key; returns the one it replaces (to delete), None when it had none or
    when the channel is not the organisation's (find_channel tells them apart first)."""
    row = conn.execute(
        """
        UPDATE channels c SET logo_key = %(key)s, updated_at = now()
        FROM channels before
        WHERE c.id = %(channel_id)s AND c.organization_id = %(organization_id)s AND before.id = c.id
        RETURNING before.logo_key
        """,
        {"key": logo_key, "channel_id": channel_id, "organization_id": organization_id},
    ).fetchone()
    return None if row is None else row["logo_key"]
