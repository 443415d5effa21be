"""How a WhatsApp or Messenger channel is connected to Meta: what is written (credentials, some of
them secret) and what is read back (never a secret, only its hint)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

__all__ = ["ConnectionTest", "MetaConnection", "MetaCredentials", "MetaKind"]

# The channel types that talk through Meta's Graph API.
MetaKind = Literal["whatsapp", "messenger"]


@dataclass(frozen=True, slots=True)
class MetaCredentials:
    """What an admin writes to connect a channel, or to change its connection: a field left None is
    kept as stored (the secrets are write-only, so an edit need not repeat them). `account_id` is
    WhatsApp's phone number id or Messenger's page id; `business_account_id` is WhatsApp's only.
    `kind` is the channel type they were given for: it must be the channel's."""

    kind: MetaKind
    account_id: str | None = None
    business_account_id: str | None = None
    access_token: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None


@dataclass(frozen=True, slots=True)
class MetaConnection:
    """A connected channel as the dashboard reads it: the secrets only as hints."""

    channel_id: UUID
    organization_id: UUID
    kind: MetaKind
    account_id: str
    business_account_id: str | None
    access_token_hint: str
    app_secret_hint: str
    verify_token: str


@dataclass(frozen=True, slots=True)
class ConnectionTest:
    """What the Graph API said when asked about the connected number or page: `ok` and its name, or
    why not (`not_connected`, `unauthorized`, `not_found`, `unreachable`, `error`)."""

    ok: bool
    outcome: str
    name: str | None = None
    graph_status: int | None = None
