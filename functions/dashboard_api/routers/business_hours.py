"""A channel's business hours and its satisfaction survey (issue #19): members read, admins write.
Hours that overlap or end before they start, a date that is not one and an unknown time zone are
refused with 400 `invalid_field` naming the field (`weekly.mon.1.end`, `timeZone`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field, StringConstraints

from chatflow import business_hours, satisfaction
from chatflow.business_hours import DAYS, BusinessHours
from chatflow.business_hours.schedule import MAX_HOLIDAYS, MAX_RANGES_PER_DAY
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(
    prefix="/organizations/{organization_id}/channels/{channel_id}", tags=["channels"], responses=SIGNED_IN_ERRORS
)

Clock = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5)]
TimeZoneName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class TimeRangeIn(Schema):
    start: Clock = Field(description="HH:MM, the business's local time.", examples=["09:00"])
    end: Clock = Field(description="HH:MM after start; 24:00 for the end of the day.", examples=["17:00"])


class BusinessHoursIn(Schema):
    enabled: bool = Field(default=True, description="false: the channel keeps no hours (always staffed).")
    time_zone: TimeZoneName = Field(description="An IANA time zone.", examples=["America/New_York"])
    weekly: dict[str, Annotated[list[TimeRangeIn], Field(max_length=MAX_RANGES_PER_DAY)]] = Field(
        default_factory=dict,
        description="mon … sun: each day's ranges (several a day, not overlapping). A day left out is closed.",
    )
    holidays: Annotated[list[Annotated[str, StringConstraints(max_length=10)]], Field(max_length=MAX_HOLIDAYS)] = Field(
        default_factory=list, description="Closed all day: YYYY-MM-DD in the business's time zone."
    )
    offline_mode: Literal["ai", "form"] = Field(
        default="ai",
        description="Outside the hours: ai, the AI keeps answering and a handoff says when people are back and asks "
        "for an email; form, the widget shows a form to leave a message instead of the chat.",
    )


class TimeRangeOut(Schema):
    start: str
    end: str


class BusinessHoursOut(Schema):
    configured: bool = Field(description="false: the channel keeps no hours yet (the fields are suggestions).")
    enabled: bool
    time_zone: str
    weekly: dict[str, list[TimeRangeOut]]
    holidays: list[date]
    offline_mode: Literal["ai", "form"]
    open_now: bool = Field(description="Inside the hours now (always true without hours).")
    next_open_at: datetime | None = Field(description="When the hours start again; null while open.")

    @classmethod
    def of(cls, hours: BusinessHours | None, default_zone: str) -> BusinessHoursOut:
        if hours is None:
            return cls(
                configured=False,
                enabled=False,
                time_zone=default_zone,
                weekly={day: [] for day in DAYS},
                holidays=[],
                offline_mode="ai",
                open_now=True,
                next_open_at=None,
            )
        state = business_hours.availability(hours, datetime.now(UTC))
        return cls(
            configured=True,
            enabled=hours.enabled,
            time_zone=hours.time_zone,
            weekly={
                day: [TimeRangeOut(**r) for r in ranges]
                for day, ranges in business_hours.weekly_json(hours.weekly).items()
            },
            holidays=list(hours.holidays),
            offline_mode=hours.offline_mode,
            open_now=state is None or state.open,
            next_open_at=None if state is None else state.next_open_at,
        )


def _organization_zone(db: Db, organization_id: UUID) -> str:
    row = db.execute("SELECT time_zone FROM organizations WHERE id = %s", (organization_id,)).fetchone()
    return "America/New_York" if row is None else str(row["time_zone"])


@router.get("/business-hours", response_model=BusinessHoursOut)
def get_business_hours(organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db) -> BusinessHoursOut:
    """The channel's hours, whether they are open now and when next."""
    hours = business_hours.get_hours(db, caller, organization_id, channel_id)
    return BusinessHoursOut.of(hours, _organization_zone(db, organization_id))


@router.put("/business-hours", response_model=BusinessHoursOut, responses=error_responses(400))
def put_business_hours(
    organization_id: UUID, channel_id: UUID, body: BusinessHoursIn, caller: CurrentCaller, db: Db
) -> BusinessHoursOut:
    """Org admins: the whole schedule, replaced."""
    hours = business_hours.put_hours(
        db,
        caller,
        organization_id,
        channel_id,
        enabled=body.enabled,
        time_zone=body.time_zone,
        weekly={day: [r.model_dump() for r in ranges] for day, ranges in body.weekly.items()},
        holidays=body.holidays,
        offline_mode=body.offline_mode,
    )
    return BusinessHoursOut.of(hours, hours.time_zone)


class SatisfactionIO(Schema):
    enabled: bool = Field(description="Ask the visitor for a rating when a conversation ends.")
    scale: Literal["five", "thumbs"] = Field(description="five: 1-5 stars; thumbs: up or down.")


@router.get("/satisfaction", response_model=SatisfactionIO)
def get_satisfaction(organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db) -> SatisfactionIO:
    """The channel's satisfaction survey (CSAT)."""
    found = satisfaction.get_settings(db, caller, organization_id, channel_id)
    return SatisfactionIO(enabled=found.enabled, scale=found.scale)


@router.put("/satisfaction", response_model=SatisfactionIO, responses=error_responses(400))
def put_satisfaction(
    organization_id: UUID, channel_id: UUID, body: SatisfactionIO, caller: CurrentCaller, db: Db
) -> SatisfactionIO:
    """Org admins: turn the survey on or off, choose its scale."""
    stored = satisfaction.put_settings(
        db,
        caller,
        organization_id,
        channel_id,
        satisfaction.SatisfactionSettings(enabled=body.enabled, scale=body.scale),
    )
    return SatisfactionIO(enabled=stored.enabled, scale=stored.scale)
