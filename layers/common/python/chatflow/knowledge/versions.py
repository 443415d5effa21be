"""Versioned embeddings (issue #17, item 2): when an organisation's knowledge should be embedded with
another model than the one its entries were (EMBEDDING_MODEL changed, or a key now resolves where
none did, or the reverse), its ready entries of other models are marked `reembedding` and a
knowledge.model_changed event is written in the same transaction; the listener reembed_knowledge
queues them on the ingest queue, and the ingest worker embeds each again from its stored text.
Until then such an entry is not searched: a question is compared only with chunks of its own model.

functions/knowledge_sync runs `reembed_changed_models` every hour (and the local stack at start)."""

from __future__ import annotations

import logging
from uuid import UUID

from chatflow.ai_settings import resolve_api_key
from chatflow.db import Connection
from chatflow.knowledge.embeddings import current_model
from chatflow.outbox import KnowledgeModelChanged
from chatflow.outbox import repository as outbox_repo
from chatflow.settings import Settings

__all__ = ["reembed_changed_models", "reembedding_entries"]

_logger = logging.getLogger(__name__)

# Per active organisation with ready entries: the models they were embedded with and its keys.
_MODELS_IN_USE = """
SELECT k.organization_id, array_agg(DISTINCT k.embedding_model) AS models,
       min(s.encrypted_api_key) AS organization_key
FROM channel_knowledge k
JOIN organizations o ON o.id = k.organization_id AND o.active
LEFT JOIN ai_settings s ON s.organization_id = k.organization_id
WHERE k.status = 'ready'
GROUP BY k.organization_id
"""

_MARK = """
UPDATE channel_knowledge SET status = 'reembedding', version = version + 1
WHERE organization_id = %s AND status = 'ready' AND embedding_model IS DISTINCT FROM %s
"""


def reembed_changed_models(conn: Connection, settings: Settings) -> list[UUID]:
    """Mark each organisation's entries of another model than its current one `reembedding`, with a
    knowledge.model_changed event each. Returns the events' ids, to signal once committed. Running it
    again changes nothing (only ready entries of another model are marked)."""
    platform = conn.execute("SELECT value FROM platform_settings WHERE key = 'openai_api_key'").fetchone()
    platform_key = platform["value"] if platform is not None else None
    events: list[KnowledgeModelChanged] = []
    for row in conn.execute(_MODELS_IN_USE).fetchall():
        key = resolve_api_key(
            organization_encrypted=row["organization_key"], platform_encrypted=platform_key, settings=settings
        )
        model = current_model(has_key=key.api_key is not None, settings=settings)
        previous = tuple(sorted(m or "unknown" for m in row["models"] if m != model))
        if not previous:
            continue
        with conn.transaction():
            marked = conn.execute(_MARK, (row["organization_id"], model)).rowcount
            if not marked:
                continue
            event = KnowledgeModelChanged(
                organization_id=row["organization_id"], model=model, previous_models=previous, entries=marked
            )
            outbox_repo.add(conn, [event])
        events.append(event)
        _logger.info(
            "knowledge to re-embed",
            extra={"organization": str(row["organization_id"]), "model": model, "entries": marked},
        )
    return [e.id for e in events]


def reembedding_entries(conn: Connection, organization_id: UUID) -> list[UUID]:
    """The organisation's entries waiting to be embedded again with its current model."""
    rows = conn.execute(
        "SELECT id FROM channel_knowledge WHERE organization_id = %s AND status = 'reembedding' ORDER BY updated_at",
        (organization_id,),
    ).fetchall()
    return [r["id"] for r in rows]
