"""The audit log of an organisation: what its operators did, for its admins (append-only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AfterValidator, StringConstraints

from chatflow import audit
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(tags=["audit"], responses=SIGNED_IN_ERRORS)

# Days a filter may name: no entry is older, and beyond them a day's arithmetic overflows.
_EARLIEST_DAY, _LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def _within_bounds(value: date) -> date:
    if not _EARLIEST_DAY <= value <= _LATEST_DAY:
        raise ValueError(f"expected a day from {_EARLIEST_DAY} to {_LATEST_DAY}")
    return value


Day = Annotated[date, AfterValidator(_within_bounds)]
# An action (`visitor.erased`) or an area (`visitor`).
ActionFilter = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]{1,50}(\.[a-z_]{1,50})?$")]
ActorFilter = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


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
    action: Annotated[
        ActionFilter | None,
        Query(description="An action (visitor.erased) or an area (visitor: its every action)."),
    ] = None,
    actor: Annotated[ActorFilter | None, Query(description="Part of the actor's email, in any case.")] = None,
    since: Annotated[Day | None, Query(alias="from", description="From this UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[Day | None, Query(alias="to", description="Up to this UTC day, inclusive.")] = None,
) -> list[AuditEntryOut]:
    """Org admin: the organisation's audit log, newest first (sign-ins, invitations, role changes,
    take-overs, …); the export is this list, as JSON. Nobody can change or delete an entry."""
    entries = audit.list_entries(
        db, caller, organization_id, limit=limit, before=before, action=action, actor=actor, since=since, until=until
    )
    return [AuditEntryOut.from_domain(e) for e in entries]
