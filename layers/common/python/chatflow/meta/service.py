"""Connecting a WhatsApp or Messenger channel to Meta: the rules.

An org admin writes the credentials with the channel (chatflow.channels calls `connect` inside its
own transaction); the access token and the app secret are stored AES-256-GCM encrypted like API
keys and read back only as hints; the verify token is shown, for it is pasted into Meta's console.
A number or page is connected to one channel at most, so that a webhook lands in one organisation.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from uuid import UUID

from chatflow.access import Caller
from chatflow.crypto import EncryptionKeyError, decrypt, encrypt, key_hint
from chatflow.db import Connection
from chatflow.errors import ChannelAccountTaken, ChannelNotFound, EncryptionUnavailable, InvalidInput
from chatflow.meta import graph
from chatflow.meta import repository as repo
from chatflow.meta.models import ConnectionTest, MetaConnection, MetaCredentials, MetaKind
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

if TYPE_CHECKING:  # chatflow.channels connects through this module: no import cycle at run time
    from chatflow.channels.models import Channel

__all__ = ["META_KINDS", "WEBHOOK_PATHS", "connect", "connections", "disconnect", "test_connection", "webhook_url"]

_logger = logging.getLogger(__name__)

META_KINDS: tuple[MetaKind, ...] = ("whatsapp", "messenger")
WEBHOOK_PATHS: dict[MetaKind, str] = {"whatsapp": "/api/webhooks/whatsapp", "messenger": "/api/webhooks/messenger"}

# The names of the fields as the API spells them, for the messages of InvalidInput.
_ID_FIELD: dict[MetaKind, str] = {"whatsapp": "phoneNumberId", "messenger": "pageId"}
_TOKEN_FIELD: dict[MetaKind, str] = {"whatsapp": "accessToken", "messenger": "pageAccessToken"}
_GRAPH_ID = re.compile(r"^[0-9]{1,32}$")
_SECRET = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces


def webhook_url(settings: Settings, kind: MetaKind) -> str:
    """Where Meta must post this kind's webhooks: the public origin (the dashboard's, which one
    CloudFront address shares with /api/* in AWS and the local gateway on a laptop) + its path."""
    parts = urlsplit(settings.dashboard_url)
    return f"{parts.scheme}://{parts.netloc}{WEBHOOK_PATHS[kind]}"


def _checked_id(kind: MetaKind, field: str, value: str) -> str:
    text = value.strip()
    if not _GRAPH_ID.match(text):
        raise InvalidInput(f"{kind}.{field}: a Graph API id is digits only.")
    return text


def _checked_secret(kind: MetaKind, field: str, value: str, *, low: int, high: int) -> str:
    """The message never repeats the value."""
    text = value.strip()
    if not (low <= len(text) <= high and _SECRET.match(text)):
        raise InvalidInput(f"{kind}.{field}: {low} to {high} characters, no spaces.")
    return text


def connections(conn: Connection, caller: Caller, organization_id: UUID) -> dict[UUID, MetaConnection]:
    """Members: the organisation's connected channels, by channel id."""
    caller.require_member(organization_id)
    return repo.select_connections(conn, organization_id)


def connect(conn: Connection, channel: Channel, credentials: MetaCredentials) -> MetaConnection:
    """Connect the channel, or change its connection: fields left None keep what is stored, and a
    first connection needs them all. The caller (chatflow.channels) has checked that an admin asks."""
    kind = credentials.kind
    if channel.type != kind:
        raise InvalidInput(f"{kind}: only a {kind} channel is connected to {kind}; this one is {channel.type}.")
    stored = repo.find_secrets(conn, channel.organization_id, channel.id)
    key = encryption_key(get_settings())
    if key is None:
        raise EncryptionUnavailable()

    account_id = stored.connection.account_id if stored else None
    if credentials.account_id is not None:
        account_id = _checked_id(kind, _ID_FIELD[kind], credentials.account_id)
    business_account_id = stored.connection.business_account_id if stored else None
    if kind == "whatsapp" and credentials.business_account_id is not None:
        business_account_id = _checked_id(kind, "businessAccountId", credentials.business_account_id)
    verify_token = stored.connection.verify_token if stored else None
    if credentials.verify_token is not None:
        verify_token = _checked_secret(kind, "verifyToken", credentials.verify_token, low=8, high=200)

    access: tuple[str, str] | None = (
        (stored.encrypted_access_token, stored.connection.access_token_hint) if stored else None
    )
    if credentials.access_token is not None:
        token = _checked_secret(kind, _TOKEN_FIELD[kind], credentials.access_token, low=20, high=1000)
        access = encrypt(token, key), key_hint(token)
    secret: tuple[str, str] | None = (
        (stored.encrypted_app_secret, stored.connection.app_secret_hint) if stored else None
    )
    if credentials.app_secret is not None:
        app_secret = _checked_secret(kind, "appSecret", credentials.app_secret, low=16, high=200)
        secret = encrypt(app_secret, key), key_hint(app_secret)

    missing = [
        name
        for name, value in (
            (_ID_FIELD[kind], account_id),
            ("businessAccountId", business_account_id if kind == "whatsapp" else ""),
            (_TOKEN_FIELD[kind], access),
            ("appSecret", secret),
            ("verifyToken", verify_token),
        )
        if value is None
    ]
    if missing or account_id is None or access is None or secret is None or verify_token is None:
        raise InvalidInput(f"{kind}: {', '.join(missing)} required to connect the channel.")
    try:
        return repo.upsert_connection(
            conn,
            channel_id=channel.id,
            organization_id=channel.organization_id,
            kind=kind,
            account_id=account_id,
            business_account_id=business_account_id,
            encrypted_access_token=access[0],
            access_token_hint=access[1],
            encrypted_app_secret=secret[0],
            app_secret_hint=secret[1],
            verify_token=verify_token,
        )
    except repo.AccountTaken as exc:
        raise ChannelAccountTaken() from exc


def disconnect(conn: Connection, channel: Channel, *, keep_kind: str | None = None) -> None:
    """Forget the channel's connection, unless it is of `keep_kind` (a channel whose type changed
    keeps no credentials of the old one)."""
    repo.delete_connection(conn, channel.organization_id, channel.id, unless_kind=keep_kind)


def test_connection(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, *, settings: Settings
) -> ConnectionTest:
    """Members: ask the Graph API about the connected number or page with the stored token. Never
    raises for what Meta answers: the outcome says it. ChannelNotFound as for any channel."""
    caller.require_member(organization_id)
    stored = repo.find_secrets(conn, organization_id, channel_id)
    if stored is None:
        if not repo.channel_exists(conn, organization_id, channel_id):
            raise ChannelNotFound()
        return ConnectionTest(ok=False, outcome="not_connected")
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    try:
        token = decrypt(stored.encrypted_access_token, key)
    except EncryptionKeyError:
        _logger.error("a Meta access token cannot be decrypted", extra={"channel_id": str(channel_id)})
        return ConnectionTest(ok=False, outcome="error")
    connection = stored.connection
    fields = "display_phone_number,verified_name" if connection.kind == "whatsapp" else "name"
    answer = graph.get_object(settings, connection.account_id, access_token=token, fields=fields)
    _logger.info("meta connection tested", extra={"channel_id": str(channel_id), "graph_status": answer.status})
    if answer.status == 200:
        if connection.kind == "whatsapp":
            name = " · ".join(
                str(answer.body[f]) for f in ("verified_name", "display_phone_number") if answer.body.get(f)
            )
        else:
            name = str(answer.body.get("name") or "")
        return ConnectionTest(ok=True, outcome="connected", name=name or None, graph_status=200)
    if answer.status == 0:
        outcome = "unreachable"
    elif answer.status in (401, 403) or answer.error_code == 190:
        outcome = "unauthorized"
    elif answer.status == 404 or (answer.status == 400 and answer.error_code == 100):
        outcome = "not_found"
    else:
        outcome = "error"
    return ConnectionTest(ok=False, outcome=outcome, graph_status=answer.status or None)
