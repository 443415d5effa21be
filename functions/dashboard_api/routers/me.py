"""The signed-in user: who they are, their organisations and roles, their language."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter

from chatflow.organizations import list_organizations
from chatflow.users import update_profile
from dependencies import CurrentCaller, Db
from schemas import Name, Schema, error_responses

# Only a signed-in caller's own account: no role to lack, nothing of another organisation to miss;
# 403 insufficient_scope for an organisation API token, which is nobody's "me".
router = APIRouter(tags=["me"], responses=error_responses(401, 403, 503))


class UserOut(Schema):
    id: str
    email: str
    name: str
    is_super_admin: bool
    preferred_language: Literal["en", "es"]


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
    )
