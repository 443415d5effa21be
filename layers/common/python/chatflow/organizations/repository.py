"""The SQL of organisations and their members. No rules here: the service checks the caller first."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection
from chatflow.organizations.models import Invitation, Member, Organization
from chatflow.vocabulary import MemberRole, Plan

__all__ = [
    "INVITATIONS_KEPT_DAYS",
    "accept_invitation",
    "count_other_admins",
    "delete_invitation",
    "delete_member",
    "delete_organization",
    "find_invitation",
    "find_member",
    "find_organization",
    "insert_member",
    "insert_organization",
    "lock_organization",
    "member_role",
    "save_invitation",
    "select_invitations",
    "select_members",
    "select_organizations",
    "set_member_role",
    "update_organization",
]

# How long accepted and expired invitations stay in the list an admin sees.
INVITATIONS_KEPT_DAYS = 90
_INVITATION_COLUMNS = sql.SQL(
    """id, email, role, created_at, expires_at, sent_at, accepted_at,
    CASE WHEN accepted_at IS NOT NULL THEN 'accepted' WHEN expires_at <= now() THEN 'expired' ELSE 'pending' END
        AS status"""
)

_MEMBERS = sql.SQL(
    """
    SELECT u.id AS user_id, u.email, u.name, u.preferred_language, u.active, m.role, m.created_at AS joined_at,
           u.signed_in_at
    FROM organization_members m JOIN users u ON u.id = m.user_id
    """
)


def insert_organization(
    conn: Connection, *, name: str, plan: Plan, model: str, system_prompt: str, handoff_keywords: Sequence[str]
) -> UUID:
    """The organisation and its ai_settings row, in one statement."""
    row = conn.execute(
        """
        WITH org AS (INSERT INTO organizations (name, plan) VALUES (%(name)s, %(plan)s) RETURNING id)
        INSERT INTO ai_settings (organization_id, model, system_prompt, handoff_keywords)
        SELECT id, %(model)s, %(system_prompt)s, %(keywords)s FROM org
        RETURNING organization_id
        """,
        {
            "name": name,
            "plan": plan,
            "model": model,
            "system_prompt": system_prompt,
            "keywords": list(handoff_keywords),
        },
    ).fetchone()
    assert row is not None
    organization_id: UUID = row["organization_id"]
    return organization_id


def select_organizations(conn: Connection, scope: list[UUID] | None) -> list[Organization]:
    """The organisations in scope (every one for None), by name."""
    rows = conn.execute(
        """
        SELECT id, name, plan, active, created_at, updated_at FROM organizations
        WHERE %(ids)s::uuid[] IS NULL OR id = ANY(%(ids)s)
        ORDER BY lower(name)
        """,
        {"ids": scope},
    ).fetchall()
    return [Organization(**row) for row in rows]


def find_organization(conn: Connection, organization_id: UUID) -> Organization | None:
    row = conn.execute(
        "SELECT id, name, plan, active, created_at, updated_at FROM organizations WHERE id = %s", (organization_id,)
    ).fetchone()
    return None if row is None else Organization(**row)


def update_organization(
    conn: Connection, organization_id: UUID, *, name: str | None, plan: Plan | None, active: bool | None
) -> Organization | None:
    """A None leaves its column as it is; None back when there is no such organisation."""
    row = conn.execute(
        """
        UPDATE organizations SET name = coalesce(%(name)s, name), plan = coalesce(%(plan)s, plan),
               active = coalesce(%(active)s, active), updated_at = now()
        WHERE id = %(id)s
        RETURNING id, name, plan, active, created_at, updated_at
        """,
        {"id": organization_id, "name": name, "plan": plan, "active": active},
    ).fetchone()
    return None if row is None else Organization(**row)


def delete_organization(conn: Connection, organization_id: UUID) -> bool:
    """Whether there was one to delete; its channels, conversations, knowledge and usage go by cascade."""
    return conn.execute("DELETE FROM organizations WHERE id = %s", (organization_id,)).rowcount > 0


def lock_organization(conn: Connection, organization_id: UUID) -> bool:
    """Holds the organisation's row until the transaction ends, so that changes of its membership
    run one at a time; False when there is no such organisation."""
    locked = conn.execute("SELECT 1 FROM organizations WHERE id = %s FOR UPDATE", (organization_id,)).fetchone()
    return locked is not None


def select_members(conn: Connection, organization_id: UUID) -> list[Member]:
    """Admins first, then by name and email."""
    rows = conn.execute(
        _MEMBERS + sql.SQL("WHERE m.organization_id = %s ORDER BY m.role = 'agent', lower(u.name), lower(u.email)"),
        (organization_id,),
    ).fetchall()
    return [Member(**row) for row in rows]


def find_member(conn: Connection, organization_id: UUID, user_id: str) -> Member | None:
    row = conn.execute(
        _MEMBERS + sql.SQL("WHERE m.organization_id = %s AND m.user_id = %s"), (organization_id, user_id)
    ).fetchone()
    return None if row is None else Member(**row)


def member_role(conn: Connection, organization_id: UUID, user_id: str) -> MemberRole | None:
    row = conn.execute(
        "SELECT role FROM organization_members WHERE organization_id = %s AND user_id = %s",
        (organization_id, user_id),
    ).fetchone()
    if row is None:
        return None
    role: MemberRole = row["role"]
    return role


def count_other_admins(conn: Connection, organization_id: UUID, user_id: str) -> int:
    row = conn.execute(
        "SELECT count(*) AS others FROM organization_members "
        "WHERE organization_id = %s AND role = 'admin' AND user_id <> %s",
        (organization_id, user_id),
    ).fetchone()
    assert row is not None
    others: int = row["others"]
    return others


def insert_member(conn: Connection, organization_id: UUID, user_id: str, role: MemberRole) -> bool:
    """False when the user already belongs to the organisation (whatever its role)."""
    inserted = conn.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, %s) "
        "ON CONFLICT (organization_id, user_id) DO NOTHING",
        (organization_id, user_id, role),
    )
    return inserted.rowcount > 0


def set_member_role(conn: Connection, organization_id: UUID, user_id: str, role: MemberRole) -> None:
    conn.execute(
        "UPDATE organization_members SET role = %s WHERE organization_id = %s AND user_id = %s",
        (role, organization_id, user_id),
    )


def save_invitation(
    conn: Connection,
    organization_id: UUID,
    *,
    email: str,
    role: MemberRole,
    token_hash: bytes,
    invited_by: str,
    valid_days: int,
) -> Invitation:
    """The pending invitation of this email, new or renewed (a new token, role and expiry)."""
    row = conn.execute(
        sql.SQL(
            """
        INSERT INTO member_invitations (organization_id, email, role, token_hash, invited_by, expires_at)
        VALUES (%(org)s, %(email)s, %(role)s, %(hash)s, %(by)s, now() + make_interval(days => %(days)s))
        ON CONFLICT (organization_id, lower(email)) WHERE accepted_at IS NULL
        DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, invited_by = EXCLUDED.invited_by,
                      created_at = now(), expires_at = EXCLUDED.expires_at, sent_at = now()
        RETURNING {columns}
        """
        ).format(columns=_INVITATION_COLUMNS),
        {
            "org": organization_id,
            "email": email,
            "role": role,
            "hash": token_hash,
            "by": invited_by,
            "days": valid_days,
        },
    ).fetchone()
    assert row is not None  # an upsert with RETURNING always returns its row
    return Invitation(**row)


def select_invitations(conn: Connection, organization_id: UUID) -> list[Invitation]:
    """Pending first, then the rest (accepted, expired) of the last INVITATIONS_KEPT_DAYS, newest first."""
    rows = conn.execute(
        sql.SQL(
            """
        SELECT {columns} FROM member_invitations
        WHERE organization_id = %s AND created_at > now() - make_interval(days => %s)
        ORDER BY accepted_at IS NULL AND expires_at > now() DESC, created_at DESC, id
        LIMIT 200
        """
        ).format(columns=_INVITATION_COLUMNS),
        (organization_id, INVITATIONS_KEPT_DAYS),
    ).fetchall()
    return [Invitation(**row) for row in rows]


def find_invitation(conn: Connection, organization_id: UUID, invitation_id: UUID) -> Invitation | None:
    row = conn.execute(
        sql.SQL("SELECT {columns} FROM member_invitations WHERE organization_id = %s AND id = %s").format(
            columns=_INVITATION_COLUMNS
        ),
        (organization_id, invitation_id),
    ).fetchone()
    return None if row is None else Invitation(**row)


def delete_invitation(conn: Connection, organization_id: UUID, invitation_id: UUID) -> bool:
    deleted = conn.execute(
        "DELETE FROM member_invitations WHERE organization_id = %s AND id = %s AND accepted_at IS NULL",
        (organization_id, invitation_id),
    )
    return deleted.rowcount > 0


def accept_invitation(conn: Connection, *, token_hash: bytes, user_id: str) -> tuple[UUID, MemberRole] | None:
    """Through the one database function that may add a member the caller's scope does not yet
    include (migration 0030): the organisation and role joined, or None."""
    row = conn.execute(
        "SELECT organization_id, role FROM chatflow_accept_invitation(%s, %s)", (token_hash, user_id)
    ).fetchone()
    return None if row is None else (row["organization_id"], row["role"])


def delete_member(conn: Connection, organization_id: UUID, user_id: str) -> None:
    conn.execute(
        "DELETE FROM organization_members WHERE organization_id = %s AND user_id = %s", (organization_id, user_id)
    )
