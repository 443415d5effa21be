"""Organisations, the tenants, and their members: who belongs to each, with which role."""

from chatflow.organizations.models import Member, MemberInvited, Organization
from chatflow.organizations.service import (
    add_organization,
    create_organization,
    delete_organization,
    get_organization,
    invite_member,
    list_members,
    list_organizations,
    remove_member,
    update_member,
    update_organization,
)

__all__ = [
    "Member",
    "MemberInvited",
    "Organization",
    "add_organization",
    "create_organization",
    "delete_organization",
    "get_organization",
    "invite_member",
    "list_members",
    "list_organizations",
    "remove_member",
    "update_member",
    "update_organization",
]
