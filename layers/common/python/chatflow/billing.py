"""What an organisation used, month by month (UTC calendar months), against its plan: conversations
and their overage, messages, AI messages, tokens. The counts are written by the chat path itself
(chatflow.usage); this module only reads them. A month without a row used nothing.

Plans are not kept per month: every month is measured against the organisation's plan today.
An organisation's members read its usage; only a super admin reads every organisation's."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.errors import OrganizationNotFound
from chatflow.usage import OVERAGE_BLOCK_CONVERSATIONS, PLAN_CONVERSATION_LIMITS, overage_cost_usd
from chatflow.vocabulary import Plan

__all__ = [
    "MAX_MONTHS",
    "MonthUsage",
    "OrganizationUsage",
    "organization_usage",
    "usage_this_month",
]

MAX_MONTHS = 24


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


@dataclass(frozen=True, slots=True)
class OrganizationUsage:
    organization_id: UUID
    name: str
    plan: Plan
    active: bool
    months: list[MonthUsage]  # newest first


_THIS_MONTH = "date_trunc('month', now() AT TIME ZONE 'UTC')"

_ORGANIZATION_MONTHS = f"""
SELECT o.id, o.name, o.plan, o.active, m.month::date AS month,
       coalesce(u.conversations, 0) AS conversations, coalesce(u.messages, 0) AS messages,
       coalesce(u.ai_messages, 0) AS ai_messages, coalesce(u.tokens, 0) AS tokens, u.over_limit_notified_at
FROM organizations o
CROSS JOIN generate_series({_THIS_MONTH} - make_interval(months => %(months)s - 1), {_THIS_MONTH},
                           interval '1 month') AS m (month)
LEFT JOIN usage_tracking u ON u.organization_id = o.id AND u.month = m.month::date
WHERE o.id = %(organization_id)s AND (%(scope)s::uuid[] IS NULL OR o.id = ANY(%(scope)s::uuid[]))
ORDER BY m.month DESC
"""


def organization_usage(conn: Connection, caller: Caller, organization_id: UUID, *, months: int) -> OrganizationUsage:
    """Its members and super admins: this month and the `months - 1` before it, newest first;
    OrganizationNotFound when the organisation is missing or not the caller's."""
    caller.require_member(organization_id)
    rows = conn.execute(
        _ORGANIZATION_MONTHS,
        {"organization_id": organization_id, "months": max(1, min(months, MAX_MONTHS)), "scope": caller.scope},
    ).fetchall()
    if not rows:
        raise OrganizationNotFound()
    first = rows[0]
    return OrganizationUsage(
        organization_id=first["id"],
        name=first["name"],
        plan=first["plan"],
        active=first["active"],
        months=[_month(first["plan"], row) for row in rows],
    )


_ALL_THIS_MONTH = f"""
SELECT m.month, o.id, o.name, o.plan, o.active,
       coalesce(u.conversations, 0) AS conversations, coalesce(u.messages, 0) AS messages,
       coalesce(u.ai_messages, 0) AS ai_messages, coalesce(u.tokens, 0) AS tokens, u.over_limit_notified_at
FROM (SELECT {_THIS_MONTH}::date AS month) m
LEFT JOIN organizations o ON true
LEFT JOIN usage_tracking u ON u.organization_id = o.id AND u.month = m.month
ORDER BY lower(o.name), o.id
"""


def usage_this_month(conn: Connection, caller: Caller) -> tuple[date, list[OrganizationUsage]]:
    """Super admin: this month and every organisation's usage in it, by name."""
    caller.require_super_admin()
    rows = conn.execute(_ALL_THIS_MONTH).fetchall()
    organizations = [
        OrganizationUsage(
            organization_id=row["id"],
            name=row["name"],
            plan=row["plan"],
            active=row["active"],
            months=[_month(row["plan"], row)],
        )
        for row in rows
        if row["id"] is not None
    ]
    return rows[0]["month"], organizations


def _month(plan: Plan, row: dict[str, Any]) -> MonthUsage:
    limit = PLAN_CONVERSATION_LIMITS[plan]
    over = max(0, row["conversations"] - limit)
    return MonthUsage(
        month=row["month"],
        conversations=row["conversations"],
        conversation_limit=limit,
        overage_conversations=over,
        overage_blocks=math.ceil(over / OVERAGE_BLOCK_CONVERSATIONS),
        overage_cost_usd=overage_cost_usd(plan, row["conversations"]),
        messages=row["messages"],
        ai_messages=row["ai_messages"],
        tokens=row["tokens"],
        over_limit_notified_at=row["over_limit_notified_at"],
    )
