"""An organisation's channels as its operators manage them: where its visitors chat from.

A channel may override the organisation's business parameters (system prompt, handoff keywords):
NULL in those columns means "inherit". Plans limit how many channels an organisation has; the count
and the insert run with the organisation's row locked, so concurrent creations cannot pass the limit.
Its members (and super admins) read an organisation's channels; its admins (and super admins) write.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound, OrganizationNotFound, PlanLimitReached
from chatflow.settings import Settings
from chatflow.usage import PLAN_CHANNEL_LIMITS
from chatflow.vocabulary import ChannelType

__all__ = [
    "MAX_ALLOWED_ORIGINS",
    "Channel",
    "ChannelChanges",
    "create_channel",
    "delete_channel",
    "embed_snippet",
    "get_channel",
    "list_channels",
    "normalize_origin",
    "normalize_origins",
    "update_channel",
    "widget_script_url",
]


MAX_ALLOWED_ORIGINS = 20
WIDGET_SCRIPT_PATH = "/widget/chatflow360.js"

# Plain http is accepted only for a developer's own machine (the local stack's demo page).
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True, slots=True)
class Channel:
    id: UUID
    organization_id: UUID
    name: str
    type: ChannelType
    public_key: UUID
    active: bool
    allowed_origins: list[str]
    handoff_enabled: bool
    handoff_keywords: list[str] | None
    system_prompt: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def has_widget(self) -> bool:
        return self.type == "website"


@dataclass(frozen=True, slots=True)
class ChannelChanges:
    """A partial update: a field left out is not changed. For the two inheritable fields, `None`
    (with its `set_…` flag) means "inherit from the organisation again"."""

    name: str | None = None
    type: ChannelType | None = None
    active: bool | None = None
    allowed_origins: list[str] | None = None
    handoff_enabled: bool | None = None
    set_handoff_keywords: bool = False
    handoff_keywords: list[str] | None = None
    set_system_prompt: bool = False
    system_prompt: str | None = None


_COLUMNS = (
    "id, organization_id, name, type, public_key, active, allowed_origins, handoff_enabled, "
    "handoff_keywords, system_prompt, created_at, updated_at"
)


def normalize_origin(value: str) -> str:
    """'HTTPS://Shop.Example.com:443/' → 'https://shop.example.com'. An origin is a scheme, a host and
    an optional port: https, or http for localhost only; no path, query, fragment or credentials.
    Internationalised hosts are stored as browsers send them (punycode). Raises ValueError."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an origin such as https://www.example.com") from exc
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if (
        scheme not in {"https", "http"}
        or not host
        or parts.username is not None
        or parts.password is not None
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or text.endswith(("?", "#"))
    ):
        raise ValueError(f"{value!r} is not an origin such as https://www.example.com")
    if ":" not in host:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise ValueError(f"{value!r} has a host name that is not valid") from exc
    if ":" in host:  # an IPv6 literal, which urlsplit returns without its brackets
        host = f"[{host}]"
    elif not _HOST_NAME.match(host):
        raise ValueError(f"{value!r} has a host name that is not valid")
    if scheme == "http" and host not in _LOOPBACK_HOSTS:
        raise ValueError(f"{value!r} must use https (plain http is accepted for localhost only)")
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default_port else "")


def normalize_origins(values: Iterable[str]) -> list[str]:
    """Each origin normalised, duplicates dropped (first kept), at most MAX_ALLOWED_ORIGINS."""
    origins = list(dict.fromkeys(normalize_origin(v) for v in values))
    if len(origins) > MAX_ALLOWED_ORIGINS:
        raise ValueError(f"at most {MAX_ALLOWED_ORIGINS} allowed origins")
    return origins


def widget_script_url(settings: Settings) -> str:
    """Where the widget's script is served: WIDGET_SCRIPT_URL, else the dashboard's origin +
    /widget/chatflow360.js, which is where the local gateway (and CloudFront) serve it."""
    if settings.widget_script_url:
        return settings.widget_script_url
    parts = urlsplit(settings.dashboard_url)
    return f"{parts.scheme}://{parts.netloc}{WIDGET_SCRIPT_PATH}"


def embed_snippet(settings: Settings, channel: Channel) -> str | None:
    """The one tag a business pastes into its pages; None for channels without a widget."""
    if not channel.has_widget:
        return None
    src = html.escape(widget_script_url(settings), quote=True)
    return f'<script src="{src}" data-key="{channel.public_key}" data-lang="en" defer></script>'


def _channel(row: dict[str, Any]) -> Channel:
    return Channel(**row)


def list_channels(conn: Connection, caller: Caller, organization_id: UUID) -> list[Channel]:
    caller.require_member(organization_id)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM channels WHERE organization_id = %s ORDER BY lower(name), created_at, id",
        (organization_id,),
    ).fetchall()
    return [_channel(row) for row in rows]


def get_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> Channel:
    """ChannelNotFound for a channel of another organisation, exactly as for one that does not exist."""
    caller.require_member(organization_id)
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM channels WHERE organization_id = %s AND id = %s", (organization_id, channel_id)
    ).fetchone()
    if row is None:
        raise ChannelNotFound()
    return _channel(row)


def create_channel(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    name: str,
    channel_type: ChannelType = "website",
    active: bool = True,
    allowed_origins: list[str] | None = None,
    handoff_enabled: bool = True,
    handoff_keywords: list[str] | None = None,
    system_prompt: str | None = None,
) -> Channel:
    """Org admin: a new channel with a public key made by the database; PlanLimitReached when the
    organisation's plan has no room left. Must run inside a transaction: the organisation's row stays
    locked until it ends, so a concurrent creation waits and then counts this channel."""
    caller.require_admin(organization_id)
    organization = conn.execute(
        "SELECT plan FROM organizations WHERE id = %s FOR UPDATE", (organization_id,)
    ).fetchone()
    if organization is None:
        raise OrganizationNotFound()
    limit = PLAN_CHANNEL_LIMITS[organization["plan"]]
    count = conn.execute("SELECT count(*) AS n FROM channels WHERE organization_id = %s", (organization_id,)).fetchone()
    assert count is not None
    if count["n"] >= limit:
        raise PlanLimitReached(organization["plan"], limit)
    row = conn.execute(
        f"""
        INSERT INTO channels (organization_id, name, type, active, allowed_origins, handoff_enabled,
                              handoff_keywords, system_prompt)
        VALUES (%(org)s, %(name)s, %(type)s, %(active)s, %(origins)s, %(handoff_enabled)s, %(keywords)s, %(prompt)s)
        RETURNING {_COLUMNS}
        """,
        {
            "org": organization_id,
            "name": name,
            "type": channel_type,
            "active": active,
            "origins": allowed_origins or [],
            "handoff_enabled": handoff_enabled,
            "keywords": handoff_keywords,
            "prompt": system_prompt,
        },
    ).fetchone()
    assert row is not None
    return _channel(row)


def update_channel(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, changes: ChannelChanges
) -> Channel:
    """Org admin: change any field; handoff keywords or system prompt set to None inherit the
    organisation's (ChannelChanges.set_*)."""
    caller.require_admin(organization_id)
    row = conn.execute(
        f"""
        UPDATE channels SET
            name = coalesce(%(name)s, name),
            type = coalesce(%(type)s, type),
            active = coalesce(%(active)s, active),
            allowed_origins = coalesce(%(origins)s, allowed_origins),
            handoff_enabled = coalesce(%(handoff_enabled)s, handoff_enabled),
            handoff_keywords = CASE WHEN %(set_keywords)s THEN %(keywords)s::text[] ELSE handoff_keywords END,
            system_prompt = CASE WHEN %(set_prompt)s THEN %(prompt)s::text ELSE system_prompt END,
            updated_at = now()
        WHERE organization_id = %(org)s AND id = %(id)s
        RETURNING {_COLUMNS}
        """,
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
        },
    ).fetchone()
    if row is None:
        raise ChannelNotFound()
    return _channel(row)


def delete_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> None:
    """Org admin: deletes the channel with its conversations and knowledge; its widget answers
    ChannelNotFound from then on."""
    caller.require_admin(organization_id)
    deleted = conn.execute(
        "DELETE FROM channels WHERE organization_id = %s AND id = %s", (organization_id, channel_id)
    ).rowcount
    if deleted == 0:
        raise ChannelNotFound()
