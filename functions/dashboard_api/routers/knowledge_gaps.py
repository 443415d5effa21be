"""Knowledge gaps: the visitor questions the knowledge could not answer, grouped by similar question
(chatflow.knowledge.gaps). Members (admins and agents) read them; admins dismiss or reopen one, and
answer one by creating a knowledge entry with its `gapId`. Another organisation's gap answers 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import Field

from chatflow.knowledge import gaps
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/knowledge-gaps", tags=["knowledge"], responses=SIGNED_IN_ERRORS
)


class KnowledgeGapOut(Schema):
    id: UUID
    question: str = Field(description="The group's latest question, as the visitor wrote it (untrusted text).")
    count: int = Field(description="How many times a question of this group was asked.")
    languages: list[Literal["en", "es"]] = Field(description="The languages it was asked in.")
    reasons: list[Literal["no_passage", "cannot_answer"]] = Field(
        description="no_passage: no passage of the knowledge was good enough; cannot_answer: the AI handed "
        "the conversation to a person because it could not answer."
    )
    first_asked_at: datetime
    last_asked_at: datetime
    status: Literal["open", "answered", "dismissed"]
    knowledge_id: UUID | None = Field(description="The entry that answered it (status answered).")
    resolved_at: datetime | None


@router.get("", response_model=list[KnowledgeGapOut])
def list_knowledge_gaps(
    organization_id: UUID,
    caller: CurrentCaller,
    db: Db,
    gap_status: Annotated[Literal["open", "answered", "dismissed"], Query(alias="status")] = "open",
) -> list[KnowledgeGapOut]:
    """Members: the gaps of this status (open by default), the most asked first (at most 200)."""
    return [KnowledgeGapOut.from_domain(g) for g in gaps.list_gaps(db, caller, organization_id, status=gap_status)]


@router.post("/{gap_id}/dismiss", status_code=status.HTTP_204_NO_CONTENT)
def dismiss_knowledge_gap(organization_id: UUID, gap_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Admins: off the open list, as not worth an entry. It keeps counting its questions."""
    gaps.dismiss_gap(db, caller, organization_id, gap_id)


@router.post("/{gap_id}/reopen", status_code=status.HTTP_204_NO_CONTENT)
def reopen_knowledge_gap(organization_id: UUID, gap_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Admins: a dismissed or answered gap back on the open list."""
    gaps.reopen_gap(db, caller, organization_id, gap_id)
