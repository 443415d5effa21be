"""Users and memberships. Super admins manage every user; an org admin invites people into its own
organisations and changes their role there. Nobody but a super admin makes anyone a super admin."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import Field, StringConstraints, field_validator

from chatflow import organizations, users
from chatflow.vocabulary import Language, MemberRole
from dependencies import AppSettings, CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Email, Name, Page, Schema, error_responses

router = APIRouter(tags=["users"], responses=SIGNED_IN_ERRORS)

# Routes that create, change or delete a Cognito user also answer what Cognito may refuse.
_COGNITO_ERRORS = error_responses(409, 429)

UserId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class MembershipIn(Schema):
    organization_id: UUID
    role: MemberRole


class UserCreate(Schema):
    email: Email
    name: Name
    preferred_language: Language = "en"
    is_super_admin: bool = False
    memberships: list[MembershipIn] = Field(default_factory=list, max_length=100)

    @field_validator("memberships")
    @classmethod
    def _one_role_per_organization(cls, value: list[MembershipIn]) -> list[MembershipIn]:
        if len({m.organization_id for m in value}) != len(value):
            raise ValueError("an organisation appears more than once")
        return value


class UserUpdate(Schema):
    name: Name | None = None
    preferred_language: Language | None = None
    is_super_admin: bool | None = None


class UserMembershipOut(Schema):
    organization_id: UUID
    organization_name: str
    role: MemberRole


class UserDetailOut(Schema):
    id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: Language
    active: bool
    created_at: datetime
    signed_in_at: datetime | None = Field(description="Its first sign-in; null: invited, never signed in.")
    memberships: list[UserMembershipOut]


class UserCreated(UserDetailOut):
    invitation_sent: bool = Field(description="False when SES did not take the invitation: invite again later.")


class MemberCreate(Schema):
    email: Email
    name: Name | None = Field(default=None, description="For a new user only; an existing user keeps its name.")
    role: MemberRole
    preferred_language: Language | None = Field(
        default=None, description="For a new user only (its invitation's language); the inviter's by default."
    )
    is_super_admin: bool | None = Field(default=None, description="Super admins only.")


class MemberUpdate(Schema):
    role: MemberRole | None = None
    is_super_admin: bool | None = Field(default=None, description="Super admins only.")


class MemberOut(Schema):
    user_id: str
    email: str
    name: str
    preferred_language: Language
    active: bool
    role: MemberRole
    joined_at: datetime
    signed_in_at: datetime | None = Field(description="Its first sign-in; null: invited, never signed in.")


class InvitationOut(Schema):
    """An invitation. Inviting answers this whether or not the email has an account."""

    id: UUID
    email: str
    role: MemberRole
    status: Literal["pending", "accepted", "expired"]
    created_at: datetime
    expires_at: datetime = Field(description="Its link and temporary password work until then (7 days).")
    sent_at: datetime = Field(description="When it was last sent.")
    accepted_at: datetime | None


class InvitationSent(InvitationOut):
    invitation_sent: bool = Field(description="False when SES did not take the email: invite again later.")


# --- Users (super admin) ---


@router.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED, responses=_COGNITO_ERRORS)
def create_user(body: UserCreate, caller: CurrentCaller, db: Db, settings: AppSettings) -> UserCreated:
    """Super admin: create a user in Cognito and here together, with optional memberships, and email
    it an invitation (its language) with a temporary password. 409 user_exists for a taken email."""
    invited = users.invite_user(
        db,
        caller,
        settings,
        email=body.email,
        name=body.name,
        preferred_language=body.preferred_language,
        is_super_admin=body.is_super_admin,
        memberships=[(m.organization_id, m.role) for m in body.memberships],
    )
    created = UserDetailOut.from_domain(users.get_user_detail(db, caller, invited.user_id))
    return UserCreated(**created.model_dump(), invitation_sent=invited.invitation_sent)


@router.get("/users", response_model=Page[UserDetailOut])
def list_users(
    caller: CurrentCaller,
    db: Db,
    search: Annotated[str | None, Query(max_length=200, description="Part of the email or name")] = None,
    cursor: Annotated[str | None, Query(max_length=1000, description="nextCursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[UserDetailOut]:
    """Super admin: every user, by email, a page at a time."""
    found, next_cursor = users.list_users(db, caller, search=search, cursor=cursor, limit=limit)
    return Page[UserDetailOut](items=[UserDetailOut.from_domain(u) for u in found], next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=UserDetailOut)
def get_user(user_id: UserId, caller: CurrentCaller, db: Db) -> UserDetailOut:
    return UserDetailOut.from_domain(users.get_user_detail(db, caller, user_id))


@router.patch("/users/{user_id}", response_model=UserDetailOut, responses=error_responses(409))
def update_user(user_id: UserId, body: UserUpdate, caller: CurrentCaller, db: Db) -> UserDetailOut:
    """Super admin: name, preferred language, super-admin standing (not one's own)."""
    users.update_user(
        db,
        caller,
        user_id,
        name=body.name,
        preferred_language=body.preferred_language,
        is_super_admin=body.is_super_admin,
    )
    return UserDetailOut.from_domain(users.get_user_detail(db, caller, user_id))


@router.post("/users/{user_id}/deactivate", response_model=UserDetailOut, responses=_COGNITO_ERRORS)
def deactivate_user(user_id: UserId, caller: CurrentCaller, db: Db, settings: AppSettings) -> UserDetailOut:
    """Super admin: the user can no longer sign in (Cognito disabled) and its tokens stop working."""
    users.set_user_active(db, caller, settings, user_id, active=False)
    return UserDetailOut.from_domain(users.get_user_detail(db, caller, user_id))


@router.post("/users/{user_id}/activate", response_model=UserDetailOut, responses=error_responses(429))
def activate_user(user_id: UserId, caller: CurrentCaller, db: Db, settings: AppSettings) -> UserDetailOut:
    users.set_user_active(db, caller, settings, user_id, active=True)
    return UserDetailOut.from_domain(users.get_user_detail(db, caller, user_id))


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_COGNITO_ERRORS)
def delete_user(user_id: UserId, caller: CurrentCaller, db: Db, settings: AppSettings) -> None:
    """Super admin: delete the user in Cognito and here; messages it wrote stay, without an author."""
    users.delete_user(db, caller, settings, user_id)


# --- Members of an organisation (its admins, or a super admin) ---


@router.get("/organizations/{organization_id}/members", response_model=list[MemberOut], tags=["members"])
def list_members(organization_id: UUID, caller: CurrentCaller, db: Db) -> list[MemberOut]:
    """Admins and agents of the organisation (and super admins): its members, admins first."""
    return [MemberOut.from_domain(m) for m in organizations.list_members(db, caller, organization_id)]


@router.post(
    "/organizations/{organization_id}/members",
    response_model=InvitationSent,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["members"],
    responses=_COGNITO_ERRORS,
)
def add_member(
    organization_id: UUID, body: MemberCreate, caller: CurrentCaller, db: Db, settings: AppSettings
) -> InvitationSent:
    """Org admin: invite this email. The answer is the same whether or not it has an account; the
    invitee joins once it accepts the emailed link (pending until then). 409 already_member when it
    belongs already."""
    sent = organizations.invite_member(
        db,
        caller,
        settings,
        organization_id=organization_id,
        email=body.email,
        name=body.name,
        role=body.role,
        preferred_language=body.preferred_language,
        is_super_admin=body.is_super_admin,
    )
    invitation = InvitationOut.from_domain(sent.invitation)
    return InvitationSent(**invitation.model_dump(), invitation_sent=sent.invitation_sent)


@router.get("/organizations/{organization_id}/invitations", response_model=list[InvitationOut], tags=["members"])
def list_invitations(organization_id: UUID, caller: CurrentCaller, db: Db) -> list[InvitationOut]:
    """Org admin: the pending invitations, then those accepted or expired in the last 90 days; newest first."""
    return [InvitationOut.from_domain(i) for i in organizations.list_invitations(db, caller, organization_id)]


@router.post(
    "/organizations/{organization_id}/invitations/{invitation_id}/resend",
    response_model=InvitationSent,
    tags=["members"],
    responses=_COGNITO_ERRORS,
)
def resend_invitation(
    organization_id: UUID, invitation_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> InvitationSent:
    """Org admin: send a pending or expired invitation again: a new link valid 7 days (the old one
    stops working) and, for an account that never signed in, a new temporary password. 404
    invitation_not_found for an accepted or unknown one."""
    sent = organizations.resend_invitation(db, caller, settings, organization_id, invitation_id)
    invitation = InvitationOut.from_domain(sent.invitation)
    return InvitationSent(**invitation.model_dump(), invitation_sent=sent.invitation_sent)


@router.delete(
    "/organizations/{organization_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["members"],
)
def revoke_invitation(organization_id: UUID, invitation_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Org admin: withdraw a pending invitation; its link stops working."""
    organizations.revoke_invitation(db, caller, organization_id, invitation_id)


class AcceptIn(Schema):
    token: str = Field(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")


class AcceptedOut(Schema):
    organization_id: UUID
    role: MemberRole


@router.post("/invitations/accept", response_model=AcceptedOut, tags=["members"])
def accept_invitation(body: AcceptIn, caller: CurrentCaller, db: Db) -> AcceptedOut:
    """The signed-in account joins the organisation its emailed link invites it into; 404
    invitation_not_found for a link that is unknown, expired, used or sent to another account."""
    organization_id, role = organizations.accept_invitation(db, caller, body.token)
    return AcceptedOut(organization_id=organization_id, role=role)


@router.patch(
    "/organizations/{organization_id}/members/{user_id}",
    response_model=MemberOut,
    tags=["members"],
    responses=error_responses(409),
)
def update_member(
    organization_id: UUID, user_id: UserId, body: MemberUpdate, caller: CurrentCaller, db: Db
) -> MemberOut:
    """Org admin: make a member admin or agent. 409 last_admin when it would leave no admin."""
    member = organizations.update_member(
        db, caller, organization_id, user_id, role=body.role, is_super_admin=body.is_super_admin
    )
    return MemberOut.from_domain(member)


@router.delete(
    "/organizations/{organization_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["members"],
    responses=error_responses(409),
)
def remove_member(organization_id: UUID, user_id: UserId, caller: CurrentCaller, db: Db) -> None:
    """Org admin: take a member out of the organisation (its account stays). 409 last_admin for the last admin."""
    organizations.remove_member(db, caller, organization_id, user_id)
