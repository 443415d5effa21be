"""The audit log of an organisation: what its operators did, for its admins (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from chatflow import audit
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(tags=["audit"], responses=SIGNED_IN_ERRORS)


class AuditEntryOut(Schema):
    id: int
    actor_user_id: str | None
    actor_email: str | None
    action: str
    target: str | None
    details: dict[str, Any]
    at: datetime


@router.get("/organizations/{organization_id}/audit", response_model=list[AuditEntryOut])
def list_audit(
    organization_id: UUID,
    caller: CurrentCaller,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="The id of the last entry of the previous page.")
    ] = None,
) -> list[AuditEntryOut]:
    """Org admin: the organisation's audit log, newest first (sign-ins, invitations, role changes,
    take-overs, …); the export is this list, as JSON. Nobody can change or delete an entry."""
    entries = audit.list_entries(db, caller, organization_id, limit=limit, before=before)
    return [AuditEntryOut.from_domain(e) for e in entries]
