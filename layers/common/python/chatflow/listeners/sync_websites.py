"""A website source is to be crawled (knowledge.website_sync_requested: just added, its weekly turn,
or "sync now"): `{"websiteId"}` goes on the ingest queue, where functions/ingest reads its robots.txt
and queues its pages (chatflow.knowledge.websites). A redelivered event queues one more sync, which
finds every page already queued by this one's generation only if it ran in between: harmless."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.outbox import DomainEvent, KnowledgeWebsiteSyncRequested, listener
from chatflow.settings import get_settings

__all__ = ["sync_websites"]


@listener(KnowledgeWebsiteSyncRequested)
def sync_websites(conn: Connection, events: Sequence[DomainEvent]) -> None:
    from chatflow.knowledge.service import enqueue_many

    websites = [event.website_id for event in events if isinstance(event, KnowledgeWebsiteSyncRequested)]
    enqueue_many(list(dict.fromkeys(websites)), get_settings(), key="websiteId")
