"""An organisation's knowledge is to be embedded with another model (knowledge.model_changed): its
entries marked `reembedding` are queued on the ingest queue, where functions/ingest embeds each
again. Delivered twice, it queues them twice, and the second run of an entry already ready with
the current model spends nothing (chatflow.knowledge.service.ingest)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.outbox import DomainEvent, KnowledgeModelChanged, listener
from chatflow.settings import get_settings

__all__ = ["reembed_knowledge"]


@listener(KnowledgeModelChanged)
def reembed_knowledge(conn: Connection, events: Sequence[DomainEvent]) -> None:
    from chatflow.knowledge.service import enqueue_many
    from chatflow.knowledge.versions import reembedding_entries

    settings = get_settings()
    for organization_id in dict.fromkeys(event.organization_id for event in events):
        enqueue_many(reembedding_entries(conn, organization_id), settings)
