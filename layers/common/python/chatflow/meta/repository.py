"""The SQL of Meta connections. No rules here: chatflow.meta.service checks the caller and the input."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from psycopg import sql
from psycopg.errors import UniqueViolation

from chatflow.db import Connection
from chatflow.meta.models import MetaConnection, MetaKind

__all__ = [
    "AccountTaken",
    "Route",
    "StoredSecrets",
    "apply_read_up_to",
    "apply_status",
    "channel_exists",
    "delete_connection",
    "find_connection",
    "find_secrets",
    "has_verify_token",
    "latest_open_conversation",
    "routes_for",
    "select_connections",
    "signing_secrets",
    "take_backlog",
    "upsert_connection",
]

# Every query reads a connection's row as MetaConnection's fields, so that MetaConnection(**row) always fits.
_COLUMNS = sql.SQL(", ").join(sql.Identifier(field.name) for field in fields(MetaConnection))


class AccountTaken(Exception):
    """Another channel is connected to this number or page."""


def select_connections(conn: Connection, organization_id: UUID) -> dict[UUID, MetaConnection]:
    rows = conn.execute(
        sql.SQL("SELECT {c} FROM channel_meta_connections WHERE organization_id = %s").format(c=_COLUMNS),
        (organization_id,),
    ).fetchall()
    return {row["channel_id"]: MetaConnection(**row) for row in rows}


def find_connection(conn: Connection, organization_id: UUID, channel_id: UUID) -> MetaConnection | None:
    row = conn.execute(
        sql.SQL("SELECT {c} FROM channel_meta_connections WHERE organization_id = %s AND channel_id = %s").format(
            c=_COLUMNS
        ),
        (organization_id, channel_id),
    ).fetchone()
    return None if row is None else MetaConnection(**row)


@dataclass(frozen=True, slots=True)
class StoredSecrets:
    connection: MetaConnection
    encrypted_access_token: str
    encrypted_app_secret: str


def find_secrets(conn: Connection, organization_id: UUID, channel_id: UUID) -> StoredSecrets | None:
    row = conn.execute(
        sql.SQL(
            """SELECT {c}, encrypted_access_token, encrypted_app_secret FROM channel_meta_connections
               WHERE organization_id = %s AND channel_id = %s"""
        ).format(c=_COLUMNS),
        (organization_id, channel_id),
    ).fetchone()
    if row is None:
        return None
    access, secret = row.pop("encrypted_access_token"), row.pop("encrypted_app_secret")
    return StoredSecrets(MetaConnection(**row), access, secret)


def upsert_connection(
    conn: Connection,
    *,
    channel_id: UUID,
    organization_id: UUID,
    kind: MetaKind,
    account_id: str,
    business_account_id: str | None,
    encrypted_access_token: str,
    access_token_hint: str,
    encrypted_app_secret: str,
    app_secret_hint: str,
    verify_token: str,
) -> MetaConnection:
    """Raises AccountTaken when another channel has this number or page (in a savepoint, so that the
    caller's transaction goes on)."""
    try:
        with conn.transaction():
            row = conn.execute(
                sql.SQL(
                    """
                INSERT INTO channel_meta_connections (channel_id, organization_id, kind, account_id,
                    business_account_id, encrypted_access_token, access_token_hint, encrypted_app_secret,
                    app_secret_hint, verify_token)
                VALUES (%(channel)s, %(org)s, %(kind)s, %(account)s, %(business)s, %(access)s, %(access_hint)s,
                        %(secret)s, %(secret_hint)s, %(verify)s)
                ON CONFLICT (channel_id) DO UPDATE SET
                    kind = excluded.kind, account_id = excluded.account_id,
                    business_account_id = excluded.business_account_id,
                    encrypted_access_token = excluded.encrypted_access_token,
                    access_token_hint = excluded.access_token_hint,
                    encrypted_app_secret = excluded.encrypted_app_secret,
                    app_secret_hint = excluded.app_secret_hint, verify_token = excluded.verify_token,
                    updated_at = now()
                RETURNING {c}
                """
                ).format(c=_COLUMNS),
                {
                    "channel": channel_id,
                    "org": organization_id,
                    "kind": kind,
                    "account": account_id,
                    "business": business_account_id,
                    "access": encrypted_access_token,
                    "access_hint": access_token_hint,
                    "secret": encrypted_app_secret,
                    "secret_hint": app_secret_hint,
                    "verify": verify_token,
                },
            ).fetchone()
    except UniqueViolation as exc:
        raise AccountTaken() from exc
    assert row is not None
    return MetaConnection(**row)


def delete_connection(conn: Connection, organization_id: UUID, channel_id: UUID, *, unless_kind: str | None) -> None:
    conn.execute(
        """DELETE FROM channel_meta_connections WHERE organization_id = %s AND channel_id = %s
           AND kind IS DISTINCT FROM %s""",
        (organization_id, channel_id, unless_kind),
    )


def channel_exists(conn: Connection, organization_id: UUID, channel_id: UUID) -> bool:
    row = conn.execute("SELECT FROM channels WHERE organization_id = %s AND id = %s", (organization_id, channel_id))
    return row.fetchone() is not None


def has_verify_token(conn: Connection, kind: MetaKind, verify_token: str) -> bool:
    row = conn.execute(
        "SELECT FROM channel_meta_connections WHERE kind = %s AND verify_token = %s LIMIT 1", (kind, verify_token)
    ).fetchone()
    return row is not None


def signing_secrets(conn: Connection, kind: MetaKind) -> list[tuple[UUID, str]]:
    """(channel id, encrypted app secret) of every connected channel of this kind that is active in
    an active organisation: only they may receive webhooks."""
    rows = conn.execute(
        """
        SELECT c.channel_id, c.encrypted_app_secret FROM channel_meta_connections c
        JOIN channels ch ON ch.id = c.channel_id AND ch.active
        JOIN organizations o ON o.id = c.organization_id AND o.active
        WHERE c.kind = %s
        """,
        (kind,),
    ).fetchall()
    return [(row["channel_id"], row["encrypted_app_secret"]) for row in rows]


@dataclass(frozen=True, slots=True)
class Route:
    """Where a webhook's number or page leads: its channel, the organisation and the public key the
    conversation pipeline knows a channel by."""

    channel_id: UUID
    organization_id: UUID
    account_id: str
    public_key: UUID


def routes_for(conn: Connection, channel_ids: list[UUID]) -> dict[str, Route]:
    """The channels a webhook's signature allowed, by the number or page they are connected to."""
    rows = conn.execute(
        """
        SELECT c.channel_id, c.organization_id, c.account_id, ch.public_key FROM channel_meta_connections c
        JOIN channels ch ON ch.id = c.channel_id
        WHERE c.channel_id = ANY(%s)
        """,
        (channel_ids,),
    ).fetchall()
    return {row["account_id"]: Route(**row) for row in rows}


def latest_open_conversation(conn: Connection, channel_id: UUID, visitor_id: UUID) -> UUID | None:
    row = conn.execute(
        """
        SELECT id FROM conversations
        WHERE channel_id = %s AND visitor_id = %s AND status <> 'closed'
        ORDER BY last_message_at DESC LIMIT 1
        """,
        (channel_id, visitor_id),
    ).fetchone()
    return None if row is None else row["id"]


# The order statuses move in: a later one never goes back to an earlier (Meta's webhooks come in any
# order); failed wins over everything but read.
_RANK = "CASE %(s)s WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'failed' THEN 3 WHEN 'read' THEN 4 END"
_CURRENT_RANK = (
    "CASE d.status WHEN 'pending' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'failed' THEN 3 "
    "WHEN 'read' THEN 4 END"
)


def apply_status(
    conn: Connection, *, channel_id: UUID, provider_message_id: str, status: str, error_code: int | None
) -> tuple[UUID, UUID, UUID] | None:
    """Move our message's delivery state forward; (organisation, conversation, message) when it
    changed. A status for an id not recorded yet is kept in the backlog (applied when it is)."""
    row = conn.execute(
        f"""
        UPDATE meta_deliveries d SET status = %(s)s, error_code = coalesce(%(code)s, d.error_code),
               failure_reason = CASE WHEN %(s)s <> 'failed' THEN NULL
                                     WHEN coalesce(%(code)s, d.error_code) = 131047 THEN 'window_closed'
                                     ELSE 'refused' END,
               updated_at = now()
        FROM messages m
        WHERE d.channel_id = %(channel)s AND d.provider_message_id = %(id)s AND m.id = d.message_id
          AND {_RANK} > {_CURRENT_RANK}
        RETURNING d.organization_id, m.conversation_id, d.message_id
        """,  # noqa: S608  # only our own constant fragments are formatted in
        {"s": status, "code": error_code, "channel": channel_id, "id": provider_message_id},
    ).fetchone()
    if row is not None:
        return row["organization_id"], row["conversation_id"], row["message_id"]
    known = conn.execute(
        "SELECT FROM meta_deliveries WHERE channel_id = %s AND provider_message_id = %s",
        (channel_id, provider_message_id),
    ).fetchone()
    if known is None:
        conn.execute(
            """INSERT INTO meta_status_backlog (channel_id, provider_message_id, status, error_code)
               VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING""",
            (channel_id, provider_message_id, status, error_code),
        )
    return None


def apply_read_up_to(
    conn: Connection, *, channel_id: UUID, contact_id: str, watermark: datetime
) -> list[tuple[UUID, UUID]]:
    """Messenger's read receipt: our messages to this person sent by then are read (those sent or
    delivered; a failed one stays failed). (organisation, conversation) of each that changed."""
    rows = conn.execute(
        """
        UPDATE meta_deliveries d SET status = 'read', updated_at = now()
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE d.channel_id = %(channel)s AND m.id = d.message_id AND d.status IN ('sent', 'delivered')
          AND c.channel_id = %(channel)s AND c.visitor_metadata ->> 'contactId' = %(contact)s
          AND m.created_at <= %(watermark)s
        RETURNING d.organization_id, m.conversation_id
        """,
        {"channel": channel_id, "contact": contact_id, "watermark": watermark},
    ).fetchall()
    return list(dict.fromkeys((r["organization_id"], r["conversation_id"]) for r in rows))


def take_backlog(conn: Connection, channel_id: UUID, provider_message_id: str) -> list[tuple[str, int | None]]:
    rows = conn.execute(
        """DELETE FROM meta_status_backlog WHERE channel_id = %s AND provider_message_id = %s
           RETURNING status, error_code""",
        (channel_id, provider_message_id),
    ).fetchall()
    return [(r["status"], r["error_code"]) for r in rows]
