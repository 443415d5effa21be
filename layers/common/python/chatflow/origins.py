"""Which pages may talk to a channel: the one rule the chat, the widget's config call and the
visitor's socket all apply."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from chatflow.errors import OriginNotAllowed
from chatflow.settings import get_settings

__all__ = ["check_origin", "is_dashboard_page", "is_product_origin"]


def check_origin(allowed_origins: Iterable[str], origin: str | None) -> None:
    """OriginNotAllowed when the channel lists origins and the page's is not one of them. A request
    without an Origin header (not from a browser) passes: the header is a browser's promise, not a
    credential. The product's own origin always passes: the dashboard's preview of a channel's real
    widget runs there, whatever site the channel is for."""
    allowed = {o.rstrip("/").lower() for o in allowed_origins}
    if allowed and origin is not None and origin.rstrip("/").lower() not in allowed and not is_product_origin(origin):
        raise OriginNotAllowed()


def is_product_origin(origin: str) -> bool:
    """Whether the request came from a page of ours (DASHBOARD_URL's origin), not a customer's site."""
    ours = urlsplit(get_settings().dashboard_url)
    return origin.rstrip("/").lower() == f"{ours.scheme}://{ours.netloc}".lower()


def is_dashboard_page(url: str | None) -> bool:
    """Whether `url` (a Referer) is a page of the dashboard, DASHBOARD_URL or below. On the laptop the
    widget's demo page shares the dashboard's origin but not its path: it stands for the business's site."""
    if not url:
        return False
    dashboard = get_settings().dashboard_url.rstrip("/").lower()
    page = url.lower()
    return page == dashboard or page.startswith((dashboard + "/", dashboard + "?"))
