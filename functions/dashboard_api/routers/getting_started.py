"""A new organisation's getting-started checklist: read by its members, put away by its admins."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from chatflow import getting_started
from chatflow.getting_started import StepKey
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/getting-started", tags=["getting started"], responses=SIGNED_IN_ERRORS
)


class StepOut(Schema):
    key: StepKey
    done: bool = Field(description="Ticked from what exists, never by hand.")


class GettingStartedOut(Schema):
    steps: list[StepOut] = Field(description="In the order a business goes through them.")
    complete: bool
    dismissed: bool = Field(description="Put away by an admin; the home page then shows it no more.")
    widget_seen_at: datetime | None = Field(description="When a widget was first seen on a page its channel allows.")
    widget_seen_origin: str | None = Field(description="That page's origin.")
    website_channel_id: UUID | None = Field(
        description="The organisation's website channel: its snippet, and the preview of its widget."
    )


class GettingStartedUpdate(Schema):
    dismissed: bool


def _out(state: getting_started.GettingStarted) -> GettingStartedOut:
    return GettingStartedOut(
        steps=[StepOut(key=step.key, done=step.done) for step in state.steps],
        complete=state.complete,
        dismissed=state.dismissed,
        widget_seen_at=state.widget_seen_at,
        widget_seen_origin=state.widget_seen_origin,
        website_channel_id=state.website_channel_id,
    )


@router.get("", response_model=GettingStartedOut)
def get_getting_started(organization_id: UUID, caller: CurrentCaller, db: Db) -> GettingStartedOut:
    """Members: each step's state, asked again to check an installation."""
    return _out(getting_started.get_getting_started(db, caller, organization_id))


@router.put("", response_model=GettingStartedOut)
def update_getting_started(
    organization_id: UUID, body: GettingStartedUpdate, caller: CurrentCaller, db: Db
) -> GettingStartedOut:
    """Org admins: put the checklist away, or bring it back."""
    return _out(getting_started.set_dismissed(db, caller, organization_id, dismissed=body.dismissed))
