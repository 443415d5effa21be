"""The signed-in user: who they are, their organisations and roles, their language."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import Field

from chatflow.organizations import list_organizations
from chatflow.users import (
    my_avatar_url,
    remove_my_avatar,
    request_my_avatar_upload,
    set_my_avatar,
    update_profile,
)
from dependencies import CurrentCaller, Db
from schemas import Name, PictureIn, PictureUploadIn, PictureUploadOut, Schema, error_responses

# Only a signed-in caller's own account: no role to lack, nothing of another organisation to miss;
# 403 insufficient_scope for an organisation API token, which is nobody's "me".
router = APIRouter(tags=["me"], responses=error_responses(401, 403, 503))


class UserOut(Schema):
    id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: Literal["en", "es"]
    avatar_url: str | None = Field(default=None, description="The photo visitors see beside one's messages.")


class MembershipOut(Schema):
    id: UUID
    name: str
    plan: str
    active: bool
    role: Literal["admin", "agent", "super_admin"]


class MeOut(Schema):
    user: UserOut
    organizations: list[MembershipOut]


class MeUpdate(Schema):
    name: Name | None = None
    preferred_language: Literal["en", "es"] | None = None


@router.get("/me", response_model=MeOut)
def get_me(caller: CurrentCaller, db: Db) -> MeOut:
    """The caller, with every organisation it may open and its role there (all of them for a super admin)."""
    organizations = list_organizations(db, caller)
    return MeOut(
        user=UserOut(
            id=caller.user_id,
            email=caller.email,
            name=caller.name,
            is_super_admin=caller.is_super_admin,
            preferred_language=caller.preferred_language,  # type: ignore[arg-type]
            avatar_url=my_avatar_url(db, caller),
        ),
        organizations=[
            MembershipOut(
                id=o.id,
                name=o.name,
                plan=o.plan,
                active=o.active,
                role=caller.memberships.get(o.id, "super_admin"),
            )
            for o in organizations
        ],
    )


@router.patch("/me", response_model=UserOut)
def update_me(body: MeUpdate, caller: CurrentCaller, db: Db) -> UserOut:
    """Change one's own name or preferred language."""
    user = update_profile(db, caller, name=body.name, preferred_language=body.preferred_language)
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        is_super_admin=user.is_super_admin,
        preferred_language=user.preferred_language,  # type: ignore[arg-type]
        avatar_url=my_avatar_url(db, caller),
    )


class AvatarOut(Schema):
    avatar_url: str | None


@router.post(
    "/me/avatar/upload",
    response_model=PictureUploadOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 415),
)
def request_avatar_upload(body: PictureUploadIn, caller: CurrentCaller) -> PictureUploadOut:
    """A presigned POST for one's photo, straight to storage; then PUT /me/avatar."""
    grant = request_my_avatar_upload(caller, content_type=body.content_type, size=body.size)
    return PictureUploadOut(url=grant.url, fields=grant.fields, upload_key=grant.upload_key, max_bytes=grant.max_bytes)


@router.put("/me/avatar", response_model=AvatarOut, responses=error_responses(400, 409, 415))
def set_avatar(body: PictureIn, caller: CurrentCaller, db: Db) -> AvatarOut:
    """The uploaded picture (checked by its bytes, squared to 256 px, without metadata) becomes one's photo."""
    return AvatarOut(avatar_url=set_my_avatar(db, caller, upload_key=body.upload_key))


@router.delete("/me/avatar", response_model=AvatarOut)
def remove_avatar(caller: CurrentCaller, db: Db) -> AvatarOut:
    """Visitors see one's initials again."""
    remove_my_avatar(db, caller)
    return AvatarOut(avatar_url=None)
