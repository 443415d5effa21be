"""A channel's verified visitor identity: org admins make (and rotate) the secret its business signs
its users' tokens with, shown once, and may require every visitor to be identified."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from chatflow import visitor_identity
from dependencies import AppSettings, CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/channels/{channel_id}/identity",
    tags=["visitor identity"],
    responses=SIGNED_IN_ERRORS,
)


class IdentityOut(Schema):
    channel_id: UUID
    configured: bool = Field(description="The channel has an identity secret.")
    required: bool = Field(description="Visitors without a valid identity token are refused (401).")
    rotated_at: datetime | None

    @classmethod
    def of(cls, found: visitor_identity.IdentitySettings) -> IdentityOut:
        return cls(
            channel_id=found.channel_id,
            configured=found.configured,
            required=found.required,
            rotated_at=found.rotated_at,
        )


class IdentityWithSecretOut(IdentityOut):
    secret: str = Field(description="Sign your users' HS256 tokens with it; shown this once.")


class IdentityUpdate(Schema):
    required: bool


@router.get("", response_model=IdentityOut)
def get_identity(organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db) -> IdentityOut:
    """Org admin: whether the channel has an identity secret and requires identified visitors."""
    return IdentityOut.of(visitor_identity.get_identity_settings(db, caller, organization_id, channel_id))


@router.post("/secret", response_model=IdentityWithSecretOut)
def rotate_identity_secret(
    organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> IdentityWithSecretOut:
    """Org admin: a new identity secret, in this answer only; the previous one stops working (within
    30 seconds, the widget API's cache)."""
    found, secret = visitor_identity.rotate_identity_secret(db, caller, organization_id, channel_id, settings=settings)
    return IdentityWithSecretOut(**IdentityOut.of(found).model_dump(), secret=secret)


@router.put("", response_model=IdentityOut)
def set_identity(
    organization_id: UUID, channel_id: UUID, body: IdentityUpdate, caller: CurrentCaller, db: Db
) -> IdentityOut:
    """Org admin: require identified visitors (400 until the channel has a secret), or accept anonymous
    ones again."""
    return IdentityOut.of(
        visitor_identity.set_identity_required(db, caller, organization_id, channel_id, required=body.required)
    )
