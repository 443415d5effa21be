"""The SQL of the reports: one statement reads the conversations of the period and of the one before
it once (by conversations_reports_idx: no message is read) and returns every figure as JSON.

Definitions (the page says them too):
- a conversation belongs to the period it started in, in the organisation's time zone;
- resolved by the AI: closed, never handed to a person, no person wrote in it, and its visitor did
  not open another conversation on the channel within 7 days of the close (RETURN_WINDOW_DAYS);
- the AI resolution and handoff rates are shares of the period's conversations;
- first response: from the handoff to the first message of a person; time to close: from the start;
- an agent's conversations are those assigned to them; AI cost: each conversation's tokens at its
  model's blended price.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection
from chatflow.reports.models import LIST_PRICES

__all__ = ["load_report", "load_rows", "select_prices", "time_zone_of", "upsert_price"]

_SCOPE = sql.SQL(
    """
bounds AS (
    SELECT (%(first)s::date)::timestamp AT TIME ZONE %(tz)s AS period_start,
           (%(last)s::date + 1)::timestamp AT TIME ZONE %(tz)s AS period_end,
           (%(first)s::date - (%(last)s::date - %(first)s::date + 1))::timestamp AT TIME ZONE %(tz)s AS previous_start
),
c AS MATERIALIZED (
    SELECT c.id, c.channel_id, c.status, c.created_at, c.created_at AT TIME ZONE %(tz)s AS local_start, c.language,
           c.handed_off_at IS NOT NULL AS handed_off,
           c.handoff_source, c.handoff_reason, c.assigned_user_id, c.ai_answers, c.ai_tokens, c.ai_model,
           c.created_at >= b.period_start AS current,
           c.closed_at IS NOT NULL AND c.handed_off_at IS NULL AND c.first_human_reply_at IS NULL
               AND c.visitor_returned_at IS NULL AS resolved,
           extract(epoch FROM c.first_human_reply_at - c.handed_off_at)::float8 AS first_response,
           extract(epoch FROM c.closed_at - c.created_at)::float8 AS to_close,
           c.ai_tokens * coalesce(p.usd_per_million_tokens::float8, l.price, 0) / 1e6 AS ai_cost
    FROM bounds b
    JOIN conversations c ON (%(organization_ids)s::uuid[] IS NULL OR c.organization_id = ANY(%(organization_ids)s))
         AND c.created_at >= b.previous_start AND c.created_at < b.period_end
         AND (%(channel_id)s::uuid IS NULL OR c.channel_id = %(channel_id)s)
         AND (%(language)s::text IS NULL OR c.language = %(language)s)
    LEFT JOIN model_prices p ON p.model = c.ai_model
    LEFT JOIN unnest(%(list_models)s::text[], %(list_prices)s::float8[]) l (model, price) ON l.model = c.ai_model
)
"""
)

_REPORT = sql.SQL(
    """
WITH {scope}
SELECT json_build_object(
    'periods', (
        SELECT json_object_agg(CASE WHEN current THEN 'current' ELSE 'previous' END, figures)
        FROM (
            SELECT current, json_build_object(
                'conversations', count(*),
                'aiResolutions', count(*) FILTER (WHERE resolved),
                'handoffs', count(*) FILTER (WHERE handed_off),
                'firstResponseP50', percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response)
                                    FILTER (WHERE first_response >= 0),
                'firstResponseP90', percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response)
                                    FILTER (WHERE first_response >= 0),
                'closeP50', percentile_cont(0.5) WITHIN GROUP (ORDER BY to_close),
                'aiAnswers', sum(ai_answers), 'aiTokens', sum(ai_tokens), 'aiCost', sum(ai_cost)
            ) AS figures
            FROM c GROUP BY current
        ) p
    ),
    'handoffReasons', (
        SELECT coalesce(json_agg(json_build_object('source', source, 'reason', reason, 'conversations', n)
                                 ORDER BY n DESC, source, reason), '[]')
        FROM (SELECT coalesce(handoff_source, 'unrecorded') AS source, handoff_reason AS reason, count(*) AS n
              FROM c WHERE current AND handed_off GROUP BY 1, 2) r
    ),
    'byLanguage', (
        SELECT coalesce(json_agg(json_build_object(
                   'language', language, 'conversations', n, 'aiResolutions', resolved, 'handoffs', handoffs)
                   ORDER BY language), '[]')
        FROM (SELECT language, count(*) AS n, count(*) FILTER (WHERE resolved) AS resolved,
                     count(*) FILTER (WHERE handed_off) AS handoffs
              FROM c WHERE current GROUP BY language) l
    ),
    'byAgent', (
        SELECT coalesce(json_agg(json_build_object(
                   'userId', a.assigned_user_id, 'name', u.name, 'conversations', a.n,
                   'firstResponseP50', a.p50) ORDER BY a.n DESC, u.name), '[]')
        FROM (SELECT assigned_user_id, count(*) AS n,
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response)
                         FILTER (WHERE first_response >= 0) AS p50
              FROM c WHERE current AND assigned_user_id IS NOT NULL GROUP BY assigned_user_id) a
        LEFT JOIN users u ON u.id = a.assigned_user_id
    ),
    'byModel', (
        SELECT coalesce(json_agg(json_build_object(
                   'model', m.model, 'aiAnswers', m.answers, 'tokens', m.tokens, 'cost', m.cost,
                   'usdPerMillionTokens', coalesce(p.usd_per_million_tokens, l.price)) ORDER BY m.tokens DESC), '[]')
        FROM (SELECT ai_model AS model, sum(ai_answers) AS answers, sum(ai_tokens) AS tokens, sum(ai_cost) AS cost
              FROM c WHERE current AND ai_model IS NOT NULL GROUP BY ai_model) m
        LEFT JOIN model_prices p ON p.model = m.model
        LEFT JOIN unnest(%(list_models)s::text[], %(list_prices)s::float8[]) l (model, price) ON l.model = m.model
    ),
    'heatmap', (
        SELECT coalesce(json_agg(json_build_object('weekday', d, 'hour', h, 'conversations', n) ORDER BY d, h), '[]')
        FROM (SELECT extract(isodow FROM local_start)::int AS d,
                     extract(hour FROM local_start)::int AS h, count(*) AS n
              FROM c WHERE current GROUP BY 1, 2) x
    ),
    'daily', (
        SELECT coalesce(json_agg(json_build_object('date', day, 'conversations', n, 'handoffs', handoffs,
                                                   'aiResolutions', resolved) ORDER BY day), '[]')
        FROM (SELECT local_start::date AS day, count(*) AS n,
                     count(*) FILTER (WHERE handed_off) AS handoffs,
                     count(*) FILTER (WHERE resolved) AS resolved
              FROM c WHERE current GROUP BY 1) d
    ),
    'waitingNow', (
        SELECT json_build_object('conversations', count(*),
                                 'longestSeconds', extract(epoch FROM now() - min(handed_off_at)))
        FROM conversations w
        WHERE (%(organization_ids)s::uuid[] IS NULL OR w.organization_id = ANY(%(organization_ids)s))
          AND w.status <> 'closed' AND w.handed_off_at IS NOT NULL AND w.first_human_reply_at IS NULL
          AND (%(channel_id)s::uuid IS NULL OR w.channel_id = %(channel_id)s)
          AND (%(language)s::text IS NULL OR w.language = %(language)s)
    )
)
"""
).format(scope=_SCOPE)

_ROWS = sql.SQL(
    """
WITH {scope}
SELECT c.id, c.local_start AS started, ch.name AS channel, c.language, c.status,
       c.handoff_source, c.handoff_reason, c.first_response, c.to_close, c.resolved, u.name AS assignee,
       c.ai_answers, c.ai_tokens, c.ai_model, c.ai_cost
FROM c
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users u ON u.id = c.assigned_user_id
WHERE c.current
ORDER BY c.created_at, c.id
"""
).format(scope=_SCOPE)


def _params(
    organization_ids: list[UUID] | None,
    first: dt.date,
    last: dt.date,
    tz: str,
    channel_id: UUID | None,
    language: str | None,
) -> dict[str, Any]:
    return {
        "organization_ids": organization_ids,
        "first": first,
        "last": last,
        "tz": tz,
        "channel_id": channel_id,
        "language": language,
        "list_models": list(LIST_PRICES),
        "list_prices": list(LIST_PRICES.values()),
    }


def load_report(
    conn: Connection,
    organization_ids: list[UUID] | None,
    *,
    first: dt.date,
    last: dt.date,
    tz: str,
    channel_id: UUID | None,
    language: str | None,
) -> dict[str, Any]:
    row = conn.execute(_REPORT, _params(organization_ids, first, last, tz, channel_id, language)).fetchone()
    assert row is not None
    report: dict[str, Any] = next(iter(row.values()))
    return report


def load_rows(
    conn: Connection,
    organization_ids: list[UUID] | None,
    *,
    first: dt.date,
    last: dt.date,
    tz: str,
    channel_id: UUID | None,
    language: str | None,
) -> list[dict[str, Any]]:
    return conn.execute(_ROWS, _params(organization_ids, first, last, tz, channel_id, language)).fetchall()


def time_zone_of(conn: Connection, organization_id: UUID) -> str | None:
    row = conn.execute("SELECT time_zone FROM organizations WHERE id = %s", (organization_id,)).fetchone()
    return None if row is None else str(row["time_zone"])


def select_prices(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT model, usd_per_million_tokens, updated_at FROM model_prices ORDER BY model").fetchall()


def upsert_price(conn: Connection, model: str, usd_per_million_tokens: float) -> None:
    conn.execute(
        "INSERT INTO model_prices (model, usd_per_million_tokens) VALUES (%s, %s) ON CONFLICT (model)"
        " DO UPDATE SET usd_per_million_tokens = EXCLUDED.usd_per_million_tokens, updated_at = now()",
        (model, usd_per_million_tokens),
    )
