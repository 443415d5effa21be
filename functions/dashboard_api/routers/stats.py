"""The dashboard's figures, counted from real conversations and messages: one organisation's, or
all of the caller's. Any member of the organisation (agent or admin) and super admins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from chatflow import stats
from chatflow.inbox.views import ConversationSummaryOut
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(tags=["stats"], responses=SIGNED_IN_ERRORS)


class PageCountOut(Schema):
    page_url: str
    conversations: int


class DailyPointOut(Schema):
    date: dt.date
    conversations: int
    messages: int = Field(description="Visitor, AI and agent messages written that day (not system notices).")
    handoffs: int = Field(description="Conversations handed to a person that day.")


class PeriodOut(Schema):
    days: int
    first_day: dt.date
    last_day: dt.date
    conversations: int = Field(description="Conversations that started in the period.")
    answered_by_ai_alone: int
    handed_to_human: int
    ai_alone_share: float | None = Field(description="0..1; null when the period has no conversation.")
    handoff_rate: float | None = Field(description="0..1; null when the period has no conversation.")
    median_first_response_seconds: float | None = Field(
        description="From the handoff to the first agent message; null when no handoff was answered."
    )


class StatsOut(Schema):
    organization_id: UUID | None
    conversations_today: int
    conversations_last_7_days: int
    conversations_last_30_days: int
    open_now: int = Field(description="Open or waiting conversations, now.")
    waiting_for_human: int = Field(description="Handed to a person and not answered yet, now.")
    period: PeriodOut
    busiest_pages: list[PageCountOut]
    recent_conversations: list[ConversationSummaryOut]
    daily: list[DailyPointOut]


@router.get("/stats", response_model=StatsOut)
def get_stats(
    caller: CurrentCaller,
    db: Db,
    organization_id: Annotated[
        UUID | None, Query(alias="organizationId", description="Omitted: every organisation of the caller.")
    ] = None,
    days: Annotated[int, Query(ge=1, le=stats.MAX_DAYS, description="The period: today and the days before.")] = 30,
) -> StatsOut:
    """Conversations today / 7 / 30 days (UTC), open now, waiting for a person, the period's share
    answered by the AI alone and handoff rate, agents' median first response, busiest pages, the
    10 most recent conversations and a daily series with zeros for quiet days."""
    f = stats.figures(db, caller, organization_id=organization_id, days=days)
    return StatsOut(
        organization_id=organization_id,
        conversations_today=f.conversations_today,
        conversations_last_7_days=f.conversations_last_7_days,
        conversations_last_30_days=f.conversations_last_30_days,
        open_now=f.open_now,
        waiting_for_human=f.waiting_for_human,
        period=PeriodOut(
            days=f.days,
            first_day=f.period_start,
            last_day=f.today,
            conversations=f.period_conversations,
            answered_by_ai_alone=f.answered_by_ai_alone,
            handed_to_human=f.handed_to_human,
            ai_alone_share=f.ai_alone_share,
            handoff_rate=f.handoff_rate,
            median_first_response_seconds=f.median_first_response_seconds,
        ),
        busiest_pages=[PageCountOut(page_url=p.page_url, conversations=p.conversations) for p in f.busiest_pages],
        recent_conversations=[ConversationSummaryOut.from_domain(c) for c in f.recent],
        daily=[
            DailyPointOut(date=d.day, conversations=d.conversations, messages=d.messages, handoffs=d.handoffs)
            for d in f.daily
        ],
    )
