"""The embedding of each visitor question that retrieval searched the knowledge with, in its organisation's
month of usage (embedding tokens, as chatflow.billing counts an ingestion's): counted here, off the
visitor's request, from the answer's message — an answer whose knowledge_chunk_ids is set (even empty)
was answered after a search, whose query embedding was its question."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from chatflow.db import Connection
from chatflow.outbox import DomainEvent, MessageCreated, listener

__all__ = ["count_question_embeddings"]

_SEARCHED = """
SELECT a.organization_id, q.content
FROM messages a JOIN messages q ON q.id = a.reply_to
WHERE a.id = ANY(%s) AND a.role = 'ai' AND a.knowledge_chunk_ids IS NOT NULL
"""


@listener(MessageCreated)
def count_question_embeddings(conn: Connection, events: Sequence[DomainEvent]) -> None:
    ids = [e.message_id for e in events if isinstance(e, MessageCreated)]
    rows = conn.execute(_SEARCHED, (ids,)).fetchall() if ids else []
    if not rows:
        return
    # Imported here: tiktoken only where a question was embedded.
    from chatflow.billing.repository import count_embeddings
    from chatflow.knowledge.chunking import count_tokens

    tokens: dict[UUID, int] = defaultdict(int)
    for row in rows:
        tokens[row["organization_id"]] += count_tokens(row["content"])
    with conn.transaction():
        for organization_id, spent in tokens.items():
            count_embeddings(conn, organization_id, tokens=spent)
