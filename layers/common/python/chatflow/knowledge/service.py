"""The knowledge base's operations: entries for the dashboard (its members read an organisation's,
its admins write them), ingestion for functions/ingest, retrieval for the chat."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from chatflow.access import Caller
from chatflow.ai_settings import ResolvedKey, resolve_api_key
from chatflow.billing.repository import count_embeddings
from chatflow.db import Connection
from chatflow.errors import (
    ChannelNotFound,
    FileTooLarge,
    InvalidFile,
    InvalidInput,
    InvalidUrl,
    KnowledgeNotFound,
    OrganizationNotFound,
)
from chatflow.knowledge import gaps, websites
from chatflow.knowledge import repository as repo
from chatflow.knowledge import website_repository as site_repo
from chatflow.knowledge.chunking import chunk_text, count_tokens
from chatflow.knowledge.crawl import Robots, Site
from chatflow.knowledge.embeddings import EmbeddingError, embedder_for
from chatflow.knowledge.folding import fold
from chatflow.knowledge.retrieval import Passage, retrieve
from chatflow.knowledge.sources import (
    Gone,
    Page,
    SourceError,
    check_url,
    extract_file_text,
    fetch,
    fetch_url_text,
    file_type_of,
    looks_like_pdf,
    page_of,
    within_text_cap,
)
from chatflow.settings import Settings

__all__ = [
    "EntryInput",
    "IngestOutcome",
    "create_entry",
    "delete_entry",
    "enqueue",
    "enqueue_many",
    "get_entry",
    "ingest",
    "ingest_message",
    "list_entries",
    "passages_for",
    "update_entry",
]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EntryInput:
    """What the dashboard sends: exactly one of content, file (base64 + name) or url."""

    title: str | None
    channel_id: UUID | None = None
    content: str | None = None
    file_base64: str | None = None
    file_name: str | None = None
    url: str | None = None
    # The knowledge gap this entry answers (chatflow.knowledge.gaps): marked answered with it.
    gap_id: UUID | None = None


def list_entries(
    conn: Connection, caller: Caller, organization_id: UUID, *, channel_id: UUID | None, website_id: UUID | None = None
) -> list[repo.Entry]:
    """The entries other than websites' pages; with `website_id`, that site's pages."""
    caller.require_member(organization_id)
    return repo.list_entries(conn, organization_id, channel_id=channel_id, website_id=website_id)


def get_entry(conn: Connection, caller: Caller, organization_id: UUID, entry_id: UUID) -> repo.Entry:
    caller.require_member(organization_id)
    return _get(conn, organization_id, entry_id)


def _get(conn: Connection, organization_id: UUID, entry_id: UUID) -> repo.Entry:
    entry = repo.get_entry(conn, organization_id, entry_id)
    if entry is None:
        raise KnowledgeNotFound()
    return entry


def _decoded_file(data: str, file_name: str, settings: Settings) -> tuple[str, bytes | None]:
    """(text, None) of a text or Markdown file, decoded now; ("", the file) of a PDF, which the ingest
    worker reads with its time budget (a PDF can cost seconds to parse: never in a request)."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidFile("fileBase64 is not valid base64.") from exc
    if len(raw) > settings.knowledge_max_file_bytes:
        raise FileTooLarge()
    try:
        if file_type_of(file_name) == "pdf":
            if not looks_like_pdf(raw):
                raise SourceError("pdf_unreadable")
            return "", raw
        # A text file's text is as bounded as a typed entry's: refused at once, with the reason.
        text = within_text_cap(extract_file_text(raw, file_name, max_bytes=settings.knowledge_max_file_bytes))
    except SourceError as exc:
        raise exc.refusal(InvalidFile) from exc
    if not text.strip():
        raise SourceError("no_text").refusal(InvalidFile)
    return text.replace("\x00", ""), None


def create_entry(
    conn: Connection, caller: Caller, organization_id: UUID, data: EntryInput, settings: Settings
) -> repo.Entry:
    """Org admin: a new entry, stored pending; the caller enqueues it once the transaction commits."""
    caller.require_admin(organization_id)
    source_file: bytes | None = None
    if data.file_base64 is not None:
        file_name = data.file_name or ""
        (content, source_file), source, url = _decoded_file(data.file_base64, file_name, settings), "file", None
        title = data.title or file_name
    elif data.url is not None:
        try:
            check_url(data.url, settings)
        except SourceError as exc:
            raise exc.refusal(InvalidUrl) from exc
        content, source, url, file_name, title = "", "url", data.url, None, data.title or data.url
    else:
        content, source, url, file_name, title = data.content or "", "text", None, None, data.title or ""
    entry = repo.create_entry(
        conn,
        organization_id,
        channel_id=data.channel_id,
        title=title[:200],
        content=content,
        source=source,
        source_url=url,
        file_name=file_name if source == "file" else None,
        source_file=source_file,
    )
    if entry is None:
        if data.channel_id is None:
            raise OrganizationNotFound()
        raise ChannelNotFound()
    if data.gap_id is not None:
        # In the entry's transaction: a gap of another organisation (404) saves no entry either.
        gaps.mark_answered(conn, caller, organization_id, data.gap_id, entry.id)
    return entry


def update_entry(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    entry_id: UUID,
    *,
    title: str | None,
    content: str | None,
    url: str | None,
    settings: Settings,
) -> repo.Entry:
    """Org admin: any change re-embeds the entry (the caller enqueues it). Content is for text
    entries, url for web pages; a file is replaced by deleting its entry and uploading again."""
    caller.require_admin(organization_id)
    current = _get(conn, organization_id, entry_id)
    if current.source == "page" and (content is not None or url is not None):
        raise InvalidInput("A website's page comes from its site: sync the website instead.")
    if content is not None and current.source == "url":
        raise InvalidInput("A web page's content comes from its URL: change the url.")
    if url is not None:
        if current.source != "url":
            raise InvalidInput("Only a web page entry has a url.")
        try:
            check_url(url, settings)
        except SourceError as exc:
            raise exc.refusal(InvalidUrl) from exc
    entry = repo.update_entry(conn, organization_id, entry_id, title=title, content=content, source_url=url)
    if entry is None:
        raise KnowledgeNotFound()
    return entry


def delete_entry(conn: Connection, caller: Caller, organization_id: UUID, entry_id: UUID) -> None:
    """Org admin: the entry and its chunks."""
    caller.require_admin(organization_id)
    if not repo.delete_entry(conn, organization_id, entry_id):
        raise KnowledgeNotFound()


def enqueue_many(entry_ids: Sequence[UUID], settings: Settings, *, key: str = "knowledgeId") -> int:
    """Send each id to the ingestion queue (ten a request); how many were sent (0 without a queue)."""
    if not entry_ids:
        return 0
    if not settings.ingest_queue_url:
        _logger.warning("no INGEST_QUEUE_URL: %s knowledge messages not queued", len(entry_ids))
        return 0
    from chatflow import aws

    sqs = aws.client("sqs", settings.aws_region)
    sent = 0
    for start in range(0, len(entry_ids), 10):
        batch = entry_ids[start : start + 10]
        response = sqs.send_message_batch(
            QueueUrl=settings.ingest_queue_url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps({key: str(entry_id)})} for i, entry_id in enumerate(batch)
            ],
        )
        if response.get("Failed"):
            raise RuntimeError(f"the ingest queue refused {len(response['Failed'])} messages")
        sent += len(batch)
    return sent


def enqueue(entry_id: UUID, settings: Settings) -> bool:
    """Send the entry's id to the ingestion queue; False when no queue is configured."""
    if not settings.ingest_queue_url:
        _logger.warning("no INGEST_QUEUE_URL: the knowledge entry stays pending", extra={"entry": str(entry_id)})
        return False
    from chatflow import aws

    aws.client("sqs", settings.aws_region).send_message(
        QueueUrl=settings.ingest_queue_url, MessageBody=json.dumps({"knowledgeId": str(entry_id)})
    )
    return True


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    status: str  # ready / unchanged / failed / superseded / missing / forgotten / skipped
    chunk_count: int = 0
    error: str | None = None
    # Entries this run found to ingest next (a website's pages), queued once its writes committed.
    queued: tuple[UUID, ...] = ()


def _has_key(job: repo.IngestJob, settings: Settings) -> ResolvedKey:
    return resolve_api_key(
        organization_encrypted=job.organization_encrypted_key,
        platform_encrypted=job.platform_encrypted_key,
        settings=settings,
    )


def ingest(conn: Connection, entry_id: UUID, settings: Settings, *, last_attempt: bool = False) -> IngestOutcome:
    """Fetch (web pages, a website's pages), chunk, embed and store an entry. A source that cannot
    give text fails the entry at once, with the reason; an embedding failure raises EmbeddingError so
    that the queue retries, and fails the entry on the last attempt. An entry re-embedded for a new
    model (`reembedding`) is embedded again from its stored text, never fetched again; one already
    ready with the current model is left as it is (a message delivered twice spends nothing twice)."""
    job = repo.load_ingest_job(conn, entry_id)
    if job is None:
        return IngestOutcome("missing")
    entry = job.entry
    if not job.organization_active:  # no fetch, no embedding: an inactive organisation spends nothing
        failure = SourceError("organization_inactive")
        return IngestOutcome("failed" if repo.mark_failed(conn, entry, failure) else "superseded", error=str(failure))
    key = _has_key(job, settings)
    embedder = embedder_for(key, settings)
    if entry.status == "ready" and entry.embedding_model == embedder.model:
        return IngestOutcome("skipped", entry.chunk_count)
    title, content = entry.title, entry.content
    queued: tuple[UUID, ...] = ()
    try:
        if entry.status == "reembedding":
            pass  # the text it was embedded from, as stored: a new model changes nothing of the source
        elif job.source_file is not None:  # an uploaded PDF, read here with the worker's time budget
            content = extract_file_text(
                job.source_file,
                entry.file_name or "file.pdf",
                max_bytes=settings.knowledge_max_file_bytes,
                pdf_seconds=settings.knowledge_pdf_seconds,
            ).replace("\x00", "")
        elif entry.source == "page" and entry.source_url and job.site is not None:
            fetched_page = _fetch_site_page(conn, entry, job.site, settings)
            if fetched_page is None:
                forgotten = site_repo.forget_page(conn, entry.id, entry.version)
                return IngestOutcome("forgotten" if forgotten else "superseded")
            page, queued = fetched_page
            content = page.text.replace("\x00", "")
            if page.title:
                title = page.title[:200]
            if content == entry.content and entry.chunk_count and entry.embedding_model == embedder.model:
                unchanged = repo.mark_unchanged(conn, entry)
                return IngestOutcome("unchanged" if unchanged else "superseded", entry.chunk_count, queued=queued)
        elif entry.source == "url" and entry.source_url:
            content, page_title = fetch_url_text(entry.source_url, settings)
            content = content.replace("\x00", "")
            if page_title and title == entry.source_url:
                title = page_title[:200]
        # Whatever the source gave (a PDF read here, a page fetched here), no more than a typed entry.
        content = within_text_cap(content)
        chunks = chunk_text(
            f"{title}\n\n{content}",
            max_tokens=settings.knowledge_chunk_tokens,
            overlap_tokens=min(settings.knowledge_chunk_overlap_tokens, settings.knowledge_chunk_tokens // 2),
        )
        if not chunks:
            raise SourceError("no_text")
    except SourceError as exc:
        failed = repo.mark_failed(conn, entry, exc)
        return IngestOutcome("failed" if failed else "superseded", error=str(exc), queued=queued)
    # Each chunk is embedded with its entry's title, so that a chunk deep in a document keeps its subject.
    texts = [c.content if c.index == 0 else f"{title}\n{c.content}" for c in chunks]
    try:
        vectors = embedder.embed(texts)
    except EmbeddingError as exc:
        if last_attempt:
            # The provider's own words stay in the log: an operator reads why in their language.
            _logger.warning(
                "embeddings failed on the last attempt", extra={"knowledge_id": str(entry.id), "reason": str(exc)}
            )
            failure = SourceError("embeddings_failed")
            repo.mark_failed(conn, entry, failure)
            return IngestOutcome("failed", error=str(failure), queued=queued)
        raise
    # Spent whether or not an edit supersedes this run: counted in the month's usage (cl100k_base, the
    # tokenizer of OpenAI's embedding models, counts what they bill).
    count_embeddings(conn, entry.organization_id, tokens=sum(count_tokens(t) for t in texts))
    fetched = entry.source in ("url", "page") or job.source_file is not None
    stored = repo.store_chunks(
        conn,
        entry,
        [
            repo.StoredChunk(c.content, c.token_count, fold(f"{title}\n{c.content}"), v)
            for c, v in zip(chunks, vectors, strict=True)
        ],
        embedding_model=embedder.model,
        content=content if fetched and entry.status != "reembedding" else None,
        title=title if title != entry.title else None,
    )
    return IngestOutcome("ready", len(chunks), queued=queued) if stored else IngestOutcome("superseded", queued=queued)


def _fetch_site_page(
    conn: Connection, entry: repo.Entry, site: repo.PageSite, settings: Settings
) -> tuple[Page, tuple[UUID, ...]] | None:
    """A website's page, fetched with every rule of a single page's fetch and kept to its site, and
    (a start-URL site) the pages it links to, queued. None when the page is to be forgotten: robots.txt
    now disallows it, or the site answers 404/410 for it."""
    assert entry.source_url is not None
    assert entry.website_id is not None
    same_site = Site(site.start_url)
    if not Robots(site.robots_txt or "").allows(entry.source_url):
        return None
    try:
        fetched = fetch(entry.source_url, settings, stay_on=same_site.contains)
    except Gone:
        return None
    page = page_of(fetched, settings)
    queued: tuple[UUID, ...] = ()
    if site.mode == "links" and page.html is not None:
        queued = tuple(
            websites.website_pages_found(
                conn,
                organization_id=entry.organization_id,
                website_id=entry.website_id,
                start_url=site.start_url,
                robots_txt=site.robots_txt,
                plan=site.plan,
                html=page.html,
                page_url=fetched.url,
            )
        )
    return page, queued


def passages_for(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID | None,  # None: organisation-wide knowledge only
    question: str,
    key: ResolvedKey,
    settings: Settings,
) -> list[Passage] | None:
    """What the chat answers from, with the key the chat resolved; None when retrieval could not run
    (the embedding provider is down): the AI then answers from its instructions alone."""
    try:
        return retrieve(
            conn,
            organization_id=organization_id,
            channel_id=channel_id,
            question=question,
            embedder=embedder_for(key, settings),
            top_k=settings.knowledge_top_k,
            token_budget=settings.knowledge_token_budget,  # the floor: the model's (embedder_for)
        )
    except EmbeddingError as exc:
        _logger.warning("knowledge retrieval skipped: %s", exc)
        return None


def ingest_message(body: str, *, receive_count: int, settings: Settings) -> IngestOutcome:
    """One queue message: `{"knowledgeId": "…"}` (an entry to ingest) or `{"websiteId": "…"}` (a
    website to sync: its pages are queued). Malformed messages are dropped (retrying cannot fix
    them); an embedding failure raises for the queue to retry, up to settings.ingest_max_attempts.
    What a run finds to ingest next is queued once its writes have committed."""
    from chatflow.db import connection

    try:
        message = json.loads(body)
        entry_id = UUID(message["knowledgeId"]) if "knowledgeId" in message else None
        website_id = UUID(message["websiteId"]) if entry_id is None else None
        if entry_id is None and website_id is None:
            raise KeyError("knowledgeId")
    except (ValueError, KeyError, TypeError):
        _logger.error("malformed ingestion message dropped")
        return IngestOutcome("missing")
    with connection() as conn:
        if website_id is not None:
            pages = websites.sync(conn, website_id, settings)
            outcome = IngestOutcome("synced", len(pages), queued=tuple(pages))
        else:
            assert entry_id is not None
            outcome = ingest(conn, entry_id, settings, last_attempt=receive_count >= settings.ingest_max_attempts)
    enqueue_many(outcome.queued, settings)
    return outcome
