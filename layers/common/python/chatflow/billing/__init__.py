"""Usage and billing: plans and their limits, the usage every counted write adds in its own
statement, and an organisation's usage month by month against its plan (overage: $10 per started
block of 200 conversations over it). A visitor is never refused for being over the plan."""

from chatflow.billing.models import (
    OVERAGE_BLOCK_CONVERSATIONS,
    OVERAGE_BLOCK_PRICE_USD,
    PLAN_CHANNEL_LIMITS,
    PLAN_CONVERSATION_LIMITS,
    PLAN_PRICES_USD,
    MonthUsage,
    OrganizationUsage,
    overage_cost_usd,
)
from chatflow.billing.repository import COUNT_USAGE_SQL
from chatflow.billing.service import MAX_MONTHS, organization_usage, usage_this_month

__all__ = [
    "COUNT_USAGE_SQL",
    "MAX_MONTHS",
    "OVERAGE_BLOCK_CONVERSATIONS",
    "OVERAGE_BLOCK_PRICE_USD",
    "PLAN_CHANNEL_LIMITS",
    "PLAN_CONVERSATION_LIMITS",
    "PLAN_PRICES_USD",
    "MonthUsage",
    "OrganizationUsage",
    "organization_usage",
    "overage_cost_usd",
    "usage_this_month",
]
