"""How an organisation's inbox hands out conversations: auto-assignment (admins switch it) and each
member's availability (their own switch in the dashboard's header)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from chatflow.inbox import assignment
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(prefix="/organizations/{organization_id}", tags=["inbox"], responses=SIGNED_IN_ERRORS)


class InboxSettingsOut(Schema):
    auto_assign: bool = Field(description="New handoffs go round-robin to the available members.")


class InboxSettingsIn(Schema):
    auto_assign: bool


class AvailabilityIO(Schema):
    available: bool = Field(description="Away members get no conversation by auto-assignment.")


@router.get("/inbox-settings", response_model=InboxSettingsOut)
def get_inbox_settings(organization_id: UUID, caller: CurrentCaller, db: Db) -> InboxSettingsOut:
    """Members read."""
    return InboxSettingsOut(auto_assign=assignment.get_settings(db, caller, organization_id).auto_assign)


@router.put("/inbox-settings", response_model=InboxSettingsOut)
def update_inbox_settings(organization_id: UUID, body: InboxSettingsIn, caller: CurrentCaller) -> InboxSettingsOut:
    """Admins: 403 for an agent."""
    return InboxSettingsOut(
        auto_assign=assignment.update_settings(caller, organization_id, auto_assign=body.auto_assign).auto_assign
    )


@router.get("/availability", response_model=AvailabilityIO)
def get_availability(organization_id: UUID, caller: CurrentCaller, db: Db) -> AvailabilityIO:
    """The caller's own availability in this organisation."""
    return AvailabilityIO(available=assignment.get_availability(db, caller, organization_id))


@router.put("/availability", response_model=AvailabilityIO)
def set_availability(organization_id: UUID, body: AvailabilityIO, caller: CurrentCaller) -> AvailabilityIO:
    """Any member switches their own availability."""
    return AvailabilityIO(available=assignment.set_availability(caller, organization_id, available=body.available))
