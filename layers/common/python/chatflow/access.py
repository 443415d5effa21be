"""Who may do what: the caller of a dashboard request, its roles, and the checks each service makes
before it acts (the dashboard's routers only pass the caller in).

A resource of an organisation the caller does not belong to is refused exactly like a missing one
(OrganizationNotFound); a member without the role an operation needs is refused with NotAllowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from chatflow.db import Connection, connection
from chatflow.errors import InvalidToken, NotAllowed, OrganizationInactive, OrganizationNotFound, UnknownUser
from chatflow.vocabulary import MemberRole

__all__ = ["Caller", "load_caller", "scoped_connection"]


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: str
    memberships: dict[UUID, MemberRole] = field(default_factory=dict)
    # Organisations of the caller that a super admin deactivated: read-only to their members.
    inactive_organizations: frozenset[UUID] = frozenset()

    @property
    def organization_ids(self) -> list[UUID]:
        return list(self.memberships)

    @property
    def scope(self) -> list[UUID] | None:
        """The organisations whose rows the caller may read; None: every one (a super admin)."""
        return None if self.is_super_admin else self.organization_ids

    def require_super_admin(self) -> None:
        if not self.is_super_admin:
            raise NotAllowed("Only a super admin may do this.")

    def require_member(self, organization_id: UUID) -> MemberRole | Literal["super_admin"]:
        """The caller's standing in the organisation; OrganizationNotFound when it has none (as if the
        organisation did not exist)."""
        if self.is_super_admin:
            return "super_admin"
        role = self.memberships.get(organization_id)
        if role is None:
            raise OrganizationNotFound()
        return role

    def require_admin(self, organization_id: UUID, *, write: bool = True) -> None:
        """An admin of the organisation (or a super admin). What admins do is a write unless told
        otherwise (`write=False`), refused in an inactive organisation (require_writable)."""
        if self.require_member(organization_id) == "agent":
            raise NotAllowed("Only an organisation admin may do this.")
        if write:
            self.require_writable(organization_id)

    def require_writable(self, organization_id: UUID) -> None:
        """A member may change nothing of an inactive organisation (its data stays readable, to export);
        a super admin may, to reactivate and repair it."""
        if not self.is_super_admin and organization_id in self.inactive_organizations:
            raise OrganizationInactive()

    def may_administer(self, organization_id: UUID) -> bool:
        return self.is_super_admin or self.memberships.get(organization_id) == "admin"


_LOAD_CALLER = """
SELECT u.id, u.email, u.name, u.is_super_admin, u.preferred_language, u.active,
       floor(extract(epoch FROM u.tokens_revoked_at))::bigint AS tokens_revoked_at,
       coalesce(json_object_agg(m.organization_id, m.role) FILTER (WHERE m.organization_id IS NOT NULL), '{}')
           AS memberships,
       coalesce(array_agg(m.organization_id) FILTER (WHERE NOT o.active), '{}') AS inactive_organizations
FROM users u
LEFT JOIN organization_members m ON m.user_id = u.id
LEFT JOIN organizations o ON o.id = m.organization_id
WHERE u.id = %s
GROUP BY u.id
"""


def load_caller(conn: Connection, user_id: str, *, token_issued_at: int | None = None) -> Caller:
    """The caller behind a verified access token. A token issued at or before the user's last sign-out
    (or deactivation) is refused: checked here, with the row every request reads anyway, so that a
    sign-out ends access at once at no extra round trip (`token_issued_at` None: no token to check)."""
    row = conn.execute(_LOAD_CALLER, (user_id,)).fetchone()
    if row is None or not row["active"]:
        raise UnknownUser()
    revoked = row["tokens_revoked_at"]
    if token_issued_at is not None and revoked is not None and token_issued_at <= revoked:
        raise InvalidToken()
    return Caller(
        user_id=row["id"],
        email=row["email"],
        name=row["name"],
        is_super_admin=row["is_super_admin"],
        preferred_language=row["preferred_language"],
        memberships={UUID(org): role for org, role in row["memberships"].items()},
        inactive_organizations=frozenset(row["inactive_organizations"]),
    )


@contextmanager
def scoped_connection(caller: Caller) -> Iterator[Connection]:
    """A transaction that runs as chatflow_dashboard and sees only the caller's organisations
    (every organisation for a super admin), whatever the queries inside it forget to filter."""
    with connection() as conn, conn.transaction():
        conn.execute("SET LOCAL ROLE chatflow_dashboard")
        conn.execute(
            "SELECT set_config('chatflow.organization_ids', %s, true), set_config('chatflow.super_admin', %s, true)",
            ("{" + ",".join(str(o) for o in caller.organization_ids) + "}", "on" if caller.is_super_admin else "off"),
        )
        yield conn
