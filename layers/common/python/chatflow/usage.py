"""Billing by conversations per month. Usage is counted in the same statement as the write it counts,
and a visitor is never refused for being over the plan: over the limit the chat goes on."""

from __future__ import annotations

import math

from chatflow.vocabulary import Plan

__all__ = [
    "COUNT_USAGE_SQL",
    "OVERAGE_BLOCK_CONVERSATIONS",
    "OVERAGE_BLOCK_PRICE_USD",
    "PLAN_CHANNEL_LIMITS",
    "PLAN_CONVERSATION_LIMITS",
    "overage_cost_usd",
]


PLAN_CONVERSATION_LIMITS: dict[Plan, int] = {"starter": 300, "pro": 1_000, "growth": 3_000}
PLAN_CHANNEL_LIMITS: dict[Plan, int] = {"starter": 1, "pro": 3, "growth": 10}
OVERAGE_BLOCK_CONVERSATIONS = 200
OVERAGE_BLOCK_PRICE_USD = 10


def overage_cost_usd(plan: Plan, conversations: int) -> int:
    """$10 for each started block of 200 conversations over the plan's monthly limit."""
    extra = max(0, conversations - PLAN_CONVERSATION_LIMITS[plan])
    return math.ceil(extra / OVERAGE_BLOCK_CONVERSATIONS) * OVERAGE_BLOCK_PRICE_USD


# A data-modifying CTE body for the writes that count usage: it adds one row's worth of counts per
# row of the CTE named `counted`, which must have the columns organization_id, conversations,
# messages, ai_messages and tokens. Months are calendar months in UTC.
COUNT_USAGE_SQL = """
    INSERT INTO usage_tracking AS u (organization_id, month, conversations, messages, ai_messages, tokens)
    SELECT organization_id, date_trunc('month', now() AT TIME ZONE 'UTC')::date,
           conversations, messages, ai_messages, tokens
    FROM counted
    ON CONFLICT (organization_id, month) DO UPDATE SET
        conversations = u.conversations + excluded.conversations,
        messages = u.messages + excluded.messages,
        ai_messages = u.ai_messages + excluded.ai_messages,
        tokens = u.tokens + excluded.tokens
"""
