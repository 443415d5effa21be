"""Verified visitor identity: a business's signed users, the same visitor on every device (see service.py)."""

from chatflow.visitor_identity.models import (
    MAX_TOKEN_LIFETIME_SECONDS,
    IdentitySettings,
    VisitorIdentity,
)
from chatflow.visitor_identity.service import (
    IDENTITY_CACHE_SECONDS,
    Identified,
    forget_cached,
    get_identity_settings,
    identify,
    latest_conversation,
    rotate_identity_secret,
    set_identity_required,
    verify_token,
    visitor_id_of,
)

__all__ = [
    "IDENTITY_CACHE_SECONDS",
    "MAX_TOKEN_LIFETIME_SECONDS",
    "Identified",
    "IdentitySettings",
    "VisitorIdentity",
    "forget_cached",
    "get_identity_settings",
    "identify",
    "latest_conversation",
    "rotate_identity_secret",
    "set_identity_required",
    "verify_token",
    "visitor_id_of",
]
