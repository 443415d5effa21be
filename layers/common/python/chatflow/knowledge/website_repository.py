"""The SQL of website sources (chatflow.knowledge.websites): the sites, and their pages as knowledge
entries (source 'page'). Dashboard functions run on a dashboard connection (row-level security on)
and are scoped by organisation by hand as well; the worker's run as the owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from chatflow.db import Connection

__all__ = [
    "PageSlot",
    "SyncJob",
    "Website",
    "add_pages",
    "create_website",
    "delete_website",
    "due_websites",
    "finish_start",
    "forget_page",
    "get_website",
    "list_websites",
    "load_sync_job",
    "mark_website_failed",
    "pages_not_found_since",
]


@dataclass(frozen=True, slots=True)
class Website:
    id: UUID
    organization_id: UUID
    channel_id: UUID | None
    start_url: str
    mode: str
    status: str
    error_reason: str | None
    error_values: dict[str, Any]
    sync_generation: int
    page_cap_reached: bool
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime
    pages: int = 0
    pages_ready: int = 0
    pages_pending: int = 0
    pages_failed: int = 0


_COLUMNS = sql.SQL(", ").join(sql.Identifier("w", f.name) for f in fields(Website) if not f.name.startswith("pages"))
# The site's columns, its pages counted by status, and `{more}` (joins, a WHERE).
_SELECT = """
SELECT {columns}, p.pages, p.pages_ready, p.pages_pending, p.pages_failed FROM knowledge_websites w
LEFT JOIN LATERAL (
    SELECT count(*) AS pages, count(*) FILTER (WHERE k.status = 'ready') AS pages_ready,
           count(*) FILTER (WHERE k.status IN ('pending', 'reembedding')) AS pages_pending,
           count(*) FILTER (WHERE k.status = 'failed') AS pages_failed
    FROM channel_knowledge k WHERE k.website_id = w.id
) p ON true
"""


def _website(row: dict[str, Any]) -> Website:
    return Website(**row)


_LIST = sql.SQL(_SELECT + "WHERE w.organization_id = %s ORDER BY w.created_at DESC, w.id").format(columns=_COLUMNS)


def list_websites(conn: Connection, organization_id: UUID) -> list[Website]:
    return [_website(r) for r in conn.execute(_LIST, (organization_id,)).fetchall()]


_GET = sql.SQL(_SELECT + "WHERE w.organization_id = %s AND w.id = %s").format(columns=_COLUMNS)


def get_website(conn: Connection, organization_id: UUID, website_id: UUID) -> Website | None:
    row = conn.execute(_GET, (organization_id, website_id)).fetchone()
    return _website(row) if row is not None else None


_CREATE = sql.SQL("""
INSERT INTO knowledge_websites (organization_id, channel_id, start_url, mode)
SELECT %(org)s, %(channel)s, %(url)s, %(mode)s
WHERE EXISTS (SELECT FROM organizations WHERE id = %(org)s)
  AND (%(channel)s::uuid IS NULL
       OR EXISTS (SELECT FROM channels WHERE id = %(channel)s AND organization_id = %(org)s))
RETURNING {columns}
""").format(
    columns=sql.SQL(", ").join(sql.Identifier(f.name) for f in fields(Website) if not f.name.startswith("pages"))
)


def create_website(
    conn: Connection, organization_id: UUID, *, channel_id: UUID | None, start_url: str, mode: str
) -> Website | None:
    """None when the organisation does not exist or the channel is not one of its."""
    row = conn.execute(
        _CREATE, {"org": organization_id, "channel": channel_id, "url": start_url, "mode": mode}
    ).fetchone()
    return _website(row) if row is not None else None


def delete_website(conn: Connection, organization_id: UUID, website_id: UUID) -> bool:
    """Its pages and their chunks go with it (ON DELETE CASCADE)."""
    return (
        conn.execute(
            "DELETE FROM knowledge_websites WHERE organization_id = %s AND id = %s", (organization_id, website_id)
        ).rowcount
        > 0
    )


def due_websites(conn: Connection, *, older_than_days: float, limit: int = 500) -> list[tuple[UUID, UUID]]:
    """(website, organisation) of the active organisations' sites last synced (or failed) longer ago
    than `older_than_days`, and not syncing now; or asked to sync a day ago and never started (its
    message lost past the queue's retries), so that no site stays syncing for ever."""
    rows = conn.execute(
        """SELECT w.id, w.organization_id FROM knowledge_websites w
        JOIN organizations o ON o.id = w.organization_id AND o.active
        WHERE (w.status IN ('ready', 'failed')
               AND coalesce(w.last_synced_at, w.created_at) < now() - make_interval(secs => %s))
           OR (w.status IN ('pending', 'syncing') AND w.updated_at < now() - interval '1 day')
        ORDER BY w.last_synced_at NULLS FIRST LIMIT %s""",
        (older_than_days * 86400, limit),
    ).fetchall()
    return [(r["id"], r["organization_id"]) for r in rows]


@dataclass(frozen=True, slots=True)
class SyncJob:
    website: Website
    plan: str
    organization_active: bool
    robots_txt: str | None


_LOAD_SYNC_JOB = sql.SQL(
    _SELECT.replace("{columns}", "{columns}, o.plan, o.active, w.robots_txt")
    + "JOIN organizations o ON o.id = w.organization_id WHERE w.id = %s"
).format(columns=_COLUMNS)


def load_sync_job(conn: Connection, website_id: UUID, *, start: bool) -> SyncJob | None:
    """The site, its organisation's plan and the robots.txt its sync read. `start`: a new sync
    begins (its generation bumped, its status syncing, the page cap's flag cleared), in this call."""
    if start:
        conn.execute(
            """UPDATE knowledge_websites SET sync_generation = sync_generation + 1, status = 'syncing',
                   error_reason = NULL, error_values = '{}', page_cap_reached = false, updated_at = now()
            WHERE id = %s""",
            (website_id,),
        )
    row = conn.execute(_LOAD_SYNC_JOB, (website_id,)).fetchone()
    if row is None:
        return None
    plan, active, robots_txt = row.pop("plan"), bool(row.pop("active")), row.pop("robots_txt")
    return SyncJob(_website(row), plan, active, robots_txt)


def finish_start(conn: Connection, website_id: UUID, *, robots_txt: str | None) -> None:
    """The sync's first step is done (robots.txt read, the first pages queued): the pages do the rest."""
    conn.execute(
        """UPDATE knowledge_websites SET status = 'ready', robots_txt = %s, last_synced_at = now(), updated_at = now()
        WHERE id = %s""",
        (robots_txt, website_id),
    )


def mark_website_failed(conn: Connection, website_id: UUID, reason: str, values: dict[str, Any]) -> None:
    conn.execute(
        """UPDATE knowledge_websites SET status = 'failed', error_reason = %s, error_values = %s,
               last_synced_at = now(), updated_at = now()
        WHERE id = %s""",
        (reason, Jsonb(values), website_id),
    )


@dataclass(frozen=True, slots=True)
class PageSlot:
    """A page queued for this sync: new, or known and to be fetched again."""

    id: UUID
    url: str


# Under a lock per organisation (taken first: concurrent page runs count its pages against the
# plan's cap): pages already known are queued again (pending, a new version) when this sync has not
# queued them yet; new ones are added while the organisation's pages stay within `cap`.
_ADD_PAGES = """
WITH website AS (
    SELECT w.id, w.organization_id, w.channel_id, w.sync_generation FROM knowledge_websites w
    WHERE w.id = %(website)s
),
wanted AS (SELECT url, ord FROM unnest(%(urls)s::text[]) WITH ORDINALITY AS u(url, ord)),
known AS (
    UPDATE channel_knowledge k SET status = 'pending', version = k.version + 1, error = NULL, error_reason = NULL,
           error_values = '{}', sync_generation = website.sync_generation, updated_at = now()
    FROM website, wanted
    WHERE k.website_id = website.id AND k.source_url = wanted.url
      AND k.sync_generation IS DISTINCT FROM website.sync_generation
    RETURNING k.id, k.source_url
),
room AS (
    SELECT greatest(%(cap)s - (SELECT count(*) FROM channel_knowledge c, website
                               WHERE c.organization_id = website.organization_id AND c.website_id IS NOT NULL), 0) AS n
),
fresh AS (
    SELECT wanted.url, wanted.ord FROM wanted, website
    WHERE NOT EXISTS (SELECT FROM channel_knowledge k WHERE k.website_id = website.id AND k.source_url = wanted.url)
    ORDER BY wanted.ord
),
added AS (
    INSERT INTO channel_knowledge (organization_id, channel_id, title, content, source, source_url, website_id,
                                   sync_generation)
    SELECT website.organization_id, website.channel_id, left(fresh.url, 200), '', 'page', fresh.url, website.id,
           website.sync_generation
    FROM fresh, website
    ORDER BY fresh.ord LIMIT (SELECT n FROM room)
    ON CONFLICT DO NOTHING
    RETURNING id, source_url
)
SELECT id, source_url, false AS capped FROM known
UNION ALL SELECT id, source_url, false FROM added
UNION ALL SELECT NULL, NULL, true WHERE (SELECT count(*) FROM fresh) > (SELECT n FROM room)
"""


def add_pages(
    conn: Connection, organization_id: UUID, website_id: UUID, urls: Sequence[str], *, cap: int
) -> tuple[list[PageSlot], bool]:
    """The pages of `urls` to fetch in this sync, and whether the cap left some out (then the site
    says so)."""
    if not urls:
        return [], False
    with conn.transaction():
        # Its own statement, before the count: the count's snapshot then sees every page added before.
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 1703))", (str(organization_id),))
        rows = conn.execute(_ADD_PAGES, {"website": website_id, "urls": list(urls), "cap": cap}).fetchall()
        capped = any(r["capped"] for r in rows)
        if capped:
            conn.execute("UPDATE knowledge_websites SET page_cap_reached = true WHERE id = %s", (website_id,))
    return [PageSlot(r["id"], r["source_url"]) for r in rows if r["id"] is not None], capped


def pages_not_found_since(conn: Connection, website_id: UUID, generation: int) -> int:
    """A sitemap's sync: the pages it no longer lists are forgotten, with their chunks."""
    return conn.execute(
        "DELETE FROM channel_knowledge WHERE website_id = %s AND sync_generation IS DISTINCT FROM %s",
        (website_id, generation),
    ).rowcount


def forget_page(conn: Connection, entry_id: UUID, version: int) -> bool:
    """A page the site no longer has (404/410), or that robots.txt now disallows: gone, with its chunks."""
    return (
        conn.execute(
            "DELETE FROM channel_knowledge WHERE id = %s AND version = %s AND website_id IS NOT NULL",
            (entry_id, version),
        ).rowcount
        > 0
    )
