"""Exports: one conversation with its messages, or the conversations an inbox filter shows (up to
MAX_EXPORT_CONVERSATIONS), as CSV or JSON, written as they are read.

Rows come from a server-side cursor (PostgreSQL keeps the result; psycopg fetches EXPORT_BATCH rows at
a time) and leave as text chunks of a generator, so an export's memory stays bounded by a batch,
whatever its length. Cells that a spreadsheet would run as a formula (=, +, -, @, tab, carriage
return at the start) are prefixed with an apostrophe: a visitor's words are untrusted."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from psycopg import sql
from psycopg.rows import dict_row

from chatflow.access import Caller, scoped_connection
from chatflow.errors import ConversationNotFound, ExportTooLarge
from chatflow.inbox.repository import InboxFilter, filter_conditions
from chatflow.transcripts.emails import visitor_email_of

__all__ = [
    "CHUNK_CHARS",
    "CONVERSATION_COLUMNS",
    "EXPORT_BATCH",
    "MAX_EXPORT_CONVERSATIONS",
    "MESSAGE_COLUMNS",
    "ExportFormat",
    "check_conversation_export",
    "check_inbox_export",
    "conversation_export",
    "inbox_export",
]

MAX_EXPORT_CONVERSATIONS = 10_000
# Rows fetched from the server at a time, and the text sent at a time: what an export holds in memory.
EXPORT_BATCH = 50
CHUNK_CHARS = 64 * 1024

ExportFormat = Literal["csv", "json"]

CONVERSATION_COLUMNS = (
    "id",
    "channel",
    "status",
    "responderMode",
    "language",
    "startedAt",
    "lastMessageAt",
    "closedAt",
    "assignedTo",
    "handoffSource",
    "handoffReason",
    "visitorId",
    "visitorName",
    "visitorEmail",
    "messageCount",
    "firstMessage",
    "rating",
    "ratingScale",
    "ratingComment",
    "ratedAfter",
    "pageUrl",
)
MESSAGE_COLUMNS = ("conversationId", "id", "createdAt", "role", "author", "content")

_INBOX = sql.SQL("""
SELECT c.id, ch.name AS channel, c.status, c.responder_mode, c.language, c.created_at, c.last_message_at,
       c.closed_at, au.name AS assigned_to, c.handoff_source, c.handoff_reason, c.visitor_id, c.visitor_metadata,
       (SELECT count(*) FROM messages n WHERE n.conversation_id = c.id) AS message_count,
       (SELECT m.content FROM messages m WHERE m.conversation_id = c.id AND m.role = 'visitor'
        ORDER BY m.seq LIMIT 1) AS first_message,
       c.rating, c.rating_scale, c.rating_comment, c.rated_responder, c.page_url
FROM conversations c
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users au ON au.id = c.assigned_user_id
WHERE {conditions}
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT %(export_limit)s
""")

_COUNT = sql.SQL("SELECT count(*) AS n FROM (SELECT 1 FROM conversations c WHERE {conditions} LIMIT %(cap)s) x")

_ONE = """
SELECT c.id FROM conversations c
WHERE c.id = %(id)s AND (%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[]))
"""

_MESSAGES = """
SELECT m.conversation_id, m.id, m.created_at, m.role, u.name AS author, m.content
FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
WHERE m.conversation_id = %s
ORDER BY m.seq
"""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _visitor_name(meta: dict[str, Any]) -> str | None:
    identity = meta.get("identity") or {}
    name = identity.get("name") if identity.get("verified") is True else None
    value = name or (meta.get("profile") or {}).get("name")
    return value if isinstance(value, str) else None


def _conversation_record(row: dict[str, Any]) -> dict[str, Any]:
    meta = row["visitor_metadata"] or {}
    return {
        "id": str(row["id"]),
        "channel": row["channel"],
        "status": row["status"],
        "responderMode": row["responder_mode"],
        "language": row["language"],
        "startedAt": _iso(row["created_at"]),
        "lastMessageAt": _iso(row["last_message_at"]),
        "closedAt": _iso(row["closed_at"]),
        "assignedTo": row["assigned_to"],
        "handoffSource": row["handoff_source"],
        "handoffReason": row["handoff_reason"],
        "visitorId": str(row["visitor_id"]),
        "visitorName": _visitor_name(meta),
        "visitorEmail": visitor_email_of(meta),
        "messageCount": row["message_count"],
        "firstMessage": row["first_message"],
        "rating": row["rating"],
        "ratingScale": row["rating_scale"],
        "ratingComment": row["rating_comment"],
        "ratedAfter": row["rated_responder"],
        "pageUrl": row["page_url"],
    }


def _message_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "conversationId": str(row["conversation_id"]),
        "id": str(row["id"]),
        "createdAt": _iso(row["created_at"]),
        "role": row["role"],
        "author": row["author"],
        "content": row["content"],
    }


def check_inbox_export(caller: Caller, filters: InboxFilter) -> int:
    """How many conversations the export will hold; ExportTooLarge past MAX_EXPORT_CONVERSATIONS.
    Asked before the answer starts, so that a refusal is a 400 and not a cut file."""
    if filters.organization_id is not None:
        caller.require_member(filters.organization_id)
    conditions, params = filter_conditions(scope=caller.scope, filters=filters)
    with scoped_connection(caller) as conn:
        row = conn.execute(_COUNT.format(conditions=conditions), {**params, "cap": MAX_EXPORT_CONVERSATIONS + 1})
        found = row.fetchone()
    count = int(found["n"]) if found else 0
    if count > MAX_EXPORT_CONVERSATIONS:
        raise ExportTooLarge(MAX_EXPORT_CONVERSATIONS)
    return count


def check_conversation_export(caller: Caller, conversation_id: UUID) -> None:
    """ConversationNotFound for another organisation's, as for a missing one."""
    with scoped_connection(caller) as conn:
        if conn.execute(_ONE, {"id": conversation_id, "scope": caller.scope}).fetchone() is None:
            raise ConversationNotFound()


def _inbox_records(caller: Caller, filters: InboxFilter) -> Iterator[dict[str, Any]]:
    conditions, params = filter_conditions(scope=caller.scope, filters=filters)
    with scoped_connection(caller) as conn, conn.cursor(name="inbox_export", row_factory=dict_row) as cursor:
        cursor.itersize = EXPORT_BATCH
        cursor.execute(_INBOX.format(conditions=conditions), {**params, "export_limit": MAX_EXPORT_CONVERSATIONS})
        for row in cursor:
            yield _conversation_record(row)


def _message_records(caller: Caller, conversation_id: UUID) -> Iterator[dict[str, Any]]:
    with scoped_connection(caller) as conn, conn.cursor(name="conversation_export", row_factory=dict_row) as cursor:
        cursor.itersize = EXPORT_BATCH
        cursor.execute(_MESSAGES, (conversation_id,))
        for row in cursor:
            yield _message_record(row)


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


class _Lines:
    """What csv.writer writes to: its lines kept until CHUNK_CHARS of them are ready to go."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts, self.size = [], 0
        return text


def _csv_chunks(columns: tuple[str, ...], records: Iterable[dict[str, Any]]) -> Iterator[str]:
    lines = _Lines()
    writer = csv.writer(lines)
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[c]) for c in columns])
        if lines.size >= CHUNK_CHARS:
            yield lines.take()
    yield lines.take()


def _json_chunks(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    parts: list[str] = ["["]
    size = 1
    for index, record in enumerate(records):
        text = ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
        parts.append(text)
        size += len(text)
        if size >= CHUNK_CHARS:
            yield "".join(parts)
            parts, size = [], 0
    parts.append("\n]\n")
    yield "".join(parts)


def inbox_export(caller: Caller, filters: InboxFilter, export_format: ExportFormat) -> Iterator[str]:
    """The conversations an inbox filter shows, newest activity first: one row each (CSV) or one
    object each in an array (JSON). Call check_inbox_export first."""
    records = _inbox_records(caller, filters)
    return _csv_chunks(CONVERSATION_COLUMNS, records) if export_format == "csv" else _json_chunks(records)


def conversation_export(caller: Caller, conversation_id: UUID, export_format: ExportFormat) -> Iterator[str]:
    """One conversation's messages, oldest first, system notices included (the record is whole); an
    operator's private notes are not messages and are not in it. Call check_conversation_export first."""
    records = _message_records(caller, conversation_id)
    return _csv_chunks(MESSAGE_COLUMNS, records) if export_format == "csv" else _json_chunks(records)
