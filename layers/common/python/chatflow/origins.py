"""Which pages may talk to a channel: the one rule the chat, the widget's config call and the
visitor's socket all apply."""

from __future__ import annotations

from collections.abc import Iterable

from chatflow.errors import OriginNotAllowed

__all__ = ["check_origin"]


def check_origin(allowed_origins: Iterable[str], origin: str | None) -> None:
    """OriginNotAllowed when the channel lists origins and the page's is not one of them. A request
    without an Origin header (not from a browser) passes: the header is a browser's promise, not a
    credential."""
    allowed = {o.rstrip("/").lower() for o in allowed_origins}
    if allowed and origin is not None and origin.rstrip("/").lower() not in allowed:
        raise OriginNotAllowed()
