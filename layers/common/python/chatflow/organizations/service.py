"""Organisations and their members: the rules.

Super admins create, change and delete organisations; their members read them. An organisation's
members (and super admins) see who belongs; its admins (and super admins) add, change and remove
members; only a super admin makes anyone a super admin on the way (ForbiddenField for anyone else who
sends the field).

An organisation that has an admin always keeps one: the last admin can be neither demoted nor
removed. The check and the change run with the organisation's row locked, so two admins removing
each other at the same moment cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID

from chatflow import audit, users
from chatflow.access import Caller
from chatflow.auth.cognito import normalize_email
from chatflow.channels.service import create_channel
from chatflow.db import Connection
from chatflow.errors import (
    AlreadyMember,
    ForbiddenField,
    InvitationNotFound,
    LastAdmin,
    MemberNotFound,
    OrganizationInactive,
    OrganizationNotFound,
)
from chatflow.handoff import DEFAULT_HANDOFF_KEYWORDS
from chatflow.notifications import send
from chatflow.notifications.invite import join_email
from chatflow.notifications.links import dashboard_link
from chatflow.organizations import repository as repo
from chatflow.organizations.models import Invitation, Member, MemberInvitation, Organization
from chatflow.settings import Settings
from chatflow.vocabulary import MemberRole, Plan

__all__ = [
    "INVITATION_DAYS",
    "accept_invitation",
    "add_organization",
    "create_organization",
    "delete_organization",
    "get_organization",
    "invite_member",
    "list_invitations",
    "list_members",
    "list_organizations",
    "remove_member",
    "require_spending_allowed",
    "resend_invitation",
    "revoke_invitation",
    "update_member",
    "update_organization",
]

_DEFAULT_MODEL = "gpt-4o-mini"

# How long an emailed invitation link stays good (Cognito's temporary passwords last as long).
INVITATION_DAYS = 7


def create_organization(conn: Connection, *, name: str, plan: Plan = "starter", system_prompt: str = "") -> UUID:
    """An organisation with its ai_settings: gpt-4o-mini and the 19 default handoff keywords. No
    caller: for seeding and scripts; the dashboard's callers go through add_organization."""
    return repo.insert_organization(
        conn,
        name=name,
        plan=plan,
        model=_DEFAULT_MODEL,
        system_prompt=system_prompt,
        handoff_keywords=DEFAULT_HANDOFF_KEYWORDS,
    )


def list_organizations(conn: Connection, caller: Caller) -> list[Organization]:
    """The organisations the caller belongs to (every one for a super admin), by name."""
    return repo.select_organizations(conn, caller.scope)


_WEBSITE_CHANNEL_NAME = {"en": "Website", "es": "Sitio web"}


def add_organization(conn: Connection, caller: Caller, *, name: str, plan: Plan) -> Organization:
    """Super admin: a new organisation with create_organization's defaults and its website channel,
    on the plan's first slot, named in the caller's language: the snippet a business pastes is there
    from its first minute (the getting-started checklist starts from it)."""
    caller.require_super_admin()
    organization_id = create_organization(conn, name=name, plan=plan)
    channel_name = _WEBSITE_CHANNEL_NAME.get(caller.preferred_language, _WEBSITE_CHANNEL_NAME["en"])
    create_channel(conn, caller, organization_id, name=channel_name, channel_type="website")
    return _organization(conn, organization_id)


def get_organization(conn: Connection, caller: Caller, organization_id: UUID) -> Organization:
    """Its members and super admins."""
    caller.require_member(organization_id)
    return _organization(conn, organization_id)


def require_spending_allowed(conn: Connection, organization_id: UUID) -> None:
    """AI answers and embeddings cost money: none for an inactive organisation, whoever asks (a
    super admin too); OrganizationInactive until it is reactivated."""
    if not _organization(conn, organization_id).active:
        raise OrganizationInactive()


def _organization(conn: Connection, organization_id: UUID) -> Organization:
    organization = repo.find_organization(conn, organization_id)
    if organization is None:
        raise OrganizationNotFound()
    return organization


def update_organization(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    name: str | None,
    plan: Plan | None,
    active: bool | None,
) -> Organization:
    """Super admin: rename, change plan, activate or deactivate (a member who is not one is told
    NotAllowed, anyone else that there is no such organisation)."""
    caller.require_member(organization_id)
    caller.require_super_admin()
    updated = repo.update_organization(conn, organization_id, name=name, plan=plan, active=active)
    if updated is None:
        raise OrganizationNotFound()
    return updated


def delete_organization(conn: Connection, caller: Caller, organization_id: UUID) -> None:
    """Super admin: deletes the organisation and, by cascade, its channels, conversations, knowledge
    and usage."""
    caller.require_super_admin()
    if not repo.delete_organization(conn, organization_id):
        raise OrganizationNotFound()


def list_members(conn: Connection, caller: Caller, organization_id: UUID) -> list[Member]:
    """Its members and super admins: the organisation's members, admins first, then by name."""
    caller.require_member(organization_id)
    return repo.select_members(conn, organization_id)


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
) -> MemberInvitation:
    """Org admin: invite this email into the organisation. The answer is the same whether or not an
    account has the email, and says nothing of it: an existing account is emailed a link and joins
    only once it accepts; an email with no account gets one (Cognito and here, `name` and
    `preferred_language` the caller's by default) and the same link with its temporary password.
    Until accepted the invitation is pending (list_invitations). AlreadyMember only for a member of
    this organisation, which its admins see anyway. `is_super_admin` (a super admin's only) sets that
    standing at once."""
    caller.require_admin(organization_id)
    _only_super_admin_makes_super_admins(caller, is_super_admin)
    email = normalize_email(email)
    organization = _organization(conn, organization_id)
    existing = users.find_user_by_email(conn, email)
    if existing is not None and repo.member_role(conn, organization_id, existing.id) is not None:
        raise AlreadyMember()
    language = existing.preferred_language if existing else (preferred_language or caller.preferred_language)
    if existing is None:
        invitation, token = _renew(conn, caller, organization_id, email=email, role=role)
        join_url = dashboard_link(settings, language, "invitation", fragment=token)
        created = users.create_user(
            conn,
            settings,
            email=email,
            name=name or "",
            preferred_language=language,
            join=(organization.name, role, join_url, INVITATION_DAYS),
        )
        user_id, sent = created.user_id, created.invitation_sent
    else:
        invitation, sent = _send_invitation(
            conn, caller, settings, organization, email=email, role=role, language=language
        )
        user_id = existing.id
    if is_super_admin is not None:
        users.write_user(conn, user_id, is_super_admin=is_super_admin)
    audit.record(
        conn,
        action="invitation.created",
        organization_id=organization_id,
        actor=caller,
        target=email,
        details={"role": role},
    )
    return MemberInvitation(invitation, invitation_sent=sent)


def _renew(
    conn: Connection, caller: Caller, organization_id: UUID, *, email: str, role: MemberRole
) -> tuple[Invitation, str]:
    """The email's pending invitation, new or renewed with a new link (the old one stops working) and
    a new expiry; with its token, which only the email holds."""
    token = secrets.token_urlsafe(32)
    invitation = repo.save_invitation(
        conn,
        organization_id,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=caller.user_id,
        valid_days=INVITATION_DAYS,
    )
    return invitation, token


def _send_invitation(
    conn: Connection,
    caller: Caller,
    settings: Settings,
    organization: Organization,
    *,
    email: str,
    role: MemberRole,
    language: str,
) -> tuple[Invitation, bool]:
    """Renews the email's invitation and sends it: to an account that never signed in, with a new
    temporary password; to one that has, the link alone. Whether SES took it."""
    invitation, token = _renew(conn, caller, organization.id, email=email, role=role)
    join_url = dashboard_link(settings, language, "invitation", fragment=token)
    join = (organization.name, role, join_url, INVITATION_DAYS)
    sent = users.reissue_invitation(conn, settings, email=email, join=join)
    if sent is None:
        sent = send(
            settings,
            join_email(
                to=email,
                language=language,
                organization=organization.name,
                role=role,
                join_url=join_url,
                join_days=INVITATION_DAYS,
            ),
        )
    return invitation, sent


def resend_invitation(
    conn: Connection, caller: Caller, settings: Settings, organization_id: UUID, invitation_id: UUID
) -> MemberInvitation:
    """Org admin: send a pending or expired invitation again, with a new link and 7 more days (and a
    new temporary password for an account that never signed in); the old link stops working.
    InvitationNotFound for an unknown or accepted one."""
    caller.require_admin(organization_id)
    current = repo.find_invitation(conn, organization_id, invitation_id)
    if current is None or current.status == "accepted":
        raise InvitationNotFound()
    organization = _organization(conn, organization_id)
    existing = users.find_user_by_email(conn, current.email)
    language = existing.preferred_language if existing else caller.preferred_language
    invitation, sent = _send_invitation(
        conn, caller, settings, organization, email=current.email, role=current.role, language=language
    )
    audit.record(conn, action="invitation.resent", organization_id=organization_id, actor=caller, target=current.email)
    return MemberInvitation(invitation, invitation_sent=sent)


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def list_invitations(conn: Connection, caller: Caller, organization_id: UUID) -> list[Invitation]:
    """Org admin: the pending invitations first, then those accepted or expired in the last
    INVITATIONS_KEPT_DAYS days; newest first."""
    caller.require_admin(organization_id, write=False)
    return repo.select_invitations(conn, organization_id)


def revoke_invitation(conn: Connection, caller: Caller, organization_id: UUID, invitation_id: UUID) -> None:
    """Org admin: withdraw a pending invitation; its link stops working."""
    caller.require_admin(organization_id)
    if not repo.delete_invitation(conn, organization_id, invitation_id):
        raise InvitationNotFound()
    audit.record(
        conn, action="invitation.revoked", organization_id=organization_id, actor=caller, target=str(invitation_id)
    )


def accept_invitation(conn: Connection, caller: Caller, token: str) -> tuple[UUID, MemberRole]:
    """The caller joins the organisation its emailed link invites it into; InvitationNotFound when the
    link is unknown, expired, used, or was sent to another account's email."""
    joined = repo.accept_invitation(conn, token_hash=_token_hash(token), user_id=caller.user_id)
    if joined is None:
        raise InvitationNotFound()
    return joined


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
    member = _member(conn, organization_id, user_id)
    if role is not None:
        _lock_membership(conn, organization_id)
        if _role(conn, organization_id, user_id) == "admin" and role != "admin":
            _refuse_if_last_admin(conn, organization_id, user_id)
        repo.set_member_role(conn, organization_id, user_id, role)
        member = _member(conn, organization_id, user_id)
        audit.record(
            conn,
            action="member.role_changed",
            organization_id=organization_id,
            actor=caller,
            target=user_id,
            details={"role": role},
        )
    if is_super_admin is not None:
        users.update_user(conn, caller, user_id, is_super_admin=is_super_admin)
    return member


def remove_member(conn: Connection, caller: Caller, organization_id: UUID, user_id: str) -> None:
    """Org admin: take a user out of the organisation (the user itself stays); LastAdmin for its last
    admin."""
    caller.require_admin(organization_id)
    _lock_membership(conn, organization_id)
    if _role(conn, organization_id, user_id) == "admin":
        _refuse_if_last_admin(conn, organization_id, user_id)
    repo.delete_member(conn, organization_id, user_id)
    audit.record(conn, action="member.removed", organization_id=organization_id, actor=caller, target=user_id)


def _only_super_admin_makes_super_admins(caller: Caller, is_super_admin: bool | None) -> None:
    if is_super_admin is not None and not caller.is_super_admin:
        raise ForbiddenField(["isSuperAdmin"])


def _member(conn: Connection, organization_id: UUID, user_id: str) -> Member:
    member = repo.find_member(conn, organization_id, user_id)
    if member is None:
        raise MemberNotFound()
    return member


def _lock_membership(conn: Connection, organization_id: UUID) -> None:
    if not repo.lock_organization(conn, organization_id):
        raise OrganizationNotFound()


def _role(conn: Connection, organization_id: UUID, user_id: str) -> MemberRole:
    role = repo.member_role(conn, organization_id, user_id)
    if role is None:
        raise MemberNotFound()
    return role


def _refuse_if_last_admin(conn: Connection, organization_id: UUID, user_id: str) -> None:
    if repo.count_other_admins(conn, organization_id, user_id) == 0:
        raise LastAdmin()
