"""Knowledge gaps: the visitor questions the knowledge could not answer, grouped by similar question,
per organisation, for its admins to answer with a new entry (issue #17, item 5).

A question is a gap when retrieval found no passage good enough for it (the knowledge's abstention),
or the AI handed the conversation to a person because it could not answer (`cannot_answer`): the
conversation service says so with a KnowledgeGapFound event, and the listener
record_knowledge_gaps embeds the question and files it here (`record`). It joins the organisation's
nearest gap whose first question is at least GROUPING_SIMILARITY[model] similar (embeddings of one
model are compared only with that model's), or starts a new gap. Recording is idempotent: a
question is its visitor message (its id the key), recorded once however often the event comes.

A gap holds no visitor words of its own: the list shows its latest question that was not erased."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow.access import Caller
from chatflow.ai_settings import resolve_api_key
from chatflow.billing.repository import count_embeddings
from chatflow.db import Connection
from chatflow.errors import KnowledgeGapNotFound
from chatflow.knowledge.chunking import count_tokens
from chatflow.knowledge.embeddings import E5_MODEL, OFFLINE_MODEL, OPENAI_MODEL, Embedder, embedder_for
from chatflow.knowledge.folding import search_terms
from chatflow.outbox import KnowledgeGapFound
from chatflow.settings import Settings

__all__ = [
    "GROUPING_SIMILARITY",
    "Gap",
    "GapStatus",
    "dismiss_gap",
    "is_question",
    "list_gaps",
    "mark_answered",
    "record",
    "reopen_gap",
]

_logger = logging.getLogger(__name__)

GapStatus = Literal["open", "answered", "dismissed"]

# How similar (cosine, query to query) a question must be to a gap's first question to join it, per
# embedding model. Measured on paraphrases and unrelated questions of one business (docs/knowledge.md):
# e5 scores paraphrases 0.90-0.98 and unrelated questions up to 0.88; the lexical embedder shares
# words or nothing; OpenAI's text-embedding-3-small puts paraphrases above ~0.7. A model not listed
# here groups at DEFAULT_GROUPING_SIMILARITY: too strict merges nothing wrong, it only lists more gaps.
GROUPING_SIMILARITY: dict[str, float] = {OPENAI_MODEL: 0.70, E5_MODEL: 0.90, OFFLINE_MODEL: 0.35}
DEFAULT_GROUPING_SIMILARITY = 0.90
# Gaps listed at most (the most asked first).
LIST_LIMIT = 200


def is_question(message: str) -> bool:
    """Whether a message with no passage is worth listing: not a greeting or a thanks ("hola",
    "thanks!", "ok"): two words that say something, or one with a question mark."""
    terms = search_terms(message)
    return len(terms) >= 2 or (len(terms) == 1 and "?" in message)


def grouping_similarity(model: str) -> float:
    return GROUPING_SIMILARITY.get(model, DEFAULT_GROUPING_SIMILARITY)


_LOAD_QUESTION = """
SELECT m.content, m.created_at,
       s.encrypted_api_key AS organization_key,
       (SELECT value FROM platform_settings WHERE key = 'openai_api_key') AS platform_key,
       o.active AS organization_active,
       EXISTS (SELECT FROM knowledge_gap_questions q WHERE q.message_id = m.id) AS recorded
FROM messages m
JOIN organizations o ON o.id = m.organization_id
LEFT JOIN ai_settings s ON s.organization_id = m.organization_id
WHERE m.id = %s AND m.organization_id = %s AND m.role = 'visitor'
"""

# Per organisation, one question is filed at a time: two similar questions arriving together join
# one gap rather than starting two.
_NEAREST = """
SELECT id, 1 - (embedding <=> %(embedding)s::vector) AS similarity
FROM knowledge_gaps
WHERE organization_id = %(org)s AND embedding_model = %(model)s
ORDER BY embedding <=> %(embedding)s::vector
LIMIT 1
"""

_NEW_GAP = """
INSERT INTO knowledge_gaps (organization_id, embedding, embedding_model, first_asked_at, last_asked_at)
VALUES (%(org)s, %(embedding)s::vector, %(model)s, %(at)s, %(at)s)
RETURNING id
"""

_ADD_QUESTION = """
INSERT INTO knowledge_gap_questions (message_id, gap_id, organization_id, language, reason, asked_at)
VALUES (%(message)s, %(gap)s, %(org)s, %(language)s, %(reason)s, %(at)s)
ON CONFLICT (message_id) DO NOTHING
"""

# A question asked again after its gap was answered: the entry did not answer it, so the gap is open
# again (a dismissed one stays dismissed: its admins said no entry is needed).
_TOUCH_GAP = """
UPDATE knowledge_gaps
SET last_asked_at = greatest(last_asked_at, %(at)s),
    first_asked_at = least(first_asked_at, %(at)s),
    status = CASE WHEN status = 'answered' AND %(at)s > resolved_at THEN 'open' ELSE status END
WHERE id = %(gap)s
"""


def record(conn: Connection, event: KnowledgeGapFound, settings: Settings) -> UUID | None:
    """File the event's question in its gap; the gap's id, or None when there is nothing to file
    (the message is gone or erased, already filed, or its organisation is inactive: it spends no
    embeddings). Raises EmbeddingError when the question cannot be embedded (the listener retries)."""
    from chatflow.visitor_rights import ERASED  # here: it imports the conversations, which import this

    row = conn.execute(_LOAD_QUESTION, (event.message_id, event.organization_id)).fetchone()
    if row is None or row["recorded"] or not row["organization_active"] or row["content"] == ERASED:
        return None
    key = resolve_api_key(
        organization_encrypted=row["organization_key"], platform_encrypted=row["platform_key"], settings=settings
    )
    embedder = embedder_for(key, settings)
    # As pgvector's text form, so that any connection takes it (whether or not it registered the type).
    embedding = "[" + ",".join(repr(float(v)) for v in _embed_question(embedder, row["content"])) + "]"
    count_embeddings(conn, event.organization_id, tokens=count_tokens(row["content"]))
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('knowledge_gaps'), hashtext(%s))", (str(event.organization_id),)
        )
        params = {"org": event.organization_id, "embedding": embedding, "model": embedder.model}
        nearest = conn.execute(_NEAREST, params, prepare=False).fetchone()
        if nearest is not None and nearest["similarity"] >= grouping_similarity(embedder.model):
            gap_id: UUID = nearest["id"]
        else:
            gap_id = conn.execute(_NEW_GAP, {**params, "at": row["created_at"]}).fetchone()["id"]  # type: ignore[index]
        added = conn.execute(
            _ADD_QUESTION,
            {
                "message": event.message_id,
                "gap": gap_id,
                "org": event.organization_id,
                "language": event.language,
                "reason": event.reason,
                "at": row["created_at"],
            },
        ).rowcount
        if added:
            conn.execute(_TOUCH_GAP, {"gap": gap_id, "at": row["created_at"]})
    return gap_id


def _embed_question(embedder: Embedder, question: str) -> list[float]:
    # Questions are compared with questions: an embedder with a form of its own for them (e5's
    # `query: `) embeds each so, as retrieval embeds the visitor's question.
    embed_query = getattr(embedder, "embed_query", None)
    if embed_query is not None:
        return list(embed_query(question))
    [vector] = embedder.embed([question])
    return list(vector)


@dataclass(frozen=True, slots=True)
class Gap:
    id: UUID
    question: str  # the latest question of the group that was not erased (visitor text: untrusted)
    count: int
    languages: list[str]
    reasons: list[str]
    first_asked_at: datetime
    last_asked_at: datetime
    status: GapStatus
    knowledge_id: UUID | None
    resolved_at: datetime | None


_LIST = """
SELECT g.id, latest.content AS question, agg.count, agg.languages, agg.reasons,
       agg.first_asked_at, agg.last_asked_at, g.status, g.knowledge_id, g.resolved_at
FROM knowledge_gaps g
CROSS JOIN LATERAL (
    SELECT count(*)::int AS count,
           array_remove(array_agg(DISTINCT q.language ORDER BY q.language), NULL) AS languages,
           array_agg(DISTINCT q.reason ORDER BY q.reason) AS reasons,
           min(q.asked_at) AS first_asked_at, max(q.asked_at) AS last_asked_at
    FROM knowledge_gap_questions q WHERE q.gap_id = g.id
) agg
CROSS JOIN LATERAL (
    SELECT m.content FROM knowledge_gap_questions q JOIN messages m ON m.id = q.message_id
    WHERE q.gap_id = g.id AND m.content <> %(erased)s
    ORDER BY q.asked_at DESC LIMIT 1
) latest
WHERE g.organization_id = %(org)s AND g.status = %(status)s AND agg.count > 0
  AND (%(gap)s::uuid IS NULL OR g.id = %(gap)s)
ORDER BY agg.count DESC, agg.last_asked_at DESC, g.id
LIMIT %(limit)s
"""


def list_gaps(conn: Connection, caller: Caller, organization_id: UUID, *, status: GapStatus = "open") -> list[Gap]:
    """Members (admins and agents): the organisation's gaps of this status, the most asked first."""
    caller.require_member(organization_id)
    return _select(conn, organization_id, status=status)


def _select(conn: Connection, organization_id: UUID, *, status: GapStatus, gap_id: UUID | None = None) -> list[Gap]:
    from chatflow.visitor_rights import ERASED  # here: it imports the conversations, which import this

    rows = conn.execute(
        _LIST, {"org": organization_id, "status": status, "gap": gap_id, "limit": LIST_LIMIT, "erased": ERASED}
    ).fetchall()
    return [Gap(**r) for r in rows]


def _set_status(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    gap_id: UUID,
    *,
    status: GapStatus,
    knowledge_id: UUID | None = None,
) -> None:
    caller.require_admin(organization_id)
    updated = conn.execute(
        """UPDATE knowledge_gaps
        SET status = %(status)s, knowledge_id = coalesce(%(knowledge)s, knowledge_id),
            resolved_at = CASE WHEN %(status)s = 'open' THEN NULL ELSE now() END,
            resolved_by = CASE WHEN %(status)s = 'open' THEN NULL ELSE %(user)s END
        WHERE organization_id = %(org)s AND id = %(gap)s""",
        {"status": status, "knowledge": knowledge_id, "user": caller.user_id, "org": organization_id, "gap": gap_id},
    ).rowcount
    if not updated:
        raise KnowledgeGapNotFound()


def dismiss_gap(conn: Connection, caller: Caller, organization_id: UUID, gap_id: UUID) -> None:
    """Admins: off the open list (not worth an entry); it keeps counting, and can be reopened."""
    _set_status(conn, caller, organization_id, gap_id, status="dismissed")


def reopen_gap(conn: Connection, caller: Caller, organization_id: UUID, gap_id: UUID) -> None:
    """Admins: back on the open list."""
    _set_status(conn, caller, organization_id, gap_id, status="open")


def mark_answered(conn: Connection, caller: Caller, organization_id: UUID, gap_id: UUID, knowledge_id: UUID) -> None:
    """Admins, in the transaction that creates the entry answering it: the gap is answered by it."""
    _set_status(conn, caller, organization_id, gap_id, status="answered", knowledge_id=knowledge_id)
