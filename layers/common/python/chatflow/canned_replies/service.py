"""Canned replies: an organisation's saved answers, each with a short code (typed after "/" in the
reply box), a title, and an English and/or a Spanish text; the one in the conversation's language is
inserted, with {{visitor.name}}, {{agent.name}} and {{business.name}} filled in by the dashboard.
Admins manage them; every member reads and searches them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import sql

from chatflow import audit
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection
from chatflow.errors import CannedReplyNotFound, InvalidInput, ShortcutTaken

__all__ = [
    "MAX_CONTENT_CHARS",
    "VARIABLES",
    "CannedReply",
    "create_reply",
    "delete_reply",
    "list_replies",
    "update_reply",
]

MAX_CONTENT_CHARS = 10_000
VARIABLES = ("{{visitor.name}}", "{{agent.name}}", "{{business.name}}")

_COLUMNS = sql.SQL("id, organization_id, shortcut, title, content_en, content_es, updated_at")


def _fold(expression: str) -> sql.Composable:
    # Case- and accent-insensitive, as the inbox's search: "/envio" finds "Envío".
    return sql.SQL("translate(lower({}), 'áéíóúüñ', 'aeiouun')").format(sql.SQL(expression))


_ALL = sql.SQL("SELECT {} FROM canned_replies WHERE organization_id = %s ORDER BY shortcut").format(_COLUMNS)
_SEARCH = sql.SQL("""
SELECT {columns} FROM canned_replies
WHERE organization_id = %(org)s AND (
    shortcut LIKE %(start)s ESCAPE '\\'
    OR {title} LIKE {anywhere} ESCAPE '\\'
    OR {en} LIKE {anywhere} ESCAPE '\\'
    OR {es} LIKE {anywhere} ESCAPE '\\'
)
ORDER BY shortcut NOT LIKE %(start)s ESCAPE '\\', shortcut
LIMIT 20
""").format(
    columns=_COLUMNS,
    title=_fold("title"),
    en=_fold("coalesce(content_en, '')"),
    es=_fold("coalesce(content_es, '')"),
    anywhere=_fold("%(anywhere)s"),
)
_INSERT = sql.SQL(
    "INSERT INTO canned_replies (organization_id, shortcut, title, content_en, content_es) "
    "VALUES (%s, %s, %s, %s, %s) RETURNING {}"
).format(_COLUMNS)
_LOCK = sql.SQL("SELECT {} FROM canned_replies WHERE id = %s AND organization_id = %s FOR UPDATE").format(_COLUMNS)
_UPDATE = sql.SQL(
    "UPDATE canned_replies SET shortcut = %(shortcut)s, title = %(title)s, content_en = %(content_en)s, "
    "content_es = %(content_es)s, updated_at = now() WHERE id = %(id)s RETURNING {}"
).format(_COLUMNS)


@dataclass(frozen=True, slots=True)
class CannedReply:
    id: UUID
    organization_id: UUID
    shortcut: str
    title: str
    content_en: str | None
    content_es: str | None
    updated_at: datetime


def list_replies(conn: Connection, caller: Caller, organization_id: UUID, *, search: str | None) -> list[CannedReply]:
    """By short code; `search` matches the start of the code, or the title or either text anywhere."""
    caller.require_member(organization_id)
    if not search:
        rows = conn.execute(_ALL, (organization_id,)).fetchall()
        return [CannedReply(**row) for row in rows]
    escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        _SEARCH, {"org": organization_id, "start": escaped + "%", "anywhere": "%" + escaped + "%"}
    ).fetchall()
    return [CannedReply(**row) for row in rows]


def _check_texts(content_en: str | None, content_es: str | None) -> None:
    if content_en is None and content_es is None:
        raise InvalidInput("contentEn: give an English or a Spanish text", variant="field", field="contentEn")


def create_reply(
    caller: Caller, organization_id: UUID, *, shortcut: str, title: str, content_en: str | None, content_es: str | None
) -> CannedReply:
    caller.require_admin(organization_id)
    _check_texts(content_en, content_es)
    with scoped_connection(caller) as conn:
        try:
            with conn.transaction():
                row = conn.execute(_INSERT, (organization_id, shortcut, title, content_en, content_es)).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise ShortcutTaken() from exc
        assert row is not None
        audit.record(
            conn, action="canned_reply.created", organization_id=organization_id, actor=caller, target=str(row["id"])
        )
    return CannedReply(**row)


def update_reply(
    caller: Caller,
    organization_id: UUID,
    reply_id: UUID,
    *,
    changes: dict[str, str | None],
) -> CannedReply:
    """`changes`: any of shortcut, title, content_en, content_es (a text may be set to None, while
    the other remains)."""
    caller.require_admin(organization_id)
    with scoped_connection(caller) as conn:
        current = conn.execute(_LOCK, (reply_id, organization_id)).fetchone()
        if current is None:
            raise CannedReplyNotFound()
        merged = {**current, **changes}
        _check_texts(merged["content_en"], merged["content_es"])
        try:
            with conn.transaction():
                row = conn.execute(_UPDATE, merged).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise ShortcutTaken() from exc
        assert row is not None
    return CannedReply(**row)


def delete_reply(caller: Caller, organization_id: UUID, reply_id: UUID) -> None:
    caller.require_admin(organization_id)
    with scoped_connection(caller) as conn:
        if not conn.execute(
            "DELETE FROM canned_replies WHERE id = %s AND organization_id = %s", (reply_id, organization_id)
        ).rowcount:
            raise CannedReplyNotFound()
        audit.record(
            conn, action="canned_reply.deleted", organization_id=organization_id, actor=caller, target=str(reply_id)
        )
