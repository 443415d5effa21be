"""A visitor's data in an organisation: exported (JSON) or erased, by its admins (GDPR / CCPA)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from chatflow import visitor_rights
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/visitor-data", tags=["visitor data"], responses=SIGNED_IN_ERRORS
)


class ExportedMessageOut(Schema):
    role: str
    content: str
    created_at: datetime


class ExportedConversationOut(Schema):
    id: UUID
    channel_id: UUID
    status: str
    language: str
    page_url: str | None
    visitor_metadata: dict[str, Any]
    created_at: datetime
    closed_at: datetime | None
    messages: list[ExportedMessageOut]


class VisitorExportOut(Schema):
    visitor_id: UUID
    conversations: list[ExportedConversationOut]


class ErasedOut(Schema):
    conversations: int
    messages: int
    webhook_deliveries: int = Field(description="Webhook deliveries about them, deleted (pending ones unsent).")


@router.get("/{visitor_id}", response_model=VisitorExportOut)
def export_visitor(organization_id: UUID, visitor_id: UUID, caller: CurrentCaller, db: Db) -> VisitorExportOut:
    """Org admin: everything kept about this visitor here, as JSON (audited)."""
    return VisitorExportOut.model_validate(visitor_rights.export_visitor(db, caller, organization_id, visitor_id))


@router.delete("/{visitor_id}", response_model=ErasedOut)
def erase_visitor(organization_id: UUID, visitor_id: UUID, caller: CurrentCaller, db: Db) -> ErasedOut:
    """Org admin: erase this visitor: messages redacted, page, browser data and verified identity
    removed, the link to the visitor id cut, webhook deliveries about them deleted; usage figures stay
    as counts (audited)."""
    return ErasedOut(**visitor_rights.erase_visitor(db, caller, organization_id, visitor_id))
