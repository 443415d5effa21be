"""Verified visitor identity: a business signs its logged-in users, and the widget's visitor becomes
that user on every device, with a name and an email agents can trust.

The business signs `{sub, exp, name?, email?}` with HS256 and its channel's identity secret (made
and shown once in the dashboard, rotatable); the widget passes the token (`data-user-jwt` or
`ChatFlow360.identify({jwt})`). A valid token (HS256 only, so `alg: none` and every other algorithm
are refused; the signature compared in constant time by PyJWT; `exp` required and at most 24 hours
ahead; `sub` required) makes the visitor id a keyed hash of (channel, sub): the same user on any
browser is the same visitor, so they share their conversations, and nobody can compute that id
without the server's key. An expired, unsigned, wrongly signed or malformed token is refused with
InvalidIdentity (the widget then falls back to an anonymous visitor); on a channel that requires
identity, a visitor without a token is refused with IdentityRequired.

The widget API asks for a channel's identity settings on every visitor message; they are cached in
the process for IDENTITY_CACHE_SECONDS, so a rotation or a change of mode takes that long to reach
every function.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from chatflow import crypto
from chatflow.access import Caller
from chatflow.db import Connection, connection
from chatflow.errors import (
    ChannelNotFound,
    EncryptionUnavailable,
    IdentityRequired,
    InvalidIdentity,
    InvalidInput,
)
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings
from chatflow.visitor_identity import repository as repo
from chatflow.visitor_identity.models import (
    MAX_TOKEN_CHARS,
    MAX_TOKEN_LIFETIME_SECONDS,
    ChannelIdentity,
    IdentitySettings,
    VisitorIdentity,
)

__all__ = [
    "IDENTITY_CACHE_SECONDS",
    "Identified",
    "forget_cached",
    "get_identity_settings",
    "identify",
    "latest_conversation",
    "rotate_identity_secret",
    "set_identity_required",
    "verify_token",
    "visitor_id_of",
]

_logger = logging.getLogger(__name__)

IDENTITY_CACHE_SECONDS = 30.0
_LEEWAY_SECONDS = 30
_MAX_CLAIM_CHARS = 320


# --- the dashboard: the secret and the mode ----------------------------------------------------------


def _admin_channel(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> IdentitySettings:
    caller.require_admin(organization_id)
    found = repo.find_settings(conn, organization_id, channel_id)
    if found is None:
        raise ChannelNotFound()
    return found


def get_identity_settings(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID
) -> IdentitySettings:
    """Org admin: whether the channel has a secret, and whether it requires identity."""
    return _admin_channel(conn, caller, organization_id, channel_id)


def rotate_identity_secret(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, *, settings: Settings
) -> tuple[IdentitySettings, str]:
    """Org admin: a new secret (the first, or in place of the current one, which stops working),
    shown this once."""
    _admin_channel(conn, caller, organization_id, channel_id)
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    secret = "cfid_" + secrets.token_urlsafe(32)
    updated = repo.rotate_secret(conn, organization_id, channel_id, crypto.encrypt(secret, key))
    if updated is None:
        raise ChannelNotFound()
    _logger.info("channel identity secret rotated", extra={"channel_id": str(channel_id)})
    return updated, secret


def set_identity_required(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, *, required: bool
) -> IdentitySettings:
    """Org admin: refuse anonymous visitors (or accept them again). Needs a secret first."""
    current = _admin_channel(conn, caller, organization_id, channel_id)
    if required and not current.configured:
        raise InvalidInput("required: make the channel's identity secret first", variant="field", field="required")
    updated = repo.set_required(conn, organization_id, channel_id, required)
    if updated is None:
        raise ChannelNotFound()
    return updated


# --- the widget API: checking a token -----------------------------------------------------------------


def verify_token(token: str, secret: str, *, now: float | None = None) -> VisitorIdentity:
    """The identity a token vouches for; InvalidIdentity for anything else."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidIdentity()
    import jwt  # here: PyJWT pulls `cryptography` (~50 ms of a cold start); only an identified call checks a token

    moment = time.time() if now is None else now
    try:
        # Only HS256: "none" and every other algorithm are refused before any signature is looked at.
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"], "verify_aud": False, "verify_iat": False},
            leeway=_LEEWAY_SECONDS,
        )
        if moment > float(claims["exp"]) + _LEEWAY_SECONDS:
            raise jwt.ExpiredSignatureError("expired")  # PyJWT checks the real clock; this is `now`'s
    except jwt.PyJWTError as exc:
        raise InvalidIdentity() from exc
    if (
        not isinstance(claims["exp"], int | float)
        or claims["exp"] > moment + MAX_TOKEN_LIFETIME_SECONDS + _LEEWAY_SECONDS
    ):
        raise InvalidIdentity("The identity token's exp is more than 24 hours away.")
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub.strip() or len(sub) > _MAX_CLAIM_CHARS or "\x00" in sub:
        raise InvalidIdentity()
    return VisitorIdentity(user_id=sub, name=_optional(claims.get("name")), email=_optional(claims.get("email")))


def _optional(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.replace("\x00", "").split())[:_MAX_CLAIM_CHARS]
    return text or None


def visitor_id_of(channel_id: UUID, user_id: str, key: bytes) -> UUID:
    """The visitor an identified user is on this channel, on every device: a keyed hash, so that
    knowing a user's id is not enough to act as them."""
    digest = hmac.new(key, f"chatflow360-visitor:{channel_id}:{user_id}".encode(), hashlib.sha256).digest()
    return UUID(bytes=digest[:16], version=4)


@dataclass(frozen=True, slots=True)
class Identified:
    channel_id: UUID
    visitor_id: UUID
    identity: VisitorIdentity


_cache: dict[UUID, tuple[float, ChannelIdentity | None]] = {}
_cache_lock = threading.Lock()


def forget_cached() -> None:
    with _cache_lock:
        _cache.clear()


def _channel(public_key: UUID) -> ChannelIdentity | None:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(public_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    with connection() as conn:
        found = repo.find_channel_identity(conn, public_key)
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[public_key] = (now + IDENTITY_CACHE_SECONDS, found)
    return found


def identify(public_key: UUID, token: str | None, *, settings: Settings | None = None) -> Identified | None:
    """The identified visitor of a widget call, or None for an anonymous one. InvalidIdentity for a
    token that is not valid (or a channel with no secret to check it); IdentityRequired for none on a
    channel that requires one. A channel that does not exist passes as anonymous: the call that
    follows answers for it."""
    channel = _channel(public_key)
    if channel is None:
        return None
    if not token:
        if channel.required:
            raise IdentityRequired()
        return None
    settings = settings or get_settings()
    key = encryption_key(settings)
    if key is None or channel.encrypted_secret is None:
        raise InvalidIdentity()
    identity = verify_token(token, crypto.decrypt(channel.encrypted_secret, key))
    return Identified(channel.channel_id, visitor_id_of(channel.channel_id, identity.user_id, key), identity)


def latest_conversation(identified: Identified) -> UUID | None:
    """The identified visitor's conversation still open on this channel, from any device."""
    with connection() as conn:
        return repo.latest_open_conversation(conn, identified.channel_id, identified.visitor_id)
