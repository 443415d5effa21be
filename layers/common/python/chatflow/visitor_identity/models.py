"""A visitor a business vouches for, and a channel's identity settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

__all__ = ["MAX_TOKEN_CHARS", "MAX_TOKEN_LIFETIME_SECONDS", "ChannelIdentity", "IdentitySettings", "VisitorIdentity"]

# A token may live at most a day: a business re-signs its users at each page load or session.
MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600
MAX_TOKEN_CHARS = 4096


@dataclass(frozen=True, slots=True)
class VisitorIdentity:
    """The claims of a valid token: the business's own user id, and optionally a name and an email."""

    user_id: str
    name: str | None = None
    email: str | None = None

    def metadata(self) -> dict[str, Any]:
        """What a conversation keeps of it (in its visitor metadata), for agents to see."""
        found: dict[str, Any] = {"verified": True, "userId": self.user_id}
        if self.name:
            found["name"] = self.name
        if self.email:
            found["email"] = self.email
        return found


@dataclass(frozen=True, slots=True)
class ChannelIdentity:
    """What the widget API needs of a channel to check a visitor's token."""

    channel_id: UUID
    encrypted_secret: str | None
    required: bool


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    """What the dashboard shows of a channel's identity: never the secret."""

    channel_id: UUID
    configured: bool
    required: bool
    rotated_at: datetime | None
