"""The SQL of the inbox. Every query runs on a dashboard connection (row-level security on) and is
also scoped by hand to the caller's organisations: `scope` is their ids, or None for a super admin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.attachments.models import AttachmentRef
from chatflow.attachments.repository import ref_from_row
from chatflow.billing import COUNT_USAGE_SQL
from chatflow.db import Connection
from chatflow.meta.window import ReplyWindow

__all__ = [
    "AgentMessageResult",
    "Contact",
    "ConversationDetail",
    "ConversationSummary",
    "Delivery",
    "InboxFilter",
    "InboxMessage",
    "KnowledgeSource",
    "LabelRef",
    "LastMessage",
    "LockedConversation",
    "Rating",
    "UserRef",
    "ViewCounts",
    "assign",
    "close",
    "count_views",
    "filter_conditions",
    "insert_agent_message",
    "is_member",
    "list_conversations",
    "load_changed",
    "load_detail",
    "lock_conversation",
    "release",
    "reopen",
    "take_over",
]

LAST_MESSAGE_CHARS = 200


@dataclass(frozen=True, slots=True)
class UserRef:
    id: str
    name: str
    avatar_key: str | None = None  # their photo (chatflow.media)


@dataclass(frozen=True, slots=True)
class LabelRef:
    id: UUID
    name: str
    color: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A WhatsApp or Messenger customer: their wa_id (a phone number) or page-scoped id, and the
    profile name Meta gave (None on Messenger, whose webhooks carry no name)."""

    id: str
    name: str | None
    phone: str | None  # WhatsApp: the wa_id as an international number, +13055550123


@dataclass(frozen=True, slots=True)
class Delivery:
    """How our message to WhatsApp or Messenger fared: pending, sent, delivered, read or failed, and
    why it failed (window_closed, refused, no_answer, token) with Meta's own code and words."""

    status: str
    failure_reason: str | None
    error_code: int | None
    error_message: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LastMessage:
    role: str
    content: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Rating:
    value: int  # 1-5; thumbs are 5 (up) and 1 (down)
    scale: str  # five / thumbs
    comment: str | None
    responder: str | None  # who gave the last answer before it: ai / agent
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: UUID
    organization_id: UUID
    channel_id: UUID
    channel_name: str
    status: str
    responder_mode: str
    language: str
    page_url: str | None
    visitor_id: UUID
    last_message: LastMessage | None
    message_count: int
    created_at: datetime
    last_message_at: datetime
    assigned_user: UserRef | None
    # The last message that is not a system notice ("I'm connecting you…" says nothing of the visitor).
    preview: LastMessage | None = None
    handed_off_at: datetime | None = None  # first passed to a person: how long it has waited
    handoff_source: str | None = None  # keyword / ai / button / agent
    handoff_reason: str | None = None  # the AI's reason, one word
    handoff_summary: str | None = None  # the AI's one line for the agent
    labels: tuple[LabelRef, ...] = ()
    agent_read_at: datetime | None = None  # an operator last opened it
    visitor_read_at: datetime | None = None  # the visitor's widget last showed its last message
    channel_type: str = "website"  # website, whatsapp, messenger
    contact: Contact | None = None  # WhatsApp and Messenger customers
    rating: Rating | None = None  # the visitor's satisfaction rating, once closed (chatflow.satisfaction)

    @property
    def needs_human(self) -> bool:
        """Handed to a person and nobody has answered yet."""
        return self.status == "pending" and self.responder_mode == "human"


@dataclass(frozen=True, slots=True)
class KnowledgeSource:
    """A knowledge chunk an AI message answered from (chunks replaced by a later edit are gone)."""

    id: UUID
    knowledge_id: UUID
    title: str
    excerpt: str
    # Where a web page's or a website's page came from (its URL is its source).
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class InboxMessage:
    id: UUID
    role: str
    content: str
    created_at: datetime
    author: UserRef | None  # agent messages
    model: str | None  # AI messages
    tokens_used: int | None  # AI messages
    knowledge_sources: tuple[KnowledgeSource, ...] = ()  # AI messages
    delivery: Delivery | None = None  # our messages on WhatsApp and Messenger
    template: str | None = None  # an agent's message sent as this WhatsApp template (name · language)
    attachment: AttachmentRef | None = None  # a file sent in this message (chatflow.attachments)


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    summary: ConversationSummary
    visitor_metadata: dict[str, Any]
    handed_off_at: datetime | None
    closed_at: datetime | None
    messages: list[InboxMessage]
    reply_window: ReplyWindow | None = None  # WhatsApp and Messenger: Meta's window for free text


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """Every field narrows the list; None (or empty) leaves it out."""

    organization_id: UUID | None = None
    channel_id: UUID | None = None
    visitor_id: UUID | None = None  # one visitor's conversations (an identified user's, from every device)
    statuses: tuple[str, ...] = ()
    responder_mode: str | None = None
    language: str | None = None
    text: str | None = None
    active_from: datetime | None = None  # last activity at or after
    active_before: datetime | None = None  # last activity strictly before
    assignee_id: str | None = None  # held by this member, not closed (the view "Mine")
    unassigned: bool = False  # held by nobody, not closed
    waiting: bool = False  # handed to a person and nobody has answered yet
    label_id: UUID | None = None  # wearing this label
    channel_type: str | None = None  # website, whatsapp or messenger


# Case- and accent-insensitive text: lower-cased, then the Latin accents of English and Spanish text
# (and their neighbours) folded, so "Cafe" finds "café" and "NIÑO" finds "nino". Both sides of the
# comparison go through it; the LIKE wildcards and the escape character are untouched by it.
_ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçýÿ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuncyy"


def _folded(expression: sql.Composable) -> sql.Composed:
    return sql.SQL("translate(lower({}), {}, {})").format(expression, sql.Literal(_ACCENTED), sql.Literal(_PLAIN))


# A conversation as the inbox lists it (`c`): the list, the detail and the live updates share these.
_SUMMARY_COLUMNS = sql.SQL("""
    c.id, c.organization_id, c.channel_id, ch.name AS channel_name, c.status, c.responder_mode, c.language,
    c.page_url, c.visitor_id, c.created_at, c.last_message_at,
    c.assigned_user_id, au.name AS assigned_user_name,
    last.role AS last_role, left(last.content, {last_message_chars}) AS last_content,
    last.created_at AS last_created_at,
    (SELECT count(*) FROM messages n WHERE n.conversation_id = c.id) AS message_count,
    said.role AS said_role, left(said.content, {last_message_chars}) AS said_content,
    said.created_at AS said_created_at,
    c.handed_off_at, c.handoff_source, c.handoff_reason, c.handoff_summary, c.agent_read_at, c.visitor_read_at,
    ch.type AS channel_type, c.visitor_metadata ->> 'contactId' AS contact_id,
    c.visitor_metadata ->> 'contactName' AS contact_name,
    c.rating, c.rating_scale, c.rating_comment, c.rated_responder, c.rated_at,
    (SELECT coalesce(json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color)
                              ORDER BY lower(l.name)), '[]')
     FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id WHERE cl.conversation_id = c.id) AS labels
""").format(last_message_chars=sql.Literal(LAST_MESSAGE_CHARS))

_SUMMARY_JOINS = sql.SQL("""
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users au ON au.id = c.assigned_user_id
LEFT JOIN LATERAL (
    SELECT m.role, m.content, m.created_at FROM messages m
    WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1
) last ON true
LEFT JOIN LATERAL (
    SELECT m.role, m.content, m.created_at FROM messages m
    WHERE m.conversation_id = c.id AND m.role <> 'system' ORDER BY m.seq DESC LIMIT 1
) said ON true
""")

# A sub-select, not EXISTS: the planner keeps it per row, so the scan walks conversations newest
# first and stops at the page's end (a frequent word: a few rows read). EXISTS becomes a semi-join
# that folds every message of the organisation first, whatever the page needs.
_HAS_TEXT = sql.SQL("""(
    SELECT true FROM messages s
    WHERE s.conversation_id = c.id
      AND lower(s.content) LIKE %(rough_pattern)s ESCAPE '\\' AND {content} LIKE {pattern} ESCAPE '\\'
    LIMIT 1
) IS NOT NULL""").format(content=_folded(sql.SQL("s.content")), pattern=_folded(sql.Placeholder("pattern")))

_VISITOR_TEXT = sql.SQL(
    "concat_ws(' ', c.visitor_metadata->'profile'->>'name', c.visitor_metadata->'profile'->>'email', "
    "c.visitor_metadata->'identity'->>'name', c.visitor_metadata->'identity'->>'email', "
    "c.visitor_metadata->>'contactEmail')"
)
_VISITOR_MATCHES = sql.SQL("{} LIKE {} ESCAPE '\\'").format(_folded(_VISITOR_TEXT), _folded(sql.Placeholder("pattern")))

# One fixed fragment per filter; a request's query is the fragments of the filters it sets, so each
# combination is its own plan (a catch-all `x IS NULL OR …` would make one poor generic plan).
_CONDITIONS: dict[str, sql.Composable] = {
    "scope": sql.SQL("c.organization_id = ANY(%(scope)s::uuid[])"),
    "organization_id": sql.SQL("c.organization_id = %(organization_id)s"),
    "channel_id": sql.SQL("c.channel_id = %(channel_id)s"),
    "visitor_id": sql.SQL("c.visitor_id = %(visitor_id)s"),
    "statuses": sql.SQL("c.status = ANY(%(statuses)s::text[])"),
    "responder_mode": sql.SQL("c.responder_mode = %(responder_mode)s"),
    "language": sql.SQL("c.language = %(language)s"),
    "active_from": sql.SQL("c.last_message_at >= %(active_from)s"),
    "active_before": sql.SQL("c.last_message_at < %(active_before)s"),
    "assignee_id": sql.SQL("c.assigned_user_id = %(assignee_id)s AND c.status <> 'closed'"),
    "unassigned": sql.SQL("c.assigned_user_id IS NULL AND c.status <> 'closed'"),
    "waiting": sql.SQL("c.status = 'pending' AND c.responder_mode = 'human'"),
    "channel_type": sql.SQL("c.channel_id IN (SELECT t.id FROM channels t WHERE t.type = %(channel_type)s)"),
    "label_id": sql.SQL(
        "EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = c.id AND cl.label_id = %(label_id)s)"
    ),
    # Words of any message, or of the visitor's name or email (as they left them, or as verified).
    "pattern": sql.SQL("({} OR {})").format(_HAS_TEXT, _VISITOR_MATCHES),
    # Keyset pagination, newest activity first: strictly after the last row of the previous page.
    "cursor_at": sql.SQL("(c.last_message_at, c.id) < (%(cursor_at)s, %(cursor_id)s)"),
}

# The page's ids first, then what is shown of them: the last message and the counts are read for
# the page's rows only, not for every row that matches.
_LIST = sql.SQL("""
WITH page AS (
    SELECT c.id FROM conversations c
    WHERE {conditions}
    ORDER BY c.last_message_at DESC, c.id DESC
    LIMIT %(limit)s
)
SELECT {columns} FROM page JOIN conversations c ON c.id = page.id {joins}
ORDER BY c.last_message_at DESC, c.id DESC
""")


def _like_pattern(text: str) -> str:
    """`text` anywhere, its LIKE wildcards (and the escape character itself) taken literally."""
    return "%" + "".join(_literal(ch) for ch in text) + "%"


def _literal(ch: str) -> str:
    return "\\" + ch if ch in "\\%_" else ch


# The letters the fold turns accented ones into.
_FOLD_TARGETS = frozenset(_PLAIN)


def _rough_pattern(text: str) -> str:
    """A condition every folded match also meets, ten times cheaper to test (translate() is slow):
    `lower(content) LIKE` this, where each letter the fold may have produced, and anything not
    ASCII, matches any one character. The folded comparison then runs on the few rows that pass."""
    return (
        "%"
        + "".join("_" if not ch.isascii() or ch.lower() in _FOLD_TARGETS else _literal(ch.lower()) for ch in text)
        + "%"
    )


def list_conversations(
    conn: Connection,
    *,
    scope: list[UUID] | None,
    filters: InboxFilter,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[ConversationSummary]:
    """Up to `limit` conversations, newest activity first, after the (last_message_at, id) of the
    previous page's last row."""
    conditions, params = filter_conditions(scope=scope, filters=filters, after=after)
    params["limit"] = limit
    query = _LIST.format(conditions=conditions, columns=_SUMMARY_COLUMNS, joins=_SUMMARY_JOINS)
    return [_summary(row) for row in conn.execute(query, params).fetchall()]


def filter_conditions(
    *, scope: list[UUID] | None, filters: InboxFilter, after: tuple[datetime, UUID] | None = None
) -> tuple[sql.Composable, dict[str, Any]]:
    """The WHERE clause over `conversations c` of an inbox filter, and its parameters: the list's, and
    the export's (chatflow.transcripts.export), so that an export holds exactly what the inbox shows."""
    if filters.organization_id is None and scope is not None and len(scope) == 1:
        # The same rows; but an equality lets the planner walk conversations_org_activity_idx in
        # order and stop at the page's end, where `= ANY(array)` reads every row and sorts them.
        filters = replace(filters, organization_id=scope[0])
    params: dict[str, Any] = {
        "scope": scope,
        "organization_id": filters.organization_id,
        "channel_id": filters.channel_id,
        "visitor_id": filters.visitor_id,
        "statuses": list(filters.statuses) or None,
        "responder_mode": filters.responder_mode,
        "language": filters.language,
        "active_from": filters.active_from,
        "active_before": filters.active_before,
        "assignee_id": filters.assignee_id,
        "unassigned": True if filters.unassigned else None,
        "waiting": True if filters.waiting else None,
        "label_id": filters.label_id,
        "channel_type": filters.channel_type,
        "pattern": _like_pattern(filters.text) if filters.text else None,
        "rough_pattern": _rough_pattern(filters.text) if filters.text else None,
        "cursor_at": after[0] if after else None,
        "cursor_id": after[1] if after else None,
    }
    conditions = [fragment for name, fragment in _CONDITIONS.items() if params[name] is not None]
    return (sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")), params


def _summary(row: dict[str, Any]) -> ConversationSummary:
    return ConversationSummary(
        id=row["id"],
        organization_id=row["organization_id"],
        channel_id=row["channel_id"],
        channel_name=row["channel_name"],
        status=row["status"],
        responder_mode=row["responder_mode"],
        language=row["language"],
        page_url=row["page_url"],
        visitor_id=row["visitor_id"],
        last_message=(
            LastMessage(role=row["last_role"], content=row["last_content"], created_at=row["last_created_at"])
            if row["last_role"] is not None
            else None
        ),
        message_count=row["message_count"],
        created_at=row["created_at"],
        last_message_at=row["last_message_at"],
        assigned_user=(
            UserRef(id=row["assigned_user_id"], name=row["assigned_user_name"] or "")
            if row["assigned_user_id"] is not None
            else None
        ),
        preview=(
            LastMessage(role=row["said_role"], content=row["said_content"], created_at=row["said_created_at"])
            if row["said_role"] is not None
            else None
        ),
        handed_off_at=row["handed_off_at"],
        handoff_source=row["handoff_source"],
        handoff_reason=row["handoff_reason"],
        handoff_summary=row["handoff_summary"],
        labels=tuple(LabelRef(UUID(x["id"]), x["name"], x["color"]) for x in row["labels"]),
        agent_read_at=row["agent_read_at"],
        visitor_read_at=row["visitor_read_at"],
        channel_type=row["channel_type"],
        contact=_contact(row),
        rating=(
            Rating(
                value=row["rating"],
                scale=row["rating_scale"],
                comment=row["rating_comment"],
                responder=row["rated_responder"],
                rated_at=row["rated_at"],
            )
            if row["rating"] is not None
            else None
        ),
    )


def _contact(row: dict[str, Any]) -> Contact | None:
    if row["channel_type"] not in ("whatsapp", "messenger") or not row["contact_id"]:
        return None
    phone = "+" + row["contact_id"] if row["channel_type"] == "whatsapp" and row["contact_id"].isdigit() else None
    return Contact(id=row["contact_id"], name=row["contact_name"], phone=phone)


_IN_SCOPE = sql.SQL("(%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[]))")

_DETAIL = sql.SQL("""
SELECT {columns}, c.visitor_metadata, c.handed_off_at, c.closed_at FROM conversations c {joins}
WHERE c.id = %(conversation_id)s AND {in_scope}
""").format(columns=_SUMMARY_COLUMNS, joins=_SUMMARY_JOINS, in_scope=_IN_SCOPE)

_MESSAGE_ROWS = sql.SQL("""
SELECT m.id, m.role, m.content, m.created_at, m.author_user_id, a.name AS author_name,
       a.avatar_key AS author_avatar_key, m.model, m.tokens_used,
       src.sources, d.status AS delivery_status, d.failure_reason, d.error_code AS delivery_error_code,
       d.error_message AS delivery_error_message, d.updated_at AS delivery_updated_at,
       t.name AS template_name, t.language AS template_language, to_jsonb(att) AS attachment
FROM messages m
LEFT JOIN users a ON a.id = m.author_user_id
LEFT JOIN attachments att ON att.message_id = m.id AND att.status = 'ready'
LEFT JOIN meta_deliveries d ON d.message_id = m.id
LEFT JOIN meta_template_messages t ON t.message_id = m.id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('id', kc.id, 'knowledge_id', kc.knowledge_id, 'title', k.title,
                                      'excerpt', left(kc.content, 300), 'source_url', k.source_url)
                    ORDER BY array_position(m.knowledge_chunk_ids, kc.id)) AS sources
    FROM knowledge_chunks kc JOIN channel_knowledge k ON k.id = kc.knowledge_id
    WHERE kc.id = ANY (m.knowledge_chunk_ids)
) src ON m.knowledge_chunk_ids IS NOT NULL
WHERE m.conversation_id = %(conversation_id)s
""")
_MESSAGES = _MESSAGE_ROWS + sql.SQL("ORDER BY m.seq")
_SOME_MESSAGES = _MESSAGE_ROWS + sql.SQL("AND m.id = ANY(%(message_ids)s::uuid[]) ORDER BY m.seq")

# Unscoped: for the live updates, which decide who may see a row when they send it.
_SUMMARY = sql.SQL("SELECT {columns} FROM conversations c {joins} WHERE c.id = %(conversation_id)s").format(
    columns=_SUMMARY_COLUMNS, joins=_SUMMARY_JOINS
)


def load_detail(conn: Connection, *, scope: list[UUID] | None, conversation_id: UUID) -> ConversationDetail | None:
    """The conversation with every message, oldest first; None when it is missing or not the caller's."""
    row = conn.execute(_DETAIL, {"scope": scope, "conversation_id": conversation_id}).fetchone()
    if row is None:
        return None
    messages = conn.execute(_MESSAGES, {"conversation_id": conversation_id}).fetchall()
    return ConversationDetail(
        summary=_summary(row),
        visitor_metadata=row["visitor_metadata"],
        handed_off_at=row["handed_off_at"],
        closed_at=row["closed_at"],
        messages=[_message(m) for m in messages],
    )


def load_changed(
    conn: Connection, *, conversation_id: UUID, message_ids: Sequence[UUID]
) -> tuple[ConversationSummary, list[InboxMessage]] | None:
    """A conversation as the inbox lists it and these of its messages, oldest first, whoever may
    see them (live updates check that when they send); None when the conversation is gone."""
    row = conn.execute(_SUMMARY, {"conversation_id": conversation_id}).fetchone()
    if row is None:
        return None
    messages = (
        conn.execute(_SOME_MESSAGES, {"conversation_id": conversation_id, "message_ids": list(message_ids)}).fetchall()
        if message_ids
        else []
    )
    return _summary(row), [_message(m) for m in messages]


def _message(row: dict[str, Any]) -> InboxMessage:
    is_ai = row["role"] == "ai"
    return InboxMessage(
        id=row["id"],
        role=row["role"],
        content=row["content"],
        created_at=row["created_at"],
        author=(
            UserRef(id=row["author_user_id"], name=row["author_name"] or "", avatar_key=row.get("author_avatar_key"))
            if row["role"] == "agent" and row["author_user_id"] is not None
            else None
        ),
        model=row["model"] if is_ai else None,
        tokens_used=row["tokens_used"] if is_ai else None,
        knowledge_sources=tuple(
            KnowledgeSource(UUID(s["id"]), UUID(s["knowledge_id"]), s["title"], s["excerpt"], s.get("source_url"))
            for s in (row.get("sources") or [])
        ),
        delivery=(
            Delivery(
                status=row["delivery_status"],
                failure_reason=row["failure_reason"],
                error_code=row["delivery_error_code"],
                error_message=row["delivery_error_message"],
                updated_at=row["delivery_updated_at"],
            )
            if row.get("delivery_status")
            else None
        ),
        template=f"{row['template_name']} · {row['template_language']}" if row.get("template_name") else None,
        attachment=ref_from_row(row.get("attachment")),
    )


@dataclass(frozen=True, slots=True)
class LockedConversation:
    id: UUID
    organization_id: UUID
    status: str
    responder_mode: str
    language: str
    assigned_user_id: str | None


_LOCK = sql.SQL("""
SELECT c.id, c.organization_id, c.status, c.responder_mode, c.language, c.assigned_user_id
FROM conversations c WHERE c.id = %(conversation_id)s AND {in_scope}
FOR NO KEY UPDATE
""").format(in_scope=_IN_SCOPE)


def lock_conversation(
    conn: Connection, *, scope: list[UUID] | None, conversation_id: UUID
) -> LockedConversation | None:
    """The conversation's state, locked until the transaction ends so that two operators' actions
    on it apply one after the other; None when it is missing or not the caller's."""
    row = conn.execute(_LOCK, {"scope": scope, "conversation_id": conversation_id}).fetchone()
    return LockedConversation(**row) if row is not None else None


_INSERT_AGENT_MESSAGE = sql.SQL("""
WITH target AS (
    SELECT c.id, c.organization_id, c.status FROM conversations c
    WHERE c.id = %(conversation_id)s AND {in_scope}
), msg AS (
    INSERT INTO messages (conversation_id, organization_id, role, content, author_user_id)
    SELECT target.id, target.organization_id, 'agent', %(content)s, %(author_id)s
    FROM target WHERE target.status <> 'closed'
    RETURNING id, conversation_id, organization_id, role, content, created_at, author_user_id
), conv AS (
    UPDATE conversations c SET
        responder_mode = 'human',
        status = CASE WHEN c.status = 'pending' THEN 'open' ELSE c.status END,
        assigned_user_id = coalesce(c.assigned_user_id, msg.author_user_id),
        last_message_at = msg.created_at
    FROM msg WHERE c.id = msg.conversation_id
    RETURNING c.id
), counted AS (
    SELECT organization_id, 0 AS conversations, 1 AS messages, 0 AS ai_messages, 0 AS tokens FROM msg
), usage AS ({count_usage})
SELECT target.status AS conversation_status, target.organization_id, msg.id, msg.role, msg.content, msg.created_at,
       msg.author_user_id,
       u.name AS author_name, u.avatar_key AS author_avatar_key, NULL::text AS model, 0 AS tokens_used
FROM target
LEFT JOIN msg ON true
LEFT JOIN conv ON true
LEFT JOIN users u ON u.id = msg.author_user_id
""").format(in_scope=_IN_SCOPE, count_usage=COUNT_USAGE_SQL)


@dataclass(frozen=True, slots=True)
class AgentMessageResult:
    found: bool
    closed: bool
    message: InboxMessage | None
    organization_id: UUID | None = None


def insert_agent_message(
    conn: Connection, *, scope: list[UUID] | None, conversation_id: UUID, author_id: str, content: str
) -> AgentMessageResult:
    """An agent's message, in one statement with what it does to the conversation (a person answers
    from now on; a waiting conversation is answered; the author is assigned if nobody was) and the
    message it adds to the month's usage. Nothing is written to a closed conversation.

    One statement and no lock taken before it: the widget's own writes lock the conversation and
    the organisation's usage row, in one order or the other, so a transaction holding one of them
    while it waits for the other could deadlock with them."""
    row = conn.execute(
        _INSERT_AGENT_MESSAGE,
        {"scope": scope, "conversation_id": conversation_id, "author_id": author_id, "content": content},
    ).fetchone()
    if row is None:
        return AgentMessageResult(found=False, closed=False, message=None)
    if row["id"] is None:
        return AgentMessageResult(found=True, closed=row["conversation_status"] == "closed", message=None)
    return AgentMessageResult(found=True, closed=False, message=_message(row), organization_id=row["organization_id"])


_TAKE_OVER = """
WITH conv AS (
    UPDATE conversations SET responder_mode = 'human', status = 'open', assigned_user_id = %(user_id)s,
           handed_off_at = coalesce(handed_off_at, now()), last_message_at = now()
    WHERE id = %(conversation_id)s
    RETURNING id, organization_id
)
INSERT INTO messages (conversation_id, organization_id, role, content)
SELECT id, organization_id, 'system', %(notice)s FROM conv
RETURNING id
"""


def take_over(conn: Connection, *, conversation_id: UUID, user_id: str, notice: str) -> UUID:
    """A person answers from now on, this one; the visitor reads `notice` (its id is returned).
    System notices are ours, not conversation traffic: they are not counted in usage."""
    row = conn.execute(
        _TAKE_OVER, {"conversation_id": conversation_id, "user_id": user_id, "notice": notice}
    ).fetchone()
    assert row is not None  # the caller holds the conversation's lock
    notice_id: UUID = row["id"]
    return notice_id


_RELEASE = """
WITH conv AS (
    UPDATE conversations SET responder_mode = 'ai', status = 'open', assigned_user_id = NULL,
           last_message_at = now()
    WHERE id = %(conversation_id)s
    RETURNING id, organization_id
)
INSERT INTO messages (conversation_id, organization_id, role, content)
SELECT id, organization_id, 'system', %(notice)s FROM conv
RETURNING id
"""


def release(conn: Connection, *, conversation_id: UUID, notice: str) -> UUID:
    """The AI answers again; the visitor reads `notice` (its id is returned)."""
    row = conn.execute(_RELEASE, {"conversation_id": conversation_id, "notice": notice}).fetchone()
    assert row is not None  # the caller holds the conversation's lock
    notice_id: UUID = row["id"]
    return notice_id


def close(conn: Connection, *, conversation_id: UUID) -> bool:
    """True when it was not closed yet."""
    return (
        conn.execute(
            "UPDATE conversations SET status = 'closed', closed_at = now() WHERE id = %s AND status <> 'closed'",
            (conversation_id,),
        ).rowcount
        == 1
    )


def reopen(conn: Connection, *, conversation_id: UUID) -> bool:
    """Open again, with its last activity now: the scheduled cleanup closes conversations idle for
    two hours, and a conversation an operator just reopened is not idle. True when it was closed."""
    return (
        conn.execute(
            "UPDATE conversations SET status = 'open', closed_at = NULL, last_message_at = now() "
            "WHERE id = %s AND status = 'closed'",
            (conversation_id,),
        ).rowcount
        == 1
    )


@dataclass(frozen=True, slots=True)
class ViewCounts:
    """How many conversations each inbox view holds now (closed ones in none of them)."""

    mine: int
    unassigned: int
    waiting: int
    all: int


# One pass over the organisations' conversations that are not closed (conversations_stale_idx
# and the scope keep it to the live ones).
_COUNT_VIEWS = sql.SQL("""
SELECT count(*) FILTER (WHERE c.assigned_user_id = %(user_id)s) AS mine,
       count(*) FILTER (WHERE c.assigned_user_id IS NULL) AS unassigned,
       count(*) FILTER (WHERE c.status = 'pending' AND c.responder_mode = 'human') AS waiting,
       count(*) AS all
FROM conversations c
WHERE c.status <> 'closed' AND {in_scope}
  AND (%(organization_id)s::uuid IS NULL OR c.organization_id = %(organization_id)s)
""").format(in_scope=_IN_SCOPE)


def count_views(
    conn: Connection, *, scope: list[UUID] | None, user_id: str, organization_id: UUID | None
) -> ViewCounts:
    row = conn.execute(
        _COUNT_VIEWS, {"scope": scope, "user_id": user_id, "organization_id": organization_id}
    ).fetchone()
    assert row is not None
    return ViewCounts(mine=row["mine"], unassigned=row["unassigned"], waiting=row["waiting"], all=row["all"])


def is_member(conn: Connection, *, organization_id: UUID, user_id: str) -> bool:
    """An agent or admin of the organisation, with an active account: someone a conversation may be assigned to."""
    row = conn.execute(
        "SELECT 1 FROM organization_members m JOIN users u ON u.id = m.user_id "
        "WHERE m.organization_id = %s AND m.user_id = %s AND u.active",
        (organization_id, user_id),
    ).fetchone()
    return row is not None


def assign(conn: Connection, *, conversation_id: UUID, user_id: str | None) -> None:
    """Held by this member from now on (None: by nobody); the caller holds the conversation's lock."""
    conn.execute("UPDATE conversations SET assigned_user_id = %s WHERE id = %s", (user_id, conversation_id))
