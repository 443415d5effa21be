"""What the users' services return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chatflow.vocabulary import MemberRole

__all__ = ["Invited", "Membership", "User", "UserDetail"]


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: str
    active: bool


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
    signed_in_at: datetime | None  # None: invited, never signed in
    memberships: tuple[Membership, ...]


@dataclass(frozen=True, slots=True)
class Invited:
    user_id: str
    invitation_sent: bool
