"""Organisations: the tenants. Created, changed and deleted by super admins; read by their members."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, status

from chatflow import organizations
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
    ids = None if caller.is_super_admin else caller.organization_ids
    return [OrganizationOut.from_domain(o) for o in organizations.list_organizations(db, organization_ids=ids)]


@router.post("", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationCreate, caller: CurrentCaller, db: Db) -> OrganizationOut:
    """Super admin: a new organisation with default AI settings (gpt-4o-mini, the 19 handoff keywords)."""
    caller.require_super_admin()
    organization_id = organizations.create_organization(db, name=body.name.strip(), plan=body.plan)
    return OrganizationOut.from_domain(organizations.get_organization(db, organization_id))


@router.get("/{organization_id}", response_model=OrganizationOut)
def get_organization(organization_id: UUID, caller: CurrentCaller, db: Db) -> OrganizationOut:
    caller.require_member(organization_id)
    return OrganizationOut.from_domain(organizations.get_organization(db, organization_id))


@router.patch("/{organization_id}", response_model=OrganizationOut)
def update_organization(
    organization_id: UUID, body: OrganizationUpdate, caller: CurrentCaller, db: Db
) -> OrganizationOut:
    """Super admin: rename, change plan, activate or deactivate (an inactive organisation's widgets answer 404)."""
    caller.require_member(organization_id)
    caller.require_super_admin()
    updated = organizations.update_organization(
        db, organization_id, name=body.name.strip() if body.name else None, plan=body.plan, active=body.active
    )
    return OrganizationOut.from_domain(updated)


@router.delete("/{organization_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organization(organization_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Super admin: delete the organisation and everything it owns."""
    caller.require_super_admin()
    organizations.delete_organization(db, organization_id)
