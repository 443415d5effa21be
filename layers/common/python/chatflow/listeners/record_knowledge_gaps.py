"""A question the knowledge could not answer joins its organisation's knowledge gaps (chatflow.knowledge.gaps):
embedded here, off the visitor's request, and filed once however often the event is delivered. An
embedding provider that fails fails this run, which is retried."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.outbox import DomainEvent, KnowledgeGapFound, listener
from chatflow.settings import get_settings

__all__ = ["record_knowledge_gaps"]


@listener(KnowledgeGapFound)
def record_knowledge_gaps(conn: Connection, events: Sequence[DomainEvent]) -> None:
    from chatflow.knowledge.gaps import record  # the knowledge package only where a gap is found

    settings = get_settings()
    for event in events:
        assert isinstance(event, KnowledgeGapFound)
        record(conn, event, settings)
