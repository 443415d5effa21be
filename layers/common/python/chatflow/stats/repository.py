"""The SQL of the dashboard's figures.

Days are UTC calendar days. "The period" is today and the `days - 1` days before it; a period
figure is about the conversations that started in it:
- answered by the AI alone: never handed to a person (no handoff keyword, no take-over), no agent
  message, AI in charge now;
- handed to a person: every other one (so the two shares add up to 1);
- first response time: from the handoff (`handed_off_at`: keyword or take-over, the first one) to
  the first agent message after it, for those answered; the median, in seconds.
The daily series counts conversations by the day they started, messages (not system notices) by the
day they were written and handoffs by the day they happened, with zeros for quiet days.

Each query names its scope as `{conversations_in_scope}` and `{messages_in_scope}` and its day
boundaries as `{bounds}`; `_scoped` fills them in with psycopg.sql, and every value is a parameter.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection
from chatflow.inbox import InboxFilter
from chatflow.inbox.repository import list_conversations
from chatflow.stats.models import DailyPoint, Figures, PageCount

__all__ = ["BUSIEST_PAGES", "RECENT_CONVERSATIONS", "load_figures"]

BUSIEST_PAGES = 10
RECENT_CONVERSATIONS = 10

# UTC day boundaries, from the database's clock (the one the rows were stamped with).
_BOUNDS = sql.SQL(
    """
b AS (
    SELECT d.today, d.today - (%(days)s::int - 1) AS period_first_day,
           d.today::timestamp AT TIME ZONE 'UTC' AS today_start,
           (d.today - 6)::timestamp AT TIME ZONE 'UTC' AS week_start,
           (d.today - 29)::timestamp AT TIME ZONE 'UTC' AS month_start,
           (d.today - (%(days)s::int - 1))::timestamp AT TIME ZONE 'UTC' AS period_start
    FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS today) d
)
"""
)

_SUMMARY = sql.SQL(
    """
WITH {bounds}, agent AS (
    -- The agent messages of the period's conversations, read by one range scan of the
    -- organisation's messages (a conversation's messages are never older than it), not one
    -- look-up per conversation.
    SELECT c.id AS conversation_id,
           min(m.created_at) FILTER (WHERE m.created_at >= c.handed_off_at) AS answered_at
    FROM b
    JOIN conversations c ON {conversations_in_scope} AND c.created_at >= b.period_start
    JOIN messages m ON m.conversation_id = c.id AND {messages_in_scope} AND m.created_at >= b.period_start
                       AND m.role = 'agent'
    GROUP BY c.id
), period AS (
    SELECT c.id, c.responder_mode, c.handed_off_at,
           agent.conversation_id IS NOT NULL AS has_agent_message, agent.answered_at
    FROM b
    JOIN conversations c ON {conversations_in_scope} AND c.created_at >= b.period_start
    LEFT JOIN agent ON agent.conversation_id = c.id
)
SELECT b.today, b.period_first_day,
    (SELECT count(*) FROM conversations c WHERE {conversations_in_scope} AND c.created_at >= b.today_start)
        AS conversations_today,
    (SELECT count(*) FROM conversations c WHERE {conversations_in_scope} AND c.created_at >= b.week_start)
        AS conversations_last_7_days,
    (SELECT count(*) FROM conversations c WHERE {conversations_in_scope} AND c.created_at >= b.month_start)
        AS conversations_last_30_days,
    (SELECT count(*) FROM conversations c WHERE {conversations_in_scope} AND c.status <> 'closed') AS open_now,
    (SELECT count(*) FROM conversations c
     WHERE {conversations_in_scope} AND c.status = 'pending' AND c.responder_mode = 'human') AS waiting_for_human,
    (SELECT count(*) FROM period) AS period_conversations,
    (SELECT count(*) FROM period p
     WHERE p.handed_off_at IS NULL AND NOT p.has_agent_message AND p.responder_mode = 'ai') AS answered_by_ai_alone,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.answered_at - p.handed_off_at))
     FROM period p WHERE p.answered_at IS NOT NULL) AS median_first_response_seconds
FROM b
"""
)

_BUSIEST_PAGES = sql.SQL(
    """
WITH {bounds}
SELECT c.page_url, count(*) AS conversations
FROM conversations c, b
WHERE {conversations_in_scope} AND c.created_at >= b.period_start AND coalesce(c.page_url, '') <> ''
GROUP BY c.page_url
ORDER BY count(*) DESC, c.page_url
LIMIT %(pages)s
"""
)

_DAILY = sql.SQL(
    """
WITH {bounds}, days AS (
    SELECT generate_series(b.period_first_day::timestamp, b.today::timestamp, interval '1 day')::date AS day FROM b
), started AS (
    SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
    FROM conversations c, b WHERE {conversations_in_scope} AND c.created_at >= b.period_start GROUP BY 1
), written AS (
    SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
    FROM messages m, b
    WHERE {messages_in_scope} AND m.created_at >= b.period_start AND m.role <> 'system' GROUP BY 1
), handed AS (
    SELECT (c.handed_off_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
    FROM conversations c, b WHERE {conversations_in_scope} AND c.handed_off_at >= b.period_start GROUP BY 1
)
SELECT days.day, coalesce(started.n, 0) AS conversations, coalesce(written.n, 0) AS messages,
       coalesce(handed.n, 0) AS handoffs
FROM days
LEFT JOIN started ON started.day = days.day
LEFT JOIN written ON written.day = days.day
LEFT JOIN handed ON handed.day = days.day
ORDER BY days.day
"""
)


def _scoped(query: sql.SQL, organization_ids: list[UUID] | None) -> sql.Composed:
    """The query restricted to `organization_ids` (None: every organisation, for a super admin)."""
    if organization_ids is None:
        conversations, messages = sql.SQL("true"), sql.SQL("true")
    elif len(organization_ids) == 1:  # an equality lets the planner use the (organization_id, …) indexes fully
        conversations = sql.SQL("c.organization_id = (%(organizations)s::uuid[])[1]")
        messages = sql.SQL("m.organization_id = (%(organizations)s::uuid[])[1]")
    else:
        conversations = sql.SQL("c.organization_id = ANY(%(organizations)s::uuid[])")
        messages = sql.SQL("m.organization_id = ANY(%(organizations)s::uuid[])")
    return query.format(bounds=_BOUNDS, conversations_in_scope=conversations, messages_in_scope=messages)


def load_figures(conn: Connection, organization_ids: list[UUID] | None, *, days: int) -> Figures:
    """The figures of these organisations (None: every one) over the last `days` days."""
    params: dict[str, Any] = {"organizations": organization_ids, "days": days, "pages": BUSIEST_PAGES}
    summary = conn.execute(_scoped(_SUMMARY, organization_ids), params).fetchone()
    assert summary is not None  # one row, always
    pages = conn.execute(_scoped(_BUSIEST_PAGES, organization_ids), params).fetchall()
    daily = conn.execute(_scoped(_DAILY, organization_ids), params).fetchall()
    recent = list_conversations(
        conn, scope=organization_ids, filters=InboxFilter(), after=None, limit=RECENT_CONVERSATIONS
    )
    median = summary["median_first_response_seconds"]
    return Figures(
        today=summary["today"],
        period_start=summary["period_first_day"],
        days=days,
        conversations_today=summary["conversations_today"],
        conversations_last_7_days=summary["conversations_last_7_days"],
        conversations_last_30_days=summary["conversations_last_30_days"],
        open_now=summary["open_now"],
        waiting_for_human=summary["waiting_for_human"],
        period_conversations=summary["period_conversations"],
        answered_by_ai_alone=summary["answered_by_ai_alone"],
        handed_to_human=summary["period_conversations"] - summary["answered_by_ai_alone"],
        median_first_response_seconds=float(median) if median is not None else None,
        busiest_pages=[PageCount(page_url=r["page_url"], conversations=r["conversations"]) for r in pages],
        recent=recent,
        daily=[_point(r) for r in daily],
    )


def _point(row: dict[str, Any]) -> DailyPoint:
    return DailyPoint(
        day=row["day"], conversations=row["conversations"], messages=row["messages"], handoffs=row["handoffs"]
    )
