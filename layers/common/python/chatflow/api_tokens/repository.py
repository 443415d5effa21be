"""The SQL of API tokens. No rules here: the service checks the caller and the scopes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.api_tokens.models import ApiToken
from chatflow.db import Connection

__all__ = ["insert_token", "revoke_token", "select_tokens", "use_token"]

_COLUMNS = sql.SQL(", ").join(sql.Identifier(f.name) for f in fields(ApiToken))

_INSERT = sql.SQL("""
WITH bot AS (
    INSERT INTO users (id, email, name) VALUES (%(bot_id)s, %(bot_email)s, %(name)s)
    RETURNING id
)
INSERT INTO api_tokens (id, organization_id, name, token_hash, prefix, scopes, bot_user_id, created_by)
SELECT %(id)s, %(organization_id)s, %(name)s, %(hash)s, %(prefix)s, %(scopes)s, bot.id, %(created_by)s FROM bot
RETURNING {columns}
""").format(columns=_COLUMNS)


def insert_token(
    conn: Connection,
    *,
    token_id: UUID,
    organization_id: UUID,
    name: str,
    token_hash: bytes,
    prefix: str,
    scopes: Sequence[str],
    created_by: str | None,
) -> ApiToken:
    """The token and the user row of its bot, in one statement."""
    row = conn.execute(
        _INSERT,
        {
            "id": token_id,
            "organization_id": organization_id,
            "name": name,
            "hash": token_hash,
            "prefix": prefix,
            "scopes": list(scopes),
            "created_by": created_by,
            "bot_id": f"bot:{token_id}",
            # .invalid is reserved (RFC 2606): nothing is ever delivered to it.
            "bot_email": f"bot-{token_id}@api-token.invalid",
        },
    ).fetchone()
    assert row is not None
    return ApiToken(**row)


def select_tokens(conn: Connection, organization_id: UUID) -> list[ApiToken]:
    rows = conn.execute(
        sql.SQL("SELECT {c} FROM api_tokens WHERE organization_id = %s ORDER BY created_at, id").format(c=_COLUMNS),
        (organization_id,),
    ).fetchall()
    return [ApiToken(**row) for row in rows]


def revoke_token(conn: Connection, organization_id: UUID, token_id: UUID) -> ApiToken | None:
    """Revoked from now on (again, harmlessly); its bot can no longer act. None when not there."""
    row = conn.execute(
        sql.SQL("""
        WITH revoked AS (
            UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
            WHERE organization_id = %(org)s AND id = %(id)s
            RETURNING {c}
        ), bot AS (
            UPDATE users SET active = false, updated_at = now() WHERE id IN (SELECT bot_user_id FROM revoked)
        )
        SELECT * FROM revoked
        """).format(c=_COLUMNS),
        {"org": organization_id, "id": token_id},
    ).fetchone()
    return None if row is None else ApiToken(**row)


def use_token(conn: Connection, token_hash: bytes) -> dict[str, Any] | None:
    """The live token of this hash with its organisation's state, its last use now; None when there
    is none (unknown or revoked)."""
    row: dict[str, Any] | None = conn.execute(
        """
        UPDATE api_tokens t SET last_used_at = now()
        FROM organizations o
        WHERE t.token_hash = %s AND t.revoked_at IS NULL AND o.id = t.organization_id
        RETURNING t.id, t.organization_id, t.name, t.scopes, t.bot_user_id, o.active AS organization_active
        """,
        (token_hash,),
    ).fetchone()
    return row
