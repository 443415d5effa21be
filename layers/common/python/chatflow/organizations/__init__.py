"""Organisations, the tenants, and their members: who belongs to each, with which role."""

from chatflow.organizations.models import Invitation, Member, MemberInvitation, Organization
from chatflow.organizations.service import (
    accept_invitation,
    add_organization,
    create_organization,
    delete_organization,
    get_organization,
    invite_member,
    list_invitations,
    list_members,
    list_organizations,
    remove_member,
    resend_invitation,
    revoke_invitation,
    update_member,
    update_organization,
)

__all__ = [
    "Invitation",
    "Member",
    "MemberInvitation",
    "Organization",
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
    "resend_invitation",
    "revoke_invitation",
    "update_member",
    "update_organization",
]
