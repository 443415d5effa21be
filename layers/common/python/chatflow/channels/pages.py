"""What a conversation of a channel keeps of the page a visitor chats from: the one channel rule the
visitor's chat asks on every message, kept apart from the operators' channel management
(chatflow.channels.service), whose logos, Meta connections and plans the chat never needs."""

from __future__ import annotations

from uuid import UUID

from chatflow.channels import repository as repo
from chatflow.db import connection
from chatflow.page_urls import has_query, kept_page_url

__all__ = ["kept_page_url_of"]


def kept_page_url_of(public_key: UUID, page_url: str | None) -> str | None:
    """Public: what a conversation of this channel keeps of the page a visitor chats from, the
    platform's secret parameters already gone (chatflow.page_urls): the channel's own go too. Read
    only when a query is left, so a URL without one costs no round trip."""
    if page_url is None or not has_query(page_url):
        return page_url
    with connection() as conn:
        names = repo.find_secret_query_parameters(conn, public_key)
    return kept_page_url(page_url, names) if names else page_url
