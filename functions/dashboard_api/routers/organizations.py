"""Organisations: the tenants. Created, changed and deleted by super admins; read by their members."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import Field

from chatflow import organizations, retention
from chatflow.vocabulary import Plan
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Name, Schema

router = APIRouter(prefix="/organizations", tags=["organizations"], responses=SIGNED_IN_ERRORS)


class OrganizationCreate(Schema):
    name: Name
    plan: Plan = "starter"


class OrganizationUpdate(Schema):
    name: Name | None = None
    plan: Plan | None = None
    active: bool | None = None


class OrganizationOut(Schema):
    id: UUID
    name: str
    plan: Plan
    active: bool
    created_at: datetime
    updated_at: datetime


@router.get("", response_model=list[OrganizationOut])
def list_organizations(caller: CurrentCaller, db: Db) -> list[OrganizationOut]:
    """The organisations the caller belongs to (all of them for a super admin)."""
    return [OrganizationOut.from_domain(o) for o in organizations.list_organizations(db, caller)]


@router.post("", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationCreate, caller: CurrentCaller, db: Db) -> OrganizationOut:
    """Super admin: a new organisation with default AI settings (gpt-4o-mini, the 19 handoff keywords)."""
    return OrganizationOut.from_domain(
        organizations.add_organization(db, caller, name=body.name.strip(), plan=body.plan)
    )


@router.get("/{organization_id}", response_model=OrganizationOut)
def get_organization(organization_id: UUID, caller: CurrentCaller, db: Db) -> OrganizationOut:
    return OrganizationOut.from_domain(organizations.get_organization(db, caller, organization_id))


@router.patch("/{organization_id}", response_model=OrganizationOut)
def update_organization(
    organization_id: UUID, body: OrganizationUpdate, caller: CurrentCaller, db: Db
) -> OrganizationOut:
    """Super admin: rename, change plan, activate or deactivate (an inactive organisation's widgets answer 404)."""
    updated = organizations.update_organization(
        db, caller, organization_id, name=body.name.strip() if body.name else None, plan=body.plan, active=body.active
    )
    return OrganizationOut.from_domain(updated)


@router.delete("/{organization_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organization(organization_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Super admin: delete the organisation and everything it owns."""
    organizations.delete_organization(db, caller, organization_id)


class RetentionIn(Schema):
    days: int | None = Field(
        ge=1, le=retention.MAX_DAYS, description="Days conversations are kept after their last message; null: kept."
    )


class RetentionOut(Schema):
    days: int | None


@router.get("/{organization_id}/retention", response_model=RetentionOut)
def get_retention(organization_id: UUID, caller: CurrentCaller, db: Db) -> RetentionOut:
    """Org admin: how long conversations are kept (null: kept until deleted by hand)."""
    return RetentionOut(days=retention.get_retention(db, caller, organization_id))


@router.put("/{organization_id}/retention", response_model=RetentionOut)
def set_retention(organization_id: UUID, body: RetentionIn, caller: CurrentCaller, db: Db) -> RetentionOut:
    """Org admin: keep conversations this many days after their last message (30, 90, 365, or any
    number up to 36,500; null: keep them). The hourly cleanup deletes what is older, with its messages
    and visitor data; usage figures stay. Recorded in the audit log."""
    return RetentionOut(days=retention.set_retention(db, caller, organization_id, body.days))
