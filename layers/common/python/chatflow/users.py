"""Users of the dashboard: rows keyed by their Cognito `sub`.

A user exists twice, as a Cognito user (its password, its sign-in) and as a row here (its name,
language, roles). Creating, deactivating and deleting keep the two together: the side that can be
undone goes first, and a failure of the second undoes it.

Super admins manage every user, but never deactivate, delete or demote their own account; anyone
changes their own profile. Nobody but a super admin makes anyone a super admin.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from chatflow.access import Caller
from chatflow.auth import cognito
from chatflow.db import Connection
from chatflow.errors import (
    DomainError,
    InvalidCredentials,
    InvalidCursor,
    OrganizationNotFound,
    OwnAccount,
    UserExists,
    UserNotFound,
)
from chatflow.notifications import send
from chatflow.notifications.invite import invitation_email
from chatflow.settings import Settings
from chatflow.vocabulary import MemberRole

__all__ = [
    "Invited",
    "Membership",
    "User",
    "UserDetail",
    "create_user",
    "delete_user",
    "find_user_by_email",
    "get_user_detail",
    "invite_user",
    "link_cognito_user",
    "list_users",
    "set_user_active",
    "update_profile",
    "update_user",
    "write_user",
]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: str
    active: bool


_COLUMNS = "id, email, name, is_super_admin, preferred_language, active"


def link_cognito_user(conn: Connection, *, sub: str, email: str) -> bool:
    """Point the user row found by email at this Cognito sub (the first sign-in of a user created
    in Cognito directly, or a local stack whose Cognito was recreated). False when no row exists."""
    row = conn.execute(
        """
        UPDATE users SET id = %(sub)s, updated_at = now()
        WHERE lower(email) = lower(%(email)s)
        RETURNING id
        """,
        {"sub": sub, "email": email},
    ).fetchone()
    return row is not None


def update_profile(conn: Connection, caller: Caller, *, name: str | None, preferred_language: str | None) -> User:
    """The caller's own name or preferred language."""
    row = conn.execute(
        f"""
        UPDATE users SET name = coalesce(%(name)s, name),
               preferred_language = coalesce(%(language)s, preferred_language), updated_at = now()
        WHERE id = %(id)s RETURNING {_COLUMNS}
        """,
        {"id": caller.user_id, "name": name, "language": preferred_language},
    ).fetchone()
    if row is None:
        raise UserNotFound()
    return User(**row)


@dataclass(frozen=True, slots=True)
class Membership:
    organization_id: UUID
    organization_name: str
    role: MemberRole


@dataclass(frozen=True, slots=True)
class UserDetail:
    """A user with its organisations, as a super admin sees it."""

    id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: str
    active: bool
    created_at: datetime
    memberships: tuple[Membership, ...]


@dataclass(frozen=True, slots=True)
class Invited:
    user_id: str
    invitation_sent: bool


_DETAIL = """
SELECT u.id, u.email, u.name, u.is_super_admin, u.preferred_language, u.active, u.created_at,
       coalesce((SELECT json_agg(json_build_object('organization_id', m.organization_id,
                                                   'organization_name', o.name, 'role', m.role)
                                 ORDER BY lower(o.name), o.id)
                 FROM organization_members m JOIN organizations o ON o.id = m.organization_id
                 WHERE m.user_id = u.id), '[]') AS memberships
FROM users u
"""


def _detail(row: dict[str, Any]) -> UserDetail:
    memberships = tuple(
        Membership(UUID(m["organization_id"]), m["organization_name"], m["role"]) for m in row.pop("memberships")
    )
    return UserDetail(**row, memberships=memberships)


def get_user_detail(conn: Connection, caller: Caller, user_id: str) -> UserDetail:
    """Super admin: a user with its organisations."""
    caller.require_super_admin()
    row = conn.execute(_DETAIL + "WHERE u.id = %s", (user_id,)).fetchone()
    if row is None:
        raise UserNotFound()
    return _detail(row)


def _encode_cursor(email: str) -> str:
    return base64.urlsafe_b64encode(email.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (ValueError, binascii.Error) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidCursor() from exc


def list_users(
    conn: Connection, caller: Caller, *, search: str | None, cursor: str | None, limit: int
) -> tuple[list[UserDetail], str | None]:
    """Super admin: users by email, `limit` at a time; `search` matches part of the email or name, any
    case. Returns the page and the cursor of the next one (None on the last page)."""
    caller.require_super_admin()
    rows = conn.execute(
        _DETAIL
        + """
        WHERE (%(search)s::text IS NULL
               OR strpos(lower(u.email), lower(%(search)s)) > 0 OR strpos(lower(u.name), lower(%(search)s)) > 0)
          AND (%(after)s::text IS NULL OR lower(u.email) > %(after)s)
        ORDER BY lower(u.email)
        LIMIT %(limit)s
        """,
        {
            "search": search or None,
            "after": _decode_cursor(cursor) if cursor else None,
            "limit": limit + 1,
        },
    ).fetchall()
    users = [_detail(row) for row in rows[:limit]]
    next_cursor = _encode_cursor(users[-1].email.lower()) if len(rows) > limit else None
    return users, next_cursor


def find_user_by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE lower(email) = lower(%s)", (email.strip(),)).fetchone()
    return User(**row) if row is not None else None


def _not_oneself(caller: Caller, user_id: str, what: str) -> None:
    if user_id == caller.user_id:
        raise OwnAccount(what)


def update_user(
    conn: Connection,
    caller: Caller,
    user_id: str,
    *,
    name: str | None = None,
    preferred_language: str | None = None,
    is_super_admin: bool | None = None,
) -> None:
    """Super admin: change a user's name, language or super-admin standing (None leaves it); never
    take super admin from one's own account."""
    caller.require_super_admin()
    if is_super_admin is False:
        _not_oneself(caller, user_id, "remove super admin from")
    write_user(conn, user_id, name=name, preferred_language=preferred_language, is_super_admin=is_super_admin)


def write_user(
    conn: Connection,
    user_id: str,
    *,
    name: str | None = None,
    preferred_language: str | None = None,
    is_super_admin: bool | None = None,
) -> None:
    """Change a user's name, language or super-admin standing (None leaves it). No rule of its own:
    for services that have checked their caller (update_user, members.invite_member)."""
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


_SYMBOLS = "!#%*+-=?@_"
_ALPHABETS = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS)


def _temporary_password(length: int = 20) -> str:
    """Random, with at least one character of each class the pool's password policy requires."""
    every = "".join(_ALPHABETS)
    chars = [secrets.choice(alphabet) for alphabet in _ALPHABETS]
    chars += [secrets.choice(every) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _organization_names(conn: Connection, organization_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The names of these organisations; OrganizationNotFound if one of them does not exist (or is not
    the caller's)."""
    rows = conn.execute("SELECT id, name FROM organizations WHERE id = ANY(%s)", (list(organization_ids),)).fetchall()
    names: dict[UUID, str] = {row["id"]: row["name"] for row in rows}
    if len(names) != len(set(organization_ids)):
        raise OrganizationNotFound()
    return names


def _forget_cognito_user(settings: Settings, email: str) -> None:
    """Best effort: the Cognito half of a user whose database half was not written."""
    try:
        cognito.delete_user(settings, email=email)
    except DomainError:
        _logger.exception("a Cognito user was created but could not be deleted after the database refused it")


def invite_user(
    conn: Connection,
    caller: Caller,
    settings: Settings,
    *,
    email: str,
    name: str,
    preferred_language: str,
    is_super_admin: bool = False,
    memberships: Sequence[tuple[UUID, MemberRole]] = (),
) -> Invited:
    """Super admin: a new user, with optional memberships, invited by email (create_user)."""
    caller.require_super_admin()
    return create_user(
        conn,
        settings,
        email=email,
        name=name,
        preferred_language=preferred_language,
        is_super_admin=is_super_admin,
        memberships=memberships,
    )


def create_user(
    conn: Connection,
    settings: Settings,
    *,
    email: str,
    name: str,
    preferred_language: str,
    is_super_admin: bool = False,
    memberships: Sequence[tuple[UUID, MemberRole]] = (),
) -> Invited:
    """Create the user in Cognito (with a temporary password) and here, then email the invitation.
    No rule of its own: for services that have checked their caller (invite_user,
    members.invite_member).

    Cognito first: if it refuses, nothing has been written. If the database then refuses (the email is
    already taken, an organisation vanished), the Cognito user is deleted again. The invitation is sent
    last and never makes the call fail; `invitation_sent` says whether SES took it."""
    email = cognito.normalize_email(email)
    name = name.strip() or email.split("@")[0]
    organizations = _organization_names(conn, [organization_id for organization_id, _ in memberships])
    temporary_password = _temporary_password()
    sub = cognito.create_user(settings, email=email, name=name, temporary_password=temporary_password)
    try:
        with conn.transaction():  # a savepoint: the caller's transaction stays usable after a refusal
            conn.execute(
                """
                INSERT INTO users (id, email, name, is_super_admin, preferred_language)
                VALUES (%(id)s, %(email)s, %(name)s, %(super_admin)s, %(language)s)
                """,
                {
                    "id": sub,
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
                        "user": sub,
                        "organizations": [organization_id for organization_id, _ in memberships],
                        "roles": [role for _, role in memberships],
                    },
                )
    except psycopg.Error as exc:
        _forget_cognito_user(settings, email)
        if isinstance(exc, psycopg.errors.UniqueViolation):
            raise UserExists() from exc
        if isinstance(exc, psycopg.errors.ForeignKeyViolation):
            raise OrganizationNotFound() from exc
        raise
    except BaseException:
        _forget_cognito_user(settings, email)
        raise
    organization, role = (
        (organizations[memberships[0][0]], memberships[0][1]) if len(memberships) == 1 else (None, None)
    )
    sent = send(
        settings,
        invitation_email(
            to=email,
            name=name,
            language=preferred_language,
            temporary_password=temporary_password,
            sign_in_url=settings.dashboard_url,
            organization=organization,
            role=role,
        ),
    )
    return Invited(user_id=sub, invitation_sent=sent)


def _tolerate_missing_cognito_user(call: Callable[..., None], settings: Settings, **params: Any) -> None:
    """Runs a Cognito admin call; a user Cognito does not know (a pool recreated on a laptop, a user
    deleted there by hand) is not an error: the database row is what grants access.
    chatflow.auth.cognito reports Cognito's UserNotFoundException as InvalidCredentials."""
    try:
        call(settings, **params)
    except InvalidCredentials:
        _logger.warning("the Cognito user of a dashboard user was not found; the database was updated alone")


def set_user_active(conn: Connection, caller: Caller, settings: Settings, user_id: str, *, active: bool) -> None:
    """Super admin: deactivate (never one's own account) or reactivate a user: the row first, inside
    the caller's transaction, then Cognito; if Cognito refuses, the caller's transaction rolls the row
    back. A deactivated user's tokens stop working at once (every request loads the caller and checks
    `active`)."""
    caller.require_super_admin()
    if not active:
        _not_oneself(caller, user_id, "deactivate")
    row = conn.execute(
        "UPDATE users SET active = %s, updated_at = now() WHERE id = %s RETURNING email", (active, user_id)
    ).fetchone()
    if row is None:
        raise UserNotFound()
    _tolerate_missing_cognito_user(cognito.set_user_enabled, settings, email=row["email"], enabled=active)


def delete_user(conn: Connection, caller: Caller, settings: Settings, user_id: str) -> None:
    """Super admin: delete a user (never one's own account) on both sides: the row (and its
    memberships) inside the caller's transaction, then the Cognito user; if Cognito refuses, the
    caller's transaction rolls the row back. Messages the user wrote stay, without an author."""
    caller.require_super_admin()
    _not_oneself(caller, user_id, "delete")
    row = conn.execute("DELETE FROM users WHERE id = %s RETURNING email", (user_id,)).fetchone()
    if row is None:
        raise UserNotFound()
    _tolerate_missing_cognito_user(cognito.delete_user, settings, email=row["email"])
