"""The knowledge base's operations: entries for the dashboard (its members read an organisation's,
its admins write them), ingestion for functions/ingest, retrieval for the chat."""

from __future__ import annotations

import base64
import binascii
import json
import logging
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
from chatflow.knowledge import gaps
from chatflow.knowledge import repository as repo
from chatflow.knowledge.chunking import chunk_text, count_tokens
from chatflow.knowledge.embeddings import EmbeddingError, embedder_for
from chatflow.knowledge.folding import fold
from chatflow.knowledge.retrieval import Passage, retrieve
from chatflow.knowledge.sources import (
    SourceError,
    check_url,
    extract_file_text,
    fetch_url_text,
    file_type_of,
    looks_like_pdf,
    within_text_cap,
)
from chatflow.settings import Settings

__all__ = [
    "EntryInput",
    "IngestOutcome",
    "create_entry",
    "delete_entry",
    "enqueue",
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
    conn: Connection, caller: Caller, organization_id: UUID, *, channel_id: UUID | None
) -> list[repo.Entry]:
    caller.require_member(organization_id)
    return repo.list_entries(conn, organization_id, channel_id=channel_id)


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
    status: str  # ready / failed / superseded / missing
    chunk_count: int = 0
    error: str | None = None


def ingest(conn: Connection, entry_id: UUID, settings: Settings, *, last_attempt: bool = False) -> IngestOutcome:
    """Fetch (web pages), chunk, embed and store an entry. A source that cannot give text fails the
    entry at once, with the reason; an embedding failure raises EmbeddingError so that the queue
    retries, and fails the entry on the last attempt."""
    job = repo.load_ingest_job(conn, entry_id)
    if job is None:
        return IngestOutcome("missing")
    entry = job.entry
    if not job.organization_active:  # no fetch, no embedding: an inactive organisation spends nothing
        failure = SourceError("organization_inactive")
        return IngestOutcome("failed" if repo.mark_failed(conn, entry, failure) else "superseded", error=str(failure))
    title, content = entry.title, entry.content
    try:
        if job.source_file is not None:  # an uploaded PDF, read here with the worker's time budget
            content = extract_file_text(
                job.source_file,
                entry.file_name or "file.pdf",
                max_bytes=settings.knowledge_max_file_bytes,
                pdf_seconds=settings.knowledge_pdf_seconds,
            ).replace("\x00", "")
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
        return IngestOutcome("failed" if repo.mark_failed(conn, entry, exc) else "superseded", error=str(exc))
    key = resolve_api_key(
        organization_encrypted=job.organization_encrypted_key,
        platform_encrypted=job.platform_encrypted_key,
        settings=settings,
    )
    embedder = embedder_for(key, settings)
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
            return IngestOutcome("failed", error=str(failure))
        raise
    # Spent whether or not an edit supersedes this run: counted in the month's usage (cl100k_base, the
    # tokenizer of OpenAI's embedding models, counts what they bill).
    count_embeddings(conn, entry.organization_id, tokens=sum(count_tokens(t) for t in texts))
    stored = repo.store_chunks(
        conn,
        entry,
        [
            repo.StoredChunk(c.content, c.token_count, fold(f"{title}\n{c.content}"), v)
            for c, v in zip(chunks, vectors, strict=True)
        ],
        embedding_model=embedder.model,
        content=content if entry.source == "url" or job.source_file is not None else None,
        title=title if title != entry.title else None,
    )
    return IngestOutcome("ready", len(chunks)) if stored else IngestOutcome("superseded")


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
            token_budget=settings.knowledge_token_budget,
            floor=settings.knowledge_similarity_floor,
        )
    except EmbeddingError as exc:
        _logger.warning("knowledge retrieval skipped: %s", exc)
        return None


def ingest_message(body: str, *, receive_count: int, settings: Settings) -> IngestOutcome:
    """One queue message `{"knowledgeId": "…"}`. Malformed messages are dropped (retrying cannot fix
    them); an embedding failure raises for the queue to retry, up to settings.ingest_max_attempts."""
    from chatflow.db import connection

    try:
        entry_id = UUID(json.loads(body)["knowledgeId"])
    except (ValueError, KeyError, TypeError):
        _logger.error("malformed ingestion message dropped")
        return IngestOutcome("missing")
    with connection() as conn:
        return ingest(conn, entry_id, settings, last_attempt=receive_count >= settings.ingest_max_attempts)
