"""Who belongs to an organisation, with which role (admin or agent).

Its members (and super admins) see who belongs; its admins (and super admins) add, change and
remove members; only a super admin makes anyone a super admin on the way (ForbiddenField for anyone
else who sends the field).

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
from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.errors import AlreadyMember, ForbiddenField, LastAdmin, MemberNotFound, OrganizationNotFound
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
    "update_member",
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


def list_members(conn: Connection, caller: Caller, organization_id: UUID) -> list[Member]:
    """Its members and super admins: the organisation's members, admins first, then by name."""
    caller.require_member(organization_id)
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


def _only_super_admin_makes_super_admins(caller: Caller, is_super_admin: bool | None) -> None:
    if is_super_admin is not None and not caller.is_super_admin:
        raise ForbiddenField(["isSuperAdmin"])


def invite_member(
    conn: Connection,
    caller: Caller,
    settings: Settings,
    *,
    organization_id: UUID,
    email: str,
    name: str | None,
    role: MemberRole,
    preferred_language: str | None,
    is_super_admin: bool | None = None,
) -> MemberInvited:
    """Org admin: add the user with this email; if there is none, create it (Cognito and here) and
    email it an invitation. `name` and `preferred_language` (the caller's by default) serve only a new
    user: an existing one keeps its own. `is_super_admin` (a super admin's only) sets that standing too."""
    caller.require_admin(organization_id)
    _only_super_admin_makes_super_admins(caller, is_super_admin)
    existing = users.find_user_by_email(conn, email)
    if existing is not None:
        invited = MemberInvited(
            add_member(conn, organization_id, existing.id, role), new_user=False, invitation_sent=False
        )
    else:
        created = users.create_user(
            conn,
            settings,
            email=email,
            name=name or "",
            preferred_language=preferred_language or caller.preferred_language,
            memberships=[(organization_id, role)],
        )
        invited = MemberInvited(
            get_member(conn, organization_id, created.user_id),
            new_user=True,
            invitation_sent=created.invitation_sent,
        )
    if is_super_admin is not None:
        users.write_user(conn, invited.member.user_id, is_super_admin=is_super_admin)
    return invited


def update_member(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    user_id: str,
    *,
    role: MemberRole | None = None,
    is_super_admin: bool | None = None,
) -> Member:
    """Org admin: make a member admin or agent (LastAdmin when it would leave no admin); a super admin
    may also change its super-admin standing (never take its own away)."""
    caller.require_admin(organization_id)
    _only_super_admin_makes_super_admins(caller, is_super_admin)
    member = get_member(conn, organization_id, user_id)
    if role is not None:
        member = change_role(conn, organization_id, user_id, role)
    if is_super_admin is not None:
        users.update_user(conn, caller, user_id, is_super_admin=is_super_admin)
    return member


def change_role(conn: Connection, organization_id: UUID, user_id: str, role: MemberRole) -> Member:
    """Make a member admin or agent; LastAdmin when it would leave the organisation without one. No
    rule about the caller: update_member checks it."""
    _lock_organization(conn, organization_id)
    if _current_role(conn, organization_id, user_id) == "admin" and role != "admin":
        _refuse_if_last_admin(conn, organization_id, user_id)
    conn.execute(
        "UPDATE organization_members SET role = %s WHERE organization_id = %s AND user_id = %s",
        (role, organization_id, user_id),
    )
    return get_member(conn, organization_id, user_id)


def remove_member(conn: Connection, caller: Caller, organization_id: UUID, user_id: str) -> None:
    """Org admin: take a user out of the organisation (the user itself stays); LastAdmin for its last
    admin."""
    caller.require_admin(organization_id)
    _lock_organization(conn, organization_id)
    if _current_role(conn, organization_id, user_id) == "admin":
        _refuse_if_last_admin(conn, organization_id, user_id)
    conn.execute(
        "DELETE FROM organization_members WHERE organization_id = %s AND user_id = %s", (organization_id, user_id)
    )
