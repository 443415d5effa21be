"""Plans and their overage, and what an organisation used in a month measured against its plan.

A visitor is never refused for being over the plan: over the limit the chat goes on, and each
started block of conversations over it is charged."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from chatflow.vocabulary import Plan

__all__ = [
    "OVERAGE_BLOCK_CONVERSATIONS",
    "OVERAGE_BLOCK_PRICE_USD",
    "PLAN_CHANNEL_LIMITS",
    "PLAN_CONVERSATION_LIMITS",
    "PLAN_PRICES_USD",
    "PLAN_WEBSITE_PAGE_LIMITS",
    "MonthUsage",
    "OrganizationUsage",
    "overage_cost_usd",
]

PLAN_CONVERSATION_LIMITS: dict[Plan, int] = {"starter": 300, "pro": 1_000, "growth": 3_000}
PLAN_CHANNEL_LIMITS: dict[Plan, int] = {"starter": 1, "pro": 3, "growth": 10}
# Pages the website sources of one organisation may hold, all its sites together (each page is
# fetched and embedded again at every sync: the cap bounds what a sync may cost).
PLAN_WEBSITE_PAGE_LIMITS: dict[Plan, int] = {"starter": 50, "pro": 500, "growth": 2_000}
# The list price a month, shown wherever a plan is chosen; what an organisation pays is its plan's
# price plus the overage below.
PLAN_PRICES_USD: dict[Plan, int] = {"starter": 29, "pro": 79, "growth": 199}
OVERAGE_BLOCK_CONVERSATIONS = 200
OVERAGE_BLOCK_PRICE_USD = 10


def overage_cost_usd(plan: Plan, conversations: int) -> int:
    """$10 for each started block of 200 conversations over the plan's monthly limit."""
    extra = max(0, conversations - PLAN_CONVERSATION_LIMITS[plan])
    return math.ceil(extra / OVERAGE_BLOCK_CONVERSATIONS) * OVERAGE_BLOCK_PRICE_USD


@dataclass(frozen=True, slots=True)
class MonthUsage:
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
    preview_messages: int = 0  # the dashboard's AI preview: paid for, never a visitor's
    preview_tokens: int = 0
    embedding_tokens: int = 0  # what its knowledge and gaps were embedded with

    @classmethod
    def against(
        cls,
        plan: Plan,
        *,
        month: date,
        conversations: int,
        messages: int,
        ai_messages: int,
        tokens: int,
        over_limit_notified_at: datetime | None,
        preview_messages: int = 0,
        preview_tokens: int = 0,
        embedding_tokens: int = 0,
    ) -> MonthUsage:
        """A month's counts with the plan's limit and the overage they come to."""
        limit = PLAN_CONVERSATION_LIMITS[plan]
        over = max(0, conversations - limit)
        return cls(
            month=month,
            conversations=conversations,
            conversation_limit=limit,
            overage_conversations=over,
            overage_blocks=math.ceil(over / OVERAGE_BLOCK_CONVERSATIONS),
            overage_cost_usd=overage_cost_usd(plan, conversations),
            messages=messages,
            ai_messages=ai_messages,
            tokens=tokens,
            over_limit_notified_at=over_limit_notified_at,
            preview_messages=preview_messages,
            preview_tokens=preview_tokens,
            embedding_tokens=embedding_tokens,
        )


@dataclass(frozen=True, slots=True)
class OrganizationUsage:
    organization_id: UUID
    name: str
    plan: Plan
    active: bool
    months: list[MonthUsage]  # newest first
