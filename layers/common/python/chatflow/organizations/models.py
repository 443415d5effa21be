"""An organisation and who belongs to it, as the dashboard reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow.vocabulary import MemberRole, Plan

__all__ = ["Invitation", "InvitationStatus", "Member", "MemberInvitation", "Organization"]

InvitationStatus = Literal["pending", "accepted", "expired"]


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
    signed_in_at: datetime | None  # None: invited, never signed in


@dataclass(frozen=True, slots=True)
class Invitation:
    """An invitation into an organisation: the email joins once its account accepts (`status`
    accepted), until it expires (expired); pending meanwhile."""

    id: UUID
    email: str
    role: MemberRole
    created_at: datetime
    expires_at: datetime
    sent_at: datetime
    accepted_at: datetime | None
    status: InvitationStatus


@dataclass(frozen=True, slots=True)
class MemberInvitation:
    """What inviting answers, the same whether or not the email has an account."""

    invitation: Invitation
    invitation_sent: bool
