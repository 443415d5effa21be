"""Usage and billing: conversations against the plan (overage: $10 per started block of 200 extra),
messages, AI messages and tokens, by UTC calendar month. An organisation's members read its own;
super admins read every organisation's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from chatflow import billing
from chatflow.attachments.service import storage_this_month
from chatflow.billing import (
    OVERAGE_BLOCK_CONVERSATIONS,
    OVERAGE_BLOCK_PRICE_USD,
    PLAN_CHANNEL_LIMITS,
    PLAN_CONVERSATION_LIMITS,
    PLAN_PRICES_USD,
)
from chatflow.vocabulary import Plan
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(tags=["usage"], responses=SIGNED_IN_ERRORS)


class MonthUsageOut(Schema):
    month: date
    conversations: int
    conversation_limit: int
    overage_conversations: int
    overage_blocks: int
    overage_cost_usd: int
    messages: int
    ai_messages: int
    tokens: int
    over_limit_notified_at: datetime | None
    preview_messages: int = Field(description="Answers of the dashboard's AI preview (admins trying settings).")
    preview_tokens: int
    embedding_tokens: int = Field(
        description="Tokens embedded for it: its knowledge entries, the visitor questions its knowledge was "
        "searched with, its knowledge gaps' questions."
    )


class OverageTermsOut(Schema):
    block_conversations: int = OVERAGE_BLOCK_CONVERSATIONS
    block_price_usd: int = OVERAGE_BLOCK_PRICE_USD


class AttachmentStorageOut(Schema):
    used_bytes: int = Field(description="Attachments stored this month (UTC): files as kept, with thumbnails.")
    limit_bytes: int = Field(description="The plan's storage a month: starter 1 GB, pro 10 GB, growth 50 GB.")


class OrganizationUsageOut(Schema):
    organization_id: UUID
    name: str
    plan: Plan
    active: bool
    overage: OverageTermsOut
    months: list[MonthUsageOut]
    attachments: AttachmentStorageOut | None = Field(
        default=None, description="This month's attachment storage; past it, uploads answer 409 storage_limit."
    )


class OrganizationMonthOut(MonthUsageOut):
    organization_id: UUID
    name: str
    plan: Plan
    active: bool


class UsageTotalsOut(Schema):
    conversations: int
    overage_cost_usd: int
    messages: int
    ai_messages: int
    tokens: int


class PlatformUsageOut(Schema):
    month: date
    totals: UsageTotalsOut
    organizations: list[OrganizationMonthOut]


@router.get("/organizations/{organization_id}/usage", response_model=OrganizationUsageOut)
def organization_usage(
    organization_id: UUID,
    caller: CurrentCaller,
    db: Db,
    months: Annotated[int, Query(ge=1, le=billing.MAX_MONTHS, description="This month and the ones before.")] = 6,
) -> OrganizationUsageOut:
    """This month and past months (UTC), newest first, measured against the organisation's current plan."""
    usage = billing.organization_usage(db, caller, organization_id, months=months)
    return OrganizationUsageOut(
        organization_id=usage.organization_id,
        name=usage.name,
        plan=usage.plan,
        active=usage.active,
        overage=OverageTermsOut(),
        months=[MonthUsageOut.from_domain(m) for m in usage.months],
        attachments=AttachmentStorageOut.from_domain(storage_this_month(db, usage.organization_id, usage.plan)),
    )


@router.get("/usage", response_model=PlatformUsageOut)
def platform_usage(caller: CurrentCaller, db: Db) -> PlatformUsageOut:
    """Super admin: every organisation's usage this month, by name, and the totals."""
    month, organizations = billing.usage_this_month(db, caller)
    rows = [
        OrganizationMonthOut(
            organization_id=o.organization_id,
            name=o.name,
            plan=o.plan,
            active=o.active,
            **MonthUsageOut.from_domain(o.months[0]).model_dump(),
        )
        for o in organizations
    ]
    return PlatformUsageOut(
        month=month,
        totals=UsageTotalsOut(
            conversations=sum(r.conversations for r in rows),
            overage_cost_usd=sum(r.overage_cost_usd for r in rows),
            messages=sum(r.messages for r in rows),
            ai_messages=sum(r.ai_messages for r in rows),
            tokens=sum(r.tokens for r in rows),
        ),
        organizations=rows,
    )


class PlanOut(Schema):
    plan: Plan
    conversation_limit: int = Field(description="Conversations a month before overage (never a cut-off).")
    channel_limit: int
    monthly_price_usd: int = Field(description="The plan's list price a month, before overage.")


class PlansOut(Schema):
    plans: list[PlanOut]
    overage: OverageTermsOut


@router.get("/plans", response_model=PlansOut)
def list_plans(caller: CurrentCaller) -> PlansOut:
    """What each plan includes, and what a conversation over it costs: for choosing one."""
    del caller  # any signed-in operator
    return PlansOut(
        plans=[
            PlanOut(
                plan=plan,
                conversation_limit=limit,
                channel_limit=PLAN_CHANNEL_LIMITS[plan],
                monthly_price_usd=PLAN_PRICES_USD[plan],
            )
            for plan, limit in PLAN_CONVERSATION_LIMITS.items()
        ],
        overage=OverageTermsOut(),
    )
