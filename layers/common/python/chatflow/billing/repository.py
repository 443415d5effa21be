"""The SQL of usage: the fragment every write that counts usage shares, and the reads of the counts.
Months are calendar months in UTC; a month without a row used nothing."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.billing.models import MonthUsage, OrganizationUsage
from chatflow.db import Connection
from chatflow.vocabulary import Plan

__all__ = [
    "COUNT_USAGE_SQL",
    "count_embeddings",
    "count_preview",
    "every_organization_this_month",
    "organization_months",
]

# A data-modifying CTE body for the writes that count usage, so that a count commits with its write
# at no extra round trip: it adds one row's worth of counts per row of the CTE named `counted`, which
# must have the columns organization_id, conversations, messages, ai_messages and tokens. A write
# composes it in with sql.SQL.format.
COUNT_USAGE_SQL = sql.SQL("""
    INSERT INTO usage_tracking AS u (organization_id, month, conversations, messages, ai_messages, tokens)
    SELECT organization_id, date_trunc('month', now() AT TIME ZONE 'UTC')::date,
           conversations, messages, ai_messages, tokens
    FROM counted
    ON CONFLICT (organization_id, month) DO UPDATE SET
        conversations = u.conversations + excluded.conversations,
        messages = u.messages + excluded.messages,
        ai_messages = u.ai_messages + excluded.ai_messages,
        tokens = u.tokens + excluded.tokens
""")


def count_preview(conn: Connection, organization_id: UUID, *, tokens: int) -> None:
    """One preview answer and its tokens, in this month's usage (apart from visitors')."""
    conn.execute(
        """
        INSERT INTO usage_tracking AS u (organization_id, month, preview_messages, preview_tokens)
        VALUES (%(org)s, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 1, %(tokens)s)
        ON CONFLICT (organization_id, month) DO UPDATE SET
            preview_messages = u.preview_messages + 1, preview_tokens = u.preview_tokens + excluded.preview_tokens
        """,
        {"org": organization_id, "tokens": tokens},
    )


def count_embeddings(conn: Connection, organization_id: UUID, *, tokens: int) -> None:
    """Tokens embedded for the organisation (its knowledge's chunks, its gaps' questions), in this month's usage."""
    if tokens <= 0:
        return
    conn.execute(
        """
        INSERT INTO usage_tracking AS u (organization_id, month, embedding_tokens)
        VALUES (%(org)s, date_trunc('month', now() AT TIME ZONE 'UTC')::date, %(tokens)s)
        ON CONFLICT (organization_id, month) DO UPDATE SET
            embedding_tokens = u.embedding_tokens + excluded.embedding_tokens
        """,
        {"org": organization_id, "tokens": tokens},
    )


_ORGANIZATION_MONTHS = """
SELECT o.id, o.name, o.plan, o.active, m.month::date AS month,
       coalesce(u.conversations, 0) AS conversations, coalesce(u.messages, 0) AS messages,
       coalesce(u.ai_messages, 0) AS ai_messages, coalesce(u.tokens, 0) AS tokens, u.over_limit_notified_at,
       coalesce(u.preview_messages, 0) AS preview_messages, coalesce(u.preview_tokens, 0) AS preview_tokens,
       coalesce(u.embedding_tokens, 0) AS embedding_tokens
FROM organizations o
CROSS JOIN (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AS this_month) t
CROSS JOIN generate_series(t.this_month - make_interval(months => %(months)s - 1), t.this_month,
                           interval '1 month') AS m (month)
LEFT JOIN usage_tracking u ON u.organization_id = o.id AND u.month = m.month::date
WHERE o.id = %(organization_id)s AND (%(scope)s::uuid[] IS NULL OR o.id = ANY(%(scope)s::uuid[]))
ORDER BY m.month DESC
"""


def organization_months(
    conn: Connection, *, organization_id: UUID, months: int, scope: list[UUID] | None
) -> OrganizationUsage | None:
    """This month and the `months - 1` before it, newest first; None when the organisation is
    missing or not in `scope` (None: every organisation)."""
    rows = conn.execute(
        _ORGANIZATION_MONTHS, {"organization_id": organization_id, "months": months, "scope": scope}
    ).fetchall()
    if not rows:
        return None
    first = rows[0]
    return OrganizationUsage(
        organization_id=first["id"],
        name=first["name"],
        plan=first["plan"],
        active=first["active"],
        months=[_month(first["plan"], row) for row in rows],
    )


# The month comes from the database's clock even when there is no organisation at all.
_ALL_THIS_MONTH = """
SELECT m.month, o.id, o.name, o.plan, o.active,
       coalesce(u.conversations, 0) AS conversations, coalesce(u.messages, 0) AS messages,
       coalesce(u.ai_messages, 0) AS ai_messages, coalesce(u.tokens, 0) AS tokens, u.over_limit_notified_at,
       coalesce(u.preview_messages, 0) AS preview_messages, coalesce(u.preview_tokens, 0) AS preview_tokens,
       coalesce(u.embedding_tokens, 0) AS embedding_tokens
FROM (SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date AS month) m
LEFT JOIN organizations o ON true
LEFT JOIN usage_tracking u ON u.organization_id = o.id AND u.month = m.month
ORDER BY lower(o.name), o.id
"""


def every_organization_this_month(conn: Connection) -> tuple[date, list[OrganizationUsage]]:
    """This month and every organisation's usage in it, by name."""
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
    return MonthUsage.against(
        plan,
        month=row["month"],
        conversations=row["conversations"],
        messages=row["messages"],
        ai_messages=row["ai_messages"],
        tokens=row["tokens"],
        over_limit_notified_at=row["over_limit_notified_at"],
        preview_messages=row["preview_messages"],
        preview_tokens=row["preview_tokens"],
        embedding_tokens=row["embedding_tokens"],
    )
