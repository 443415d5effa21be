"""Who belongs to an organisation, with which role (admin or agent).

An organisation that has an admin always keeps one: the last admin can be neither demoted nor
removed. The check and the change run with the organisation's row locked, so two admins removing
each other at the same moment cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg

from chatflow import users
from chatflow.db import Connection
from chatflow.errors import AlreadyMember, LastAdmin, MemberNotFound, OrganizationNotFound
from chatflow.settings import Settings
from chatflow.vocabulary import MemberRole

__all__ = [
    "Member",
    "MemberInvited",
    "add_member",
    "change_role",
    "get_member",
    "invite_member",
    "list_members",
    "remove_member",
]


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    email: str
    name: str
    preferred_language: str
    active: bool
    role: MemberRole
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class MemberInvited:
    member: Member
    new_user: bool
    invitation_sent: bool


_SELECT = """
SELECT u.id AS user_id, u.email, u.name, u.preferred_language, u.active, m.role, m.created_at AS joined_at
FROM organization_members m JOIN users u ON u.id = m.user_id
"""


def list_members(conn: Connection, organization_id: UUID) -> list[Member]:
    """The organisation's members, admins first, then by name."""
    rows = conn.execute(
        _SELECT + "WHERE m.organization_id = %s ORDER BY m.role = 'agent', lower(u.name), lower(u.email)",
        (organization_id,),
    ).fetchall()
    return [Member(**row) for row in rows]


def get_member(conn: Connection, organization_id: UUID, user_id: str) -> Member:
    row = conn.execute(
        _SELECT + "WHERE m.organization_id = %s AND m.user_id = %s", (organization_id, user_id)
    ).fetchone()
    if row is None:
        raise MemberNotFound()
    return Member(**row)


def _lock_organization(conn: Connection, organization_id: UUID) -> None:
    """Serialises membership changes of one organisation until the transaction ends."""
    if conn.execute("SELECT 1 FROM organizations WHERE id = %s FOR UPDATE", (organization_id,)).fetchone() is None:
        raise OrganizationNotFound()


def _current_role(conn: Connection, organization_id: UUID, user_id: str) -> MemberRole:
    row = conn.execute(
        "SELECT role FROM organization_members WHERE organization_id = %s AND user_id = %s",
        (organization_id, user_id),
    ).fetchone()
    if row is None:
        raise MemberNotFound()
    role: MemberRole = row["role"]
    return role


def _refuse_if_last_admin(conn: Connection, organization_id: UUID, user_id: str) -> None:
    row = conn.execute(
        "SELECT count(*) AS others FROM organization_members "
        "WHERE organization_id = %s AND role = 'admin' AND user_id <> %s",
        (organization_id, user_id),
    ).fetchone()
    assert row is not None
    if row["others"] == 0:
        raise LastAdmin()


def add_member(conn: Connection, organization_id: UUID, user_id: str, role: MemberRole) -> Member:
    try:
        with conn.transaction():
            conn.execute(
                "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, %s)",
                (organization_id, user_id, role),
            )
    except psycopg.errors.UniqueViolation as exc:
        raise AlreadyMember() from exc
    return get_member(conn, organization_id, user_id)


def invite_member(
    conn: Connection,
    settings: Settings,
    *,
    organization_id: UUID,
    email: str,
    name: str | None,
    role: MemberRole,
    preferred_language: str,
) -> MemberInvited:
    """Add the user with this email; if there is none, create it (Cognito and here) and email it an
    invitation. `name` and `preferred_language` serve only a new user: an existing one keeps its own."""
    existing = users.find_user_by_email(conn, email)
    if existing is not None:
        return MemberInvited(
            add_member(conn, organization_id, existing.id, role), new_user=False, invitation_sent=False
        )
    invited = users.invite_user(
        conn,
        settings,
        email=email,
        name=name or "",
        preferred_language=preferred_language,
        memberships=[(organization_id, role)],
    )
    return MemberInvited(
        get_member(conn, organization_id, invited.user_id), new_user=True, invitation_sent=invited.invitation_sent
    )


def change_role(conn: Connection, organization_id: UUID, user_id: str, role: MemberRole) -> Member:
    """Make a member admin or agent; 409 last_admin when it would leave the organisation without one."""
    _lock_organization(conn, organization_id)
    if _current_role(conn, organization_id, user_id) == "admin" and role != "admin":
        _refuse_if_last_admin(conn, organization_id, user_id)
    conn.execute(
        "UPDATE organization_members SET role = %s WHERE organization_id = %s AND user_id = %s",
        (role, organization_id, user_id),
    )
    return get_member(conn, organization_id, user_id)


def remove_member(conn: Connection, organization_id: UUID, user_id: str) -> None:
    """Take a user out of the organisation (the user itself stays); 409 last_admin for its last admin."""
    _lock_organization(conn, organization_id)
    if _current_role(conn, organization_id, user_id) == "admin":
        _refuse_if_last_admin(conn, organization_id, user_id)
    conn.execute(
        "DELETE FROM organization_members WHERE organization_id = %s AND user_id = %s", (organization_id, user_id)
    )
