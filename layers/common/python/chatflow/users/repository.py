"""The SQL of users: their rows (keyed by the Cognito `sub`) and, when one is created, its memberships."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from chatflow.db import Connection
from chatflow.errors import OrganizationNotFound, UserExists, UserNotFound
from chatflow.users.models import Membership, User, UserDetail
from chatflow.vocabulary import MemberRole

__all__ = [
    "delete",
    "find_user_by_email",
    "has_signed_in",
    "insert_user",
    "link_cognito_user",
    "list_details",
    "load_detail",
    "organization_names",
    "revoke_tokens",
    "set_active",
    "write_profile",
    "write_user",
]


def link_cognito_user(conn: Connection, *, sub: str, email: str) -> bool:
    """Point the user row found by email at this Cognito sub (the first sign-in of a user created
    in Cognito directly, or a local stack whose Cognito was recreated), and remember that it signed
    in once. False when no row exists."""
    row = conn.execute(
        """
        UPDATE users SET id = %(sub)s, signed_in_at = coalesce(signed_in_at, now()), updated_at = now()
        WHERE lower(email) = lower(%(email)s)
        RETURNING id
        """,
        {"sub": sub, "email": email},
    ).fetchone()
    return row is not None


def has_signed_in(conn: Connection, user_id: str) -> bool:
    row = conn.execute("SELECT signed_in_at IS NOT NULL AS signed_in FROM users WHERE id = %s", (user_id,)).fetchone()
    return bool(row and row["signed_in"])


def revoke_tokens(conn: Connection, user_id: str) -> None:
    conn.execute("UPDATE users SET tokens_revoked_at = now(), updated_at = now() WHERE id = %s", (user_id,))


def find_user_by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(
        """
        SELECT id, email, name, is_super_admin, preferred_language, active
        FROM users WHERE lower(email) = lower(%s)
        """,
        (email.strip(),),
    ).fetchone()
    return User(**row) if row is not None else None


def write_profile(conn: Connection, user_id: str, *, name: str | None, preferred_language: str | None) -> User:
    """A user's name or preferred language (None leaves it)."""
    row = conn.execute(
        """
        UPDATE users SET name = coalesce(%(name)s, name),
               preferred_language = coalesce(%(language)s, preferred_language), updated_at = now()
        WHERE id = %(id)s
        RETURNING id, email, name, is_super_admin, preferred_language, active
        """,
        {"id": user_id, "name": name, "language": preferred_language},
    ).fetchone()
    if row is None:
        raise UserNotFound()
    return User(**row)


def write_user(
    conn: Connection,
    user_id: str,
    *,
    name: str | None = None,
    preferred_language: str | None = None,
    is_super_admin: bool | None = None,
) -> None:
    """Change a user's name, language or super-admin standing (None leaves it). No rule of its own:
    for services that have checked their caller (update_user, organizations.invite_member)."""
    updated = conn.execute(
        """
        UPDATE users SET name = coalesce(%(name)s, name),
               preferred_language = coalesce(%(language)s, preferred_language),
               is_super_admin = coalesce(%(super_admin)s, is_super_admin), updated_at = now()
        WHERE id = %(id)s
        """,
        {"id": user_id, "name": name, "language": preferred_language, "super_admin": is_super_admin},
    ).rowcount
    if updated == 0:
        raise UserNotFound()


# Shared by the one-user and the many-users reads, which add their WHERE.
_DETAIL = sql.SQL(
    """
    SELECT u.id, u.email, u.name, u.is_super_admin, u.preferred_language, u.active, u.created_at, u.signed_in_at,
           coalesce((SELECT json_agg(json_build_object('organization_id', m.organization_id,
                                                       'organization_name', o.name, 'role', m.role)
                                     ORDER BY lower(o.name), o.id)
                     FROM organization_members m JOIN organizations o ON o.id = m.organization_id
                     WHERE m.user_id = u.id), '[]') AS memberships
    FROM users u
    """
)
# An API token's "bot" (chatflow.api_tokens) has a user row to author its messages, but is nobody's
# account: it is listed, read and changed with its token only, never as a user of the platform.
_NOT_A_BOT = sql.SQL("NOT EXISTS (SELECT FROM api_tokens t WHERE t.bot_user_id = u.id)")


def _detail(row: dict[str, Any]) -> UserDetail:
    memberships = tuple(
        Membership(UUID(m["organization_id"]), m["organization_name"], m["role"]) for m in row.pop("memberships")
    )
    return UserDetail(**row, memberships=memberships)


def load_detail(conn: Connection, user_id: str) -> UserDetail:
    row = conn.execute(_DETAIL + sql.SQL("WHERE u.id = %s AND ") + _NOT_A_BOT, (user_id,)).fetchone()
    if row is None:
        raise UserNotFound()
    return _detail(row)


def list_details(conn: Connection, *, search: str | None, after_email: str | None, limit: int) -> list[UserDetail]:
    """Users by lowercased email, the first `limit` after `after_email` (None: from the first);
    `search` matches part of the email or name, any case."""
    rows = conn.execute(
        _DETAIL
        + sql.SQL("WHERE ")
        + _NOT_A_BOT
        + sql.SQL(
            """
              AND (%(search)s::text IS NULL
                   OR strpos(lower(u.email), lower(%(search)s)) > 0 OR strpos(lower(u.name), lower(%(search)s)) > 0)
              AND (%(after)s::text IS NULL OR lower(u.email) > %(after)s)
            ORDER BY lower(u.email)
            LIMIT %(limit)s
            """
        ),
        {"search": search, "after": after_email, "limit": limit},
    ).fetchall()
    return [_detail(row) for row in rows]


def organization_names(conn: Connection, organization_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The names of these organisations; OrganizationNotFound if one of them does not exist."""
    rows = conn.execute("SELECT id, name FROM organizations WHERE id = ANY(%s)", (list(organization_ids),)).fetchall()
    names: dict[UUID, str] = {row["id"]: row["name"] for row in rows}
    if len(names) != len(set(organization_ids)):
        raise OrganizationNotFound()
    return names


def insert_user(
    conn: Connection,
    *,
    user_id: str,
    email: str,
    name: str,
    is_super_admin: bool,
    preferred_language: str,
    memberships: Sequence[tuple[UUID, MemberRole]],
) -> None:
    """A new user's row and memberships, or neither: UserExists when the email (or sub) is taken,
    OrganizationNotFound when an organisation has vanished since it was looked up."""
    try:
        with conn.transaction():  # a savepoint: the caller's transaction stays usable after a refusal
            conn.execute(
                """
                INSERT INTO users (id, email, name, is_super_admin, preferred_language)
                VALUES (%(id)s, %(email)s, %(name)s, %(super_admin)s, %(language)s)
                """,
                {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "super_admin": is_super_admin,
                    "language": preferred_language,
                },
            )
            if memberships:
                conn.execute(
                    """
                    INSERT INTO organization_members (organization_id, user_id, role)
                    SELECT organization_id, %(user)s, role
                    FROM unnest(%(organizations)s::uuid[], %(roles)s::text[]) AS m (organization_id, role)
                    """,
                    {
                        "user": user_id,
                        "organizations": [organization_id for organization_id, _ in memberships],
                        "roles": [role for _, role in memberships],
                    },
                )
    except psycopg.errors.UniqueViolation as exc:
        raise UserExists() from exc
    except psycopg.errors.ForeignKeyViolation as exc:
        raise OrganizationNotFound() from exc


def set_active(conn: Connection, user_id: str, *, active: bool) -> str:
    """Deactivate or reactivate a user's row; returns its email."""
    row = conn.execute(
        "UPDATE users SET active = %s, updated_at = now() WHERE id = %s RETURNING email", (active, user_id)
    ).fetchone()
    if row is None:
        raise UserNotFound()
    email: str = row["email"]
    return email


def delete(conn: Connection, user_id: str) -> str:
    """Delete a user's row (its memberships go with it; its messages stay, without an author);
    returns its email."""
    row = conn.execute("DELETE FROM users WHERE id = %s RETURNING email", (user_id,)).fetchone()
    if row is None:
        raise UserNotFound()
    email: str = row["email"]
    return email
