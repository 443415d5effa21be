"""An organisation's visitors: each visitor of each channel once, most recently seen first, with the
identity its business signed when there is one. Members read; so do API tokens with contacts:read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field, StringConstraints

from chatflow import visitors
from dependencies import CurrentCaller, Db, accepts_api_token
from schemas import SIGNED_IN_ERRORS, Schema

SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

router = APIRouter(prefix="/organizations/{organization_id}/visitors", tags=["visitors"], responses=SIGNED_IN_ERRORS)


class VisitorOut(Schema):
    visitor_id: UUID = Field(description="Filter the inbox with it: GET /conversations?visitorId=…")
    channel_id: UUID
    verified: bool = Field(description="Signed by the business (verified visitor identity).")
    user_id: str | None = Field(description="The business's own id of a verified user.")
    name: str | None
    email: str | None
    conversation_count: int
    first_seen_at: datetime
    last_seen_at: datetime


@router.get("", response_model=list[VisitorOut], **accepts_api_token("contacts:read"))
def list_visitors(
    organization_id: UUID,
    caller: CurrentCaller,
    db: Db,
    verified: Annotated[bool, Query(description="Only verified users.")] = False,
    limit: Annotated[int, Query(ge=1, le=visitors.MAX_PAGE_SIZE)] = 50,
    q: Annotated[
        SearchText | None,
        Query(description="A visitor id, a verified user's own id (exact), or part of their email or name."),
    ] = None,
) -> list[VisitorOut]:
    """Members: the organisation's visitors, most recently seen first."""
    return [
        VisitorOut.from_domain(v)
        for v in visitors.list_visitors(db, caller, organization_id, verified_only=verified, limit=limit, search=q)
    ]
