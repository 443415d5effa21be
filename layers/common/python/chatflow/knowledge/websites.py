"""Websites as knowledge sources (issue #17, item 3): a start URL (its same-site links are followed)
or a sitemap (the pages it lists), each page a knowledge entry (source 'page', its URL the source),
up to the plan's page cap for all the organisation's sites, robots.txt respected, synced again
every KNOWLEDGE_SYNC_DAYS and on demand.

Nothing is fetched in a request. Adding a site, its weekly turn and "sync now" each write a
knowledge.website_sync_requested event; the listener sync_websites queues `{"websiteId"}` on the
ingest queue, and the ingest worker (`sync`) reads robots.txt (and the sitemap), then queues each
page (`{"knowledgeId"}`). A page's own run (chatflow.knowledge.service.ingest) fetches it with
every rule of chatflow.knowledge.sources, learns its main text, and, for a start-URL site, queues
the same-site pages it links to that robots.txt allows, while the cap has room. A page the site
no longer has (404/410) or that robots.txt now disallows is forgotten; a sitemap's sync forgets the
pages it no longer lists."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from chatflow.access import Caller
from chatflow.billing.models import PLAN_WEBSITE_PAGE_LIMITS
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound, InvalidUrl, KnowledgeWebsiteNotFound, OrganizationNotFound
from chatflow.knowledge import website_repository as repo
from chatflow.knowledge.crawl import (
    MAX_NESTED_SITEMAPS,
    Robots,
    Site,
    links_of,
    looks_like_sitemap,
    normalise,
    same_site_pages,
    sitemap_urls,
)
from chatflow.knowledge.sources import Gone, SourceError, check_url, fetch
from chatflow.outbox import KnowledgeWebsiteSyncRequested
from chatflow.outbox import repository as outbox_repo
from chatflow.settings import Settings
from chatflow.vocabulary import Plan

__all__ = [
    "MAX_ROBOTS_CHARS",
    "Website",
    "create_website",
    "delete_website",
    "get_website",
    "list_websites",
    "page_cap",
    "queue_due_syncs",
    "request_sync",
    "sync",
    "website_pages_found",
]

_logger = logging.getLogger(__name__)

Website = repo.Website
# Google reads the first 500 KiB of a robots.txt; so do we.
MAX_ROBOTS_CHARS = 500 * 1024


def page_cap(plan: str) -> int:
    """The pages all of an organisation's sites may hold on `plan`."""
    return PLAN_WEBSITE_PAGE_LIMITS.get(cast(Plan, plan), PLAN_WEBSITE_PAGE_LIMITS["starter"])


def list_websites(conn: Connection, caller: Caller, organization_id: UUID) -> list[Website]:
    caller.require_member(organization_id)
    return repo.list_websites(conn, organization_id)


def get_website(conn: Connection, caller: Caller, organization_id: UUID, website_id: UUID) -> Website:
    caller.require_member(organization_id)
    website = repo.get_website(conn, organization_id, website_id)
    if website is None:
        raise KnowledgeWebsiteNotFound()
    return website


def create_website(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    url: str,
    channel_id: UUID | None,
    settings: Settings,
) -> tuple[Website, UUID]:
    """Org admin: a site to crawl, from a start page or a sitemap (a URL ending in .xml or named
    sitemap…). Returns it and its sync event's id, to signal once the transaction has committed.
    The URL is checked as a single page's is (400 invalid_url); nothing is fetched here."""
    caller.require_admin(organization_id)
    start = normalise(url)
    try:
        if start is None:
            raise SourceError("url_invalid")
        check_url(start, settings)
    except SourceError as exc:
        raise exc.refusal(InvalidUrl) from exc
    website = repo.create_website(
        conn,
        organization_id,
        channel_id=channel_id,
        start_url=start,
        mode="sitemap" if looks_like_sitemap(start) else "links",
    )
    if website is None:
        raise OrganizationNotFound() if channel_id is None else ChannelNotFound()
    event = KnowledgeWebsiteSyncRequested(
        organization_id=organization_id, website_id=website.id, requested_by="created"
    )
    outbox_repo.add(conn, [event])
    return website, event.id


def request_sync(conn: Connection, caller: Caller, organization_id: UUID, website_id: UUID) -> tuple[Website, UUID]:
    """Org admin: "sync now". The site shows syncing at once; the worker does the rest."""
    caller.require_admin(organization_id)
    row = conn.execute(
        """UPDATE knowledge_websites SET status = 'syncing', updated_at = now()
        WHERE organization_id = %s AND id = %s RETURNING id""",
        (organization_id, website_id),
    ).fetchone()
    if row is None:
        raise KnowledgeWebsiteNotFound()
    event = KnowledgeWebsiteSyncRequested(
        organization_id=organization_id, website_id=website_id, requested_by="operator"
    )
    outbox_repo.add(conn, [event])
    return get_website(conn, caller, organization_id, website_id), event.id


def delete_website(conn: Connection, caller: Caller, organization_id: UUID, website_id: UUID) -> None:
    """Org admin: the site, its pages and their chunks; the chat stops answering from them at once."""
    caller.require_admin(organization_id)
    if not repo.delete_website(conn, organization_id, website_id):
        raise KnowledgeWebsiteNotFound()


def queue_due_syncs(conn: Connection, settings: Settings) -> list[UUID]:
    """The schedule (functions/knowledge_sync): a sync event for each site whose last sync is
    KNOWLEDGE_SYNC_DAYS old, the site marked syncing in the same transaction (so the next run does
    not ask again). Returns the events' ids, to signal once committed."""
    events: list[KnowledgeWebsiteSyncRequested] = []
    with conn.transaction():
        for website_id, organization_id in repo.due_websites(conn, older_than_days=settings.knowledge_sync_days):
            conn.execute(
                "UPDATE knowledge_websites SET status = 'syncing', updated_at = now() WHERE id = %s", (website_id,)
            )
            events.append(
                KnowledgeWebsiteSyncRequested(
                    organization_id=organization_id, website_id=website_id, requested_by="schedule"
                )
            )
        outbox_repo.add(conn, events)
    return [e.id for e in events]


@dataclass(frozen=True, slots=True)
class _Robots:
    robots: Robots
    stored: str  # what the site's pages read again: the file, or "" for none


def _read_robots(site: Site, settings: Settings) -> _Robots:
    """The site's robots.txt. None there (404/410): everything is allowed. One that cannot be read
    (5xx, unreachable, not text): SourceError robots_unreadable, and nothing is fetched (RFC 9309)."""
    try:
        fetched = fetch(site.robots_url, settings, kinds=("text/",), stay_on=site.contains)
    except Gone:
        return _Robots(Robots(""), "")
    except SourceError as exc:
        raise SourceError("robots_unreadable") from exc
    text = fetched.body.decode(fetched.encoding, errors="replace")[:MAX_ROBOTS_CHARS]
    return _Robots(Robots(text), text)


def _sitemap_pages(start_url: str, site: Site, robots: Robots, settings: Settings, limit: int) -> list[str]:
    """The pages a sitemap (and the sitemaps an index names, at most MAX_NESTED_SITEMAPS, on the
    same site) lists that are the site's and that robots.txt allows, up to `limit`."""
    pages: list[str] = []
    queue, read = [start_url], 0
    while queue and read <= MAX_NESTED_SITEMAPS and len(pages) < limit:
        url = queue.pop(0)
        read += 1
        try:
            fetched = fetch(url, settings, kinds=("xml",), stay_on=site.contains)
        except SourceError as exc:
            if url == start_url:
                raise SourceError("sitemap_unreadable") from exc
            continue  # one nested sitemap that fails leaves the others
        listed, nested = sitemap_urls(fetched.body)
        pages.extend(same_site_pages(listed, site, robots))
        queue.extend(u for u in nested if site.contains(u))
    found = list(dict.fromkeys(pages))[:limit]
    if not found:
        raise SourceError("sitemap_empty")
    return found


def sync(conn: Connection, website_id: UUID, settings: Settings) -> list[UUID]:
    """The ingest worker's first step of a sync: robots.txt, then the pages to fetch (the start page
    and every page already known, or the sitemap's pages), queued as entries within the plan's cap.
    Returns the entries to queue; a site that cannot be crawled fails with its reason."""
    job = repo.load_sync_job(conn, website_id, start=True)
    if job is None:
        return []
    website = job.website
    site = Site(website.start_url)
    cap = page_cap(job.plan)
    try:
        if not job.organization_active:
            raise SourceError("organization_inactive")
        robots = _read_robots(site, settings)
        if website.mode == "sitemap":
            urls = _sitemap_pages(website.start_url, site, robots.robots, settings, cap)
        else:
            if not robots.robots.allows(website.start_url):
                raise SourceError("robots_disallowed")
            known = [
                r["source_url"]
                for r in conn.execute(
                    "SELECT source_url FROM channel_knowledge WHERE website_id = %s ORDER BY created_at", (website_id,)
                ).fetchall()
            ]
            urls = same_site_pages([website.start_url, *known], site, robots.robots)
    except SourceError as exc:
        repo.mark_website_failed(conn, website_id, exc.reason, dict(exc.values))
        _logger.info("website sync failed", extra={"website": str(website_id), "reason": exc.reason})
        return []
    slots, _ = repo.add_pages(conn, website.organization_id, website_id, urls, cap=cap)
    if website.mode == "sitemap":
        repo.pages_not_found_since(conn, website_id, website.sync_generation)
    repo.finish_start(conn, website_id, robots_txt=robots.stored)
    return [slot.id for slot in slots]


def website_pages_found(
    conn: Connection,
    *,
    organization_id: UUID,
    website_id: UUID,
    start_url: str,
    robots_txt: str | None,
    plan: str,
    html: str,
    page_url: str,
) -> list[UUID]:
    """A start-URL site's page was fetched: the same-site pages it links to that robots.txt allows,
    queued as entries while the cap has room. Returns the entries to queue."""
    site = Site(start_url)
    urls = same_site_pages(links_of(html, page_url), site, Robots(robots_txt or ""))
    slots, _ = repo.add_pages(conn, organization_id, website_id, urls, cap=page_cap(plan))
    return [slot.id for slot in slots]
