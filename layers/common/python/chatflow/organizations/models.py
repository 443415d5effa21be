"""An organisation and who belongs to it, as the dashboard reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chatflow.vocabulary import MemberRole, Plan

__all__ = ["Member", "MemberInvited", "Organization"]


@dataclass(frozen=True, slots=True)
class Organization:
    id: UUID
    name: str
    plan: Plan
    active: bool
    created_at: datetime
    updated_at: datetime


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
