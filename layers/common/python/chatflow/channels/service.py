"""An organisation's channels as its operators manage them: the rules.

A channel may override the organisation's business parameters (system prompt, handoff keywords):
NULL in those columns means "inherit". Plans limit how many channels an organisation has; the count
and the insert run with the organisation's row locked, so concurrent creations cannot pass the limit.
Its members (and super admins) read an organisation's channels; its admins (and super admins) write.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit
from uuid import UUID

from chatflow.access import Caller
from chatflow.billing import PLAN_CHANNEL_LIMITS
from chatflow.channels import repository as repo
from chatflow.channels.models import Channel, ChannelChanges
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound, OrganizationNotFound, PlanLimitReached
from chatflow.settings import Settings
from chatflow.vocabulary import ChannelType

__all__ = [
    "MAX_ALLOWED_ORIGINS",
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


def list_channels(conn: Connection, caller: Caller, organization_id: UUID) -> list[Channel]:
    caller.require_member(organization_id)
    return repo.select_channels(conn, organization_id)


def get_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> Channel:
    """ChannelNotFound for a channel of another organisation, exactly as for one that does not exist."""
    caller.require_member(organization_id)
    channel = repo.find_channel(conn, organization_id, channel_id)
    if channel is None:
        raise ChannelNotFound()
    return channel


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
    organisation's plan has no room left. The only way a channel is made: the dashboard, seeding and
    tests all pass here, so none of them can hold more channels than the plan allows."""
    caller.require_admin(organization_id)
    # A savepoint inside the caller's transaction, a transaction of its own outside one: either way
    # the organisation's row stays locked from the count to the commit of the insert.
    with conn.transaction():
        plan = repo.lock_plan(conn, organization_id)
        if plan is None:
            raise OrganizationNotFound()
        limit = PLAN_CHANNEL_LIMITS[plan]
        if repo.count_channels(conn, organization_id) >= limit:
            raise PlanLimitReached(plan, limit)
        return repo.insert_channel(
            conn,
            organization_id,
            name=name,
            channel_type=channel_type,
            active=active,
            allowed_origins=allowed_origins or [],
            handoff_enabled=handoff_enabled,
            handoff_keywords=handoff_keywords,
            system_prompt=system_prompt,
        )


def update_channel(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, changes: ChannelChanges
) -> Channel:
    """Org admin: change any field; handoff keywords or system prompt set to None inherit the
    organisation's (ChannelChanges.set_*)."""
    caller.require_admin(organization_id)
    channel = repo.update_channel(conn, organization_id, channel_id, changes)
    if channel is None:
        raise ChannelNotFound()
    return channel


def delete_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> None:
    """Org admin: deletes the channel with its conversations and knowledge; its widget answers
    ChannelNotFound from then on."""
    caller.require_admin(organization_id)
    if not repo.delete_channel(conn, organization_id, channel_id):
        raise ChannelNotFound()
