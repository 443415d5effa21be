"""An organisation's channels as its operators manage them, and what their widgets are told: the rules.

A channel may override the organisation's business parameters (system prompt, handoff keywords):
NULL in those columns means "inherit". Plans limit how many channels an organisation has; the count
and the insert run with the organisation's row locked, so concurrent creations cannot pass the limit.
Its members (and super admins) read an organisation's channels; its admins (and super admins) write.

A website channel also sets its widget's language (a default, or one fixed language) and look
(colour, corner, business name, welcome texts); the widget reads them from `widget_config`, public,
so that the snippet a business pastes stays one line and the look changes from the dashboard.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit
from uuid import UUID

from chatflow.access import Caller
from chatflow.billing import PLAN_CHANNEL_LIMITS
from chatflow.channels import repository as repo
from chatflow.channels.models import (
    DEFAULT_COLOR,
    Channel,
    ChannelChanges,
    WidgetPosition,
)
from chatflow.channels.pages import kept_page_url_of
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound, InvalidInput, OrganizationNotFound, PlanLimitReached
from chatflow.media import ImageUpload, delete_image, publish_image, request_image_upload
from chatflow.meta import MetaCredentials
from chatflow.meta import connect as connect_to_meta
from chatflow.meta import disconnect as disconnect_from_meta
from chatflow.page_urls import normalize_secret_parameters
from chatflow.settings import Settings
from chatflow.text import storable
from chatflow.vocabulary import ChannelType, Language

__all__ = [
    "MAX_ALLOWED_ORIGINS",
    "MAX_WELCOME_LENGTH",
    "clean_welcome",
    "create_channel",
    "delete_channel",
    "embed_snippet",
    "get_channel",
    "kept_page_url_of",
    "list_channels",
    "normalize_color",
    "normalize_origin",
    "normalize_origins",
    "remove_logo",
    "request_logo_upload",
    "set_logo",
    "update_channel",
    "widget_script_url",
]


MAX_ALLOWED_ORIGINS = 20
MAX_WELCOME_LENGTH = 500
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


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def normalize_color(value: str) -> str:
    """'#2F92AD' → '#2f92ad'. A colour is # and six hex digits. Raises ValueError."""
    text = value.strip()
    if not _COLOR.match(text):
        raise ValueError(f"{value!r} is not a colour such as #2f92ad")
    return text.lower()


def clean_welcome(value: str | None) -> str | None:
    """A welcome text trimmed; None when blank (the widget's own greeting then). Raises ValueError
    past MAX_WELCOME_LENGTH characters or for text the database cannot hold."""
    text = storable(value).strip() if value is not None else ""
    if len(text) > MAX_WELCOME_LENGTH:
        raise ValueError(f"at most {MAX_WELCOME_LENGTH} characters")
    return text or None


def _checked_color(value: str) -> str:
    try:
        return normalize_color(value)
    except ValueError as exc:
        raise InvalidInput(f"color: {exc}.") from exc


def _checked_welcome(language: Language, value: str | None) -> str | None:
    try:
        return clean_welcome(value)
    except ValueError as exc:
        raise InvalidInput(f"welcomeMessage.{language}: {exc}.") from exc


def _checked_secret_parameters(values: list[str]) -> list[str]:
    try:
        return normalize_secret_parameters(values)
    except ValueError as exc:
        raise InvalidInput(f"secretQueryParameters: {exc}.") from exc


def widget_script_url(settings: Settings) -> str:
    """Where the widget's script is served: WIDGET_SCRIPT_URL, else the dashboard's origin +
    /widget/chatflow360.js, which is where the local gateway (and CloudFront) serve it."""
    if settings.widget_script_url:
        return settings.widget_script_url
    parts = urlsplit(settings.dashboard_url)
    return f"{parts.scheme}://{parts.netloc}{WIDGET_SCRIPT_PATH}"


def embed_snippet(settings: Settings, channel: Channel) -> str | None:
    """The one tag a business pastes into its pages; None for channels without a widget. It names
    a language only when the channel's is fixed: otherwise the widget follows the visitor (and the
    channel's default), and its look comes from widget_config, so the tag never needs changing."""
    if not channel.has_widget:
        return None
    src = html.escape(widget_script_url(settings), quote=True)
    lang = f' data-lang="{channel.default_language}"' if channel.language_fixed else ""
    return f'<script src="{src}" data-key="{channel.public_key}"{lang} defer></script>'


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
    default_language: Language = "en",
    language_fixed: bool = False,
    color: str = DEFAULT_COLOR,
    position: WidgetPosition = "right",
    business_name: str | None = None,
    welcome: dict[Language, str | None] | None = None,
    secret_query_parameters: list[str] | None = None,
    meta_credentials: MetaCredentials | None = None,
) -> Channel:
    """Org admin: a new channel with a public key made by the database; PlanLimitReached when the
    organisation's plan has no room left. The only way a channel is made: the dashboard, seeding and
    tests all pass here, so none of them can hold more channels than the plan allows. A WhatsApp or
    Messenger channel may be connected at once (`meta_credentials`, chatflow.meta), in the same
    transaction."""
    caller.require_admin(organization_id)
    color = _checked_color(color)
    welcome_en = _checked_welcome("en", (welcome or {}).get("en"))
    welcome_es = _checked_welcome("es", (welcome or {}).get("es"))
    secret_parameters = _checked_secret_parameters(secret_query_parameters or [])
    # A savepoint inside the caller's transaction, a transaction of its own outside one: either way
    # the organisation's row stays locked from the count to the commit of the insert.
    with conn.transaction():
        plan = repo.lock_plan(conn, organization_id)
        if plan is None:
            raise OrganizationNotFound()
        limit = PLAN_CHANNEL_LIMITS[plan]
        if repo.count_channels(conn, organization_id) >= limit:
            raise PlanLimitReached(plan, limit)
        channel = repo.insert_channel(
            conn,
            organization_id,
            name=name,
            channel_type=channel_type,
            active=active,
            allowed_origins=allowed_origins or [],
            handoff_enabled=handoff_enabled,
            handoff_keywords=handoff_keywords,
            system_prompt=system_prompt,
            default_language=default_language,
            language_fixed=language_fixed,
            color=color,
            position=position,
            business_name=business_name,
            welcome_en=welcome_en,
            welcome_es=welcome_es,
            secret_query_parameters=secret_parameters,
        )
        if meta_credentials is not None:
            connect_to_meta(conn, channel, meta_credentials)
        return channel


def update_channel(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    channel_id: UUID,
    changes: ChannelChanges,
    meta_credentials: MetaCredentials | None = None,
) -> Channel:
    """Org admin: change any field; handoff keywords, system prompt or business name set to None
    inherit the organisation's, welcome texts set to None the widget's (ChannelChanges.set_*). A new
    type forgets the Meta connection of the old one; `meta_credentials` connect it (chatflow.meta)."""
    caller.require_admin(organization_id)
    if changes.color is not None:
        changes = replace(changes, color=_checked_color(changes.color))
    if changes.set_welcome:
        changes = replace(
            changes,
            welcome_en=_checked_welcome("en", changes.welcome_en),
            welcome_es=_checked_welcome("es", changes.welcome_es),
        )
    if changes.secret_query_parameters is not None:
        changes = replace(changes, secret_query_parameters=_checked_secret_parameters(changes.secret_query_parameters))
    with conn.transaction():
        channel = repo.update_channel(conn, organization_id, channel_id, changes)
        if channel is None:
            raise ChannelNotFound()
        if changes.type is not None:
            disconnect_from_meta(conn, channel, keep_kind=changes.type)
        if meta_credentials is not None:
            connect_to_meta(conn, channel, meta_credentials)
    return channel


def delete_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> None:
    """Org admin: deletes the channel with its conversations and knowledge; its widget answers
    ChannelNotFound from then on."""
    caller.require_admin(organization_id)
    if not repo.delete_channel(conn, organization_id, channel_id):
        raise ChannelNotFound()


def request_logo_upload(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, *, content_type: str, size: int
) -> ImageUpload:
    """Org admin: a presigned POST for a new logo of a website channel (its widget shows it)."""
    _logo_channel(conn, caller, organization_id, channel_id)
    return request_image_upload(folder=_logo_folder(channel_id), content_type=content_type, size=size)


def set_logo(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, *, upload_key: str) -> Channel:
    """Org admin: the uploaded picture, checked and squared, becomes the channel's logo; the old one goes."""
    _logo_channel(conn, caller, organization_id, channel_id)
    key = publish_image(folder=_logo_folder(channel_id), upload_key=upload_key)
    with conn.transaction():
        replaced = repo.set_logo_key(conn, organization_id, channel_id, key)
    if replaced != key:
        delete_image(replaced)
    return _logo_channel(conn, caller, organization_id, channel_id)


def remove_logo(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> Channel:
    """Org admin: back to the business name's initials."""
    _logo_channel(conn, caller, organization_id, channel_id)
    with conn.transaction():
        replaced = repo.set_logo_key(conn, organization_id, channel_id, None)
    delete_image(replaced)
    return _logo_channel(conn, caller, organization_id, channel_id)


def _logo_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> Channel:
    caller.require_admin(organization_id)
    channel = repo.find_channel(conn, organization_id, channel_id)
    if channel is None or not channel.has_widget:
        raise ChannelNotFound()
    return channel


def _logo_folder(channel_id: UUID) -> str:
    return f"logos/{channel_id}"
