"""The SQL of the knowledge base. Dashboard functions run on a dashboard connection (row-level
security on) and are scoped by organisation by hand as well; ingestion and retrieval run as the
owner and filter by organisation and channel explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from chatflow.db import Connection

if TYPE_CHECKING:
    from chatflow.knowledge.sources import SourceError

__all__ = [
    "Candidate",
    "Entry",
    "IngestJob",
    "PageSite",
    "StoredChunk",
    "create_entry",
    "delete_entry",
    "get_entry",
    "list_entries",
    "load_ingest_job",
    "mark_failed",
    "mark_unchanged",
    "search",
    "store_chunks",
    "update_entry",
]


@dataclass(frozen=True, slots=True)
class Entry:
    id: UUID
    organization_id: UUID
    channel_id: UUID | None
    title: str
    content: str
    source: str
    source_url: str | None
    file_name: str | None
    status: str
    error: str | None  # English; error_reason and error_values word it in any language (sources.failure_message)
    error_reason: str | None
    error_values: dict[str, Any]
    chunk_count: int
    version: int
    created_at: datetime
    updated_at: datetime
    # The model its chunks were embedded with (None until first embedded).
    embedding_model: str | None = None
    # A website's page (source 'page'): its site (chatflow.knowledge.websites).
    website_id: UUID | None = None


# Named after the entry's fields, so that a row is an Entry's keyword arguments.
_ENTRY_COLUMNS = sql.SQL(", ").join(sql.Identifier(field.name) for field in fields(Entry))


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(**row)


# A website's pages are listed under their site (`website`), not among the other entries: a site may
# hold thousands.
_LIST_ENTRIES = sql.SQL("""
SELECT {columns} FROM channel_knowledge
WHERE organization_id = %(org)s AND (%(channel)s::uuid IS NULL OR channel_id = %(channel)s)
  AND website_id IS NOT DISTINCT FROM %(website)s::uuid
ORDER BY updated_at DESC, id
""").format(columns=_ENTRY_COLUMNS)


def list_entries(
    conn: Connection, organization_id: UUID, *, channel_id: UUID | None = None, website_id: UUID | None = None
) -> list[Entry]:
    rows = conn.execute(
        _LIST_ENTRIES, {"org": organization_id, "channel": channel_id, "website": website_id}
    ).fetchall()
    return [_entry(r) for r in rows]


_GET_ENTRY = sql.SQL("SELECT {columns} FROM channel_knowledge WHERE organization_id = %s AND id = %s").format(
    columns=_ENTRY_COLUMNS
)


def get_entry(conn: Connection, organization_id: UUID, entry_id: UUID) -> Entry | None:
    row = conn.execute(_GET_ENTRY, (organization_id, entry_id)).fetchone()
    return _entry(row) if row is not None else None


_CREATE_ENTRY = sql.SQL("""
INSERT INTO channel_knowledge (organization_id, channel_id, title, content, source, source_url, file_name,
                               source_file)
SELECT %(org)s, %(channel)s, %(title)s, %(content)s, %(source)s, %(url)s, %(file)s, %(source_file)s
WHERE EXISTS (SELECT FROM organizations WHERE id = %(org)s)
  AND (%(channel)s::uuid IS NULL
       OR EXISTS (SELECT FROM channels WHERE id = %(channel)s AND organization_id = %(org)s))
RETURNING {columns}
""").format(columns=_ENTRY_COLUMNS)


def create_entry(
    conn: Connection,
    organization_id: UUID,
    *,
    channel_id: UUID | None,
    title: str,
    content: str,
    source: str,
    source_url: str | None,
    file_name: str | None,
    source_file: bytes | None = None,
) -> Entry | None:
    """None when the organisation does not exist (a super admin may name any) or the channel is not
    one of its. `source_file`: an uploaded PDF, kept for the ingest worker to read."""
    row = conn.execute(
        _CREATE_ENTRY,
        {
            "org": organization_id,
            "channel": channel_id,
            "title": title,
            "content": content,
            "source": source,
            "url": source_url,
            "file": file_name,
            "source_file": source_file,
        },
    ).fetchone()
    return _entry(row) if row is not None else None


_UPDATE_ENTRY = sql.SQL("""
UPDATE channel_knowledge SET
    title = coalesce(%(title)s, title), content = coalesce(%(content)s, content),
    source_url = coalesce(%(url)s, source_url),
    status = 'pending', error = NULL, error_reason = NULL, error_values = jsonb_build_object(),
    version = version + 1,
    updated_at = now()
WHERE organization_id = %(org)s AND id = %(id)s
RETURNING {columns}
""").format(columns=_ENTRY_COLUMNS)


def update_entry(
    conn: Connection,
    organization_id: UUID,
    entry_id: UUID,
    *,
    title: str | None,
    content: str | None,
    source_url: str | None,
) -> Entry | None:
    """Changed fields, a new version and status pending again: the entry is to be re-embedded."""
    row = conn.execute(
        _UPDATE_ENTRY,
        {"org": organization_id, "id": entry_id, "title": title, "content": content, "url": source_url},
    ).fetchone()
    return _entry(row) if row is not None else None


def delete_entry(conn: Connection, organization_id: UUID, entry_id: UUID) -> bool:
    """Its chunks go with it (ON DELETE CASCADE)."""
    return (
        conn.execute(
            "DELETE FROM channel_knowledge WHERE organization_id = %s AND id = %s", (organization_id, entry_id)
        ).rowcount
        > 0
    )


@dataclass(frozen=True, slots=True)
class PageSite:
    """What a website's page run needs of its site: where it starts, whether links are followed, the
    robots.txt its sync read, the organisation's plan (the page cap)."""

    start_url: str
    mode: str
    robots_txt: str | None
    plan: str


@dataclass(frozen=True, slots=True)
class IngestJob:
    entry: Entry
    organization_encrypted_key: str | None
    platform_encrypted_key: str | None
    organization_active: bool = True
    # An uploaded PDF not read yet (the worker reads it, then it is cleared).
    source_file: bytes | None = None
    site: PageSite | None = None


_LOAD_INGEST_JOB = sql.SQL("""
SELECT {columns},
       s.encrypted_api_key AS organization_key,
       (SELECT value FROM platform_settings WHERE key = 'openai_api_key') AS platform_key,
       o.active AS organization_active, o.plan AS organization_plan,
       k.source_file, w.start_url AS site_start_url, w.mode AS site_mode, w.robots_txt AS site_robots_txt
FROM channel_knowledge k LEFT JOIN ai_settings s ON s.organization_id = k.organization_id
JOIN organizations o ON o.id = k.organization_id
LEFT JOIN knowledge_websites w ON w.id = k.website_id
WHERE k.id = %s
""").format(columns=sql.SQL(", ").join(sql.Identifier("k", field.name) for field in fields(Entry)))


def load_ingest_job(conn: Connection, entry_id: UUID) -> IngestJob | None:
    """The entry with the keys its embeddings are made with (and a page's site), in one round trip."""
    row = conn.execute(_LOAD_INGEST_JOB, (entry_id,)).fetchone()
    if row is None:
        return None
    organization_key, platform_key = row.pop("organization_key"), row.pop("platform_key")
    active = bool(row.pop("organization_active"))
    plan = row.pop("organization_plan")
    source_file = row.pop("source_file")
    start_url, mode, robots_txt = row.pop("site_start_url"), row.pop("site_mode"), row.pop("site_robots_txt")
    return IngestJob(
        _entry(row),
        organization_key,
        platform_key,
        organization_active=active,
        source_file=None if source_file is None else bytes(source_file),
        site=PageSite(start_url, mode, robots_txt, plan) if start_url is not None else None,
    )


def mark_unchanged(conn: Connection, entry: Entry) -> bool:
    """A page fetched again with the very text its chunks were made from, by the current model: ready
    again without spending an embedding. False when superseded."""
    return (
        conn.execute(
            """UPDATE channel_knowledge SET status = 'ready', error = NULL, error_reason = NULL,
                   error_values = jsonb_build_object()
            WHERE id = %s AND version = %s""",
            (entry.id, entry.version),
        ).rowcount
        > 0
    )


@dataclass(frozen=True, slots=True)
class StoredChunk:
    content: str
    token_count: int
    search_text: str
    embedding: Sequence[float]


def store_chunks(
    conn: Connection,
    entry: Entry,
    chunks: Sequence[StoredChunk],
    *,
    embedding_model: str,
    content: str | None = None,
    title: str | None = None,
) -> bool:
    """Replace the entry's chunks and mark it ready, if it is still at the version that was embedded
    (an edit in between wins: its own run stores its chunks). False when superseded or deleted."""
    from pgvector import Vector

    with conn.transaction():
        current = conn.execute("SELECT version FROM channel_knowledge WHERE id = %s FOR UPDATE", (entry.id,)).fetchone()
        if current is None or current["version"] != entry.version:
            return False
        conn.execute("DELETE FROM knowledge_chunks WHERE knowledge_id = %s", (entry.id,))
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO knowledge_chunks
                    (knowledge_id, organization_id, channel_id, chunk_index, content, token_count, search_text,
                     embedding, embedding_model)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (
                        entry.id,
                        entry.organization_id,
                        entry.channel_id,
                        i,
                        c.content,
                        c.token_count,
                        c.search_text,
                        Vector(list(c.embedding)),
                        embedding_model,
                    )
                    for i, c in enumerate(chunks)
                ],
            )
        conn.execute(
            """UPDATE channel_knowledge SET status = 'ready', error = NULL, error_reason = NULL,
                   error_values = jsonb_build_object(), chunk_count = %(n)s,
                embedding_model = %(model)s, content = coalesce(%(content)s, content),
                title = coalesce(%(title)s, title), source_file = NULL
            WHERE id = %(id)s""",
            {"n": len(chunks), "model": embedding_model, "content": content, "title": title, "id": entry.id},
        )
    return True


def mark_failed(conn: Connection, entry: Entry, failure: SourceError) -> bool:
    """Failed, with the reason; its chunks are removed so that nothing stale is served."""
    with conn.transaction():
        updated = conn.execute(
            """UPDATE channel_knowledge SET status = 'failed', error = %s, error_reason = %s, error_values = %s,
                   chunk_count = 0, source_file = NULL
            WHERE id = %s AND version = %s""",
            (str(failure)[:500], failure.reason, Jsonb(failure.values), entry.id, entry.version),
        ).rowcount
        if updated:
            conn.execute("DELETE FROM knowledge_chunks WHERE knowledge_id = %s", (entry.id,))
    return updated > 0


@dataclass(frozen=True, slots=True)
class Candidate:
    id: UUID
    knowledge_id: UUID
    title: str
    content: str
    token_count: int
    similarity: float
    vector_rank: int | None
    text_rank: int | None
    # How many of the question's search terms the chunk holds (0 when the full-text arm did not find it).
    terms_matched: int = 0
    source_url: str | None = None


# The full-text arm ranks at most this many matching chunks: a question whose terms match more (common
# words) says little by them, and the vector arm carries it; this bounds the query's cost at scale.
TEXT_SCAN_LIMIT = 300

# The nearest chunks by cosine (`vec`) and the best full-text matches (`fts`), each ranked, fused
# into one list; `scope` is the organisation's and the channel's knowledge (`c` is the chunk).
_SEARCH = sql.SQL("""
WITH vec AS (
    SELECT c.id, row_number() OVER (ORDER BY c.embedding <=> %(embedding)s) AS vector_rank
    FROM (SELECT c.id, c.embedding FROM knowledge_chunks c WHERE {scope}
          ORDER BY c.embedding <=> %(embedding)s LIMIT %(vector_candidates)s) c
), fts AS ({text_arm})
SELECT c.id, c.knowledge_id, k.title, c.content, c.token_count,
       1 - (c.embedding <=> %(embedding)s) AS similarity, r.vector_rank, r.text_rank,
       coalesce(r.terms_matched, 0)::int AS terms_matched, k.source_url
FROM (SELECT coalesce(v.id, f.id) AS id, v.vector_rank, f.text_rank, f.terms_matched
      FROM vec v FULL JOIN fts f ON f.id = v.id) r
JOIN knowledge_chunks c ON c.id = r.id
JOIN channel_knowledge k ON k.id = c.knowledge_id
""")

# Only chunks of the question's model: vectors of two models are not comparable (migration 0103). In
# both arms, so that neither fills its candidates with chunks the other model made.
_SCOPE = sql.SQL(
    "c.organization_id = %(org)s AND (c.channel_id IS NULL OR c.channel_id = %(channel)s)"
    " AND c.embedding_model = %(model)s"
)

# The question's terms OR-ed, parsed with both configurations of migration 0011 (English and Spanish
# stems, the stop words of both dropped), as a chunk's `search_tsv` is made: any one term matching
# is enough, and a chunk that matches more of them ranks higher. ts_rank over 1 + log(length): a
# long chunk does not win by its length, and far fewer ties, which the chunk id used to break at
# random (unnormalised ts_rank or ts_rank_cd varied by ±2 points of full-text hit@1 from one run of
# bench/rag_eval.py to the next; normalised, ts_rank and ts_rank_cd are within a point of each other).
# How many of the terms each chunk holds is counted for the chosen few only (after the LIMIT), each
# term parsed once (`term`, materialised).
_TEXT_ARM = sql.SQL("""
    WITH term AS MATERIALIZED (
        SELECT to_tsquery('chatflow_english', t) || to_tsquery('chatflow_spanish', t) AS q
        FROM unnest(%(terms)s::text[]) t
    )
    SELECT best.id, best.text_rank, (SELECT count(*) FROM term WHERE best.search_tsv @@ term.q) AS terms_matched
    FROM (SELECT m.id, m.search_tsv,
                 row_number() OVER (ORDER BY ts_rank(m.search_tsv, m.q, 1) DESC, m.id) AS text_rank
          FROM (SELECT c.id, c.search_tsv, q
                FROM knowledge_chunks c,
                     (SELECT to_tsquery('chatflow_english', %(tsquery)s)
                             || to_tsquery('chatflow_spanish', %(tsquery)s) AS q) query
                WHERE {scope} AND c.search_tsv @@ q LIMIT %(text_scan_limit)s) m
          ORDER BY text_rank LIMIT %(text_candidates)s) best
""").format(scope=_SCOPE)

_NO_TEXT_ARM = sql.SQL("SELECT NULL::uuid AS id, NULL::bigint AS text_rank, 0::bigint AS terms_matched WHERE false")

_SEARCH_BOTH = _SEARCH.format(scope=_SCOPE, text_arm=_TEXT_ARM)
_SEARCH_VECTOR = _SEARCH.format(scope=_SCOPE, text_arm=_NO_TEXT_ARM)


def search(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID | None,  # None: organisation-wide knowledge only
    embedding: Sequence[float],
    model: str,
    terms: Sequence[str],
    candidates: int,
    use_vector: bool = True,
    use_text: bool = True,
) -> list[Candidate]:
    """One round trip: the nearest chunks by cosine (HNSW; the database sets iterative scans) and the
    best full-text matches of any term (English and Spanish stems; each candidate says how many of
    the terms it holds), within the organisation's and this channel's knowledge.
    use_vector / use_text switch an arm off (for the evaluation only)."""
    from pgvector import Vector

    rows = conn.execute(
        _SEARCH_BOTH if terms and use_text else _SEARCH_VECTOR,
        {
            "org": organization_id,
            "channel": channel_id,
            "embedding": Vector(list(embedding)),
            "model": model,
            # Terms are folded [a-z0-9]+ words, or such words OR-ed ("sabados | saturday", retrieval.search):
            # nothing else in them is tsquery syntax.
            "tsquery": " | ".join(terms),
            "terms": list(terms),
            "vector_candidates": candidates if use_vector else 0,
            "text_candidates": candidates,
            "text_scan_limit": TEXT_SCAN_LIMIT,
        },
        # Planned for these parameters every time: a generic (prepared) plan cannot know how many
        # chunks this tenant has and picks global index scans that cost several times more.
        prepare=False,
    ).fetchall()
    return [Candidate(**r) for r in rows]
