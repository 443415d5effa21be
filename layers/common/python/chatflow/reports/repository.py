"""The SQL of the reports. They read report_rollups: each organisation-local day's conversations grouped
by everything a figure splits by, with the durations whose percentiles they print; a day is remade
from its conversations (whose rows the count_for_reports listener keeps up to date: no message is
read) when it was marked as changed, just before a report reads it. One statement then returns every
figure of the period and of the one before it as JSON.

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

from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection
from chatflow.reports.models import LIST_PRICES, ReportQuery

__all__ = ["load_report", "load_rows", "select_prices", "time_zone_of", "upsert_price"]

# The days a report reads, in each organisation's own time zone.
_PERIODS = """
periods AS (
    SELECT %(first)s::date AS first_day, %(last)s::date AS last_day,
           %(first)s::date - (%(last)s::date - %(first)s::date + 1) AS previous_first_day
)
"""

# Remakes the rollups of every day marked as changed (of the organisations in scope), from the
# conversations that started on it, in one statement: the marks are taken (deleted) as they are read,
# so two reports at once do not remake a day twice, and a mark made meanwhile waits for the next one.
_REFRESH = sql.SQL(
    """
WITH dirty AS (
    DELETE FROM report_dirty_days d
    WHERE %(organization_ids)s::uuid[] IS NULL OR d.organization_id = ANY(%(organization_ids)s)
    RETURNING d.organization_id, d.day
), cleared AS (
    DELETE FROM report_rollups r USING dirty WHERE r.organization_id = dirty.organization_id AND r.day = dirty.day
), span AS (
    -- One range of each organisation's conversations, read once; then only the marked days are kept.
    SELECT d.organization_id, o.time_zone, min(d.day) AS first_day, max(d.day) AS last_day
    FROM dirty d JOIN organizations o ON o.id = d.organization_id
    GROUP BY d.organization_id, o.time_zone
), facts AS (
    SELECT c.organization_id, (c.created_at AT TIME ZONE s.time_zone)::date AS day,
           extract(hour FROM c.created_at AT TIME ZONE s.time_zone)::smallint AS hour, c.channel_id, c.language,
           c.handoff_source, c.handoff_reason, c.assigned_user_id, c.ai_model, c.ai_answers, c.ai_tokens,
           c.closed_at IS NOT NULL AND c.handed_off_at IS NULL AND c.first_human_reply_at IS NULL
               AND c.visitor_returned_at IS NULL AS resolved,
           c.handed_off_at IS NOT NULL AS handed_off,
           CASE WHEN c.first_human_reply_at >= c.handed_off_at
                THEN extract(epoch FROM c.first_human_reply_at - c.handed_off_at)::float8 END AS first_response,
           extract(epoch FROM c.closed_at - c.created_at)::float8 AS to_close,
           c.rating, c.rated_responder
    FROM span s
    JOIN conversations c ON c.organization_id = s.organization_id
         AND c.created_at >= s.first_day::timestamp AT TIME ZONE s.time_zone
         AND c.created_at < (s.last_day + 1)::timestamp AT TIME ZONE s.time_zone
)
INSERT INTO report_rollups (
    organization_id, day, kind, channel_id, language, hour, handoff_source, handoff_reason, assigned_user_id,
    ai_model, conversations, resolved, handed_off, ai_answers, ai_tokens, first_responses, to_close,
    ratings_ai, rating_sum_ai, satisfied_ai, ratings_agent, rating_sum_agent, satisfied_agent)
SELECT f.organization_id, f.day,
       CASE GROUPING(f.hour, f.handoff_source, f.handoff_reason, f.assigned_user_id, f.ai_model)
           WHEN 31 THEN 'day' WHEN 15 THEN 'hour' WHEN 19 THEN 'reason' WHEN 29 THEN 'agent' ELSE 'model' END,
       f.channel_id, f.language, f.hour, f.handoff_source, f.handoff_reason, f.assigned_user_id, f.ai_model,
       count(*), count(*) FILTER (WHERE f.resolved), count(*) FILTER (WHERE f.handed_off),
       sum(f.ai_answers), sum(f.ai_tokens),
       CASE WHEN GROUPING(f.hour, f.handoff_source, f.handoff_reason, f.assigned_user_id, f.ai_model) IN (31, 29)
            THEN coalesce(array_agg(f.first_response) FILTER (WHERE f.first_response IS NOT NULL), '{}')
            ELSE '{}' END,
       CASE WHEN GROUPING(f.hour, f.handoff_source, f.handoff_reason, f.assigned_user_id, f.ai_model) = 31
            THEN coalesce(array_agg(f.to_close) FILTER (WHERE f.to_close IS NOT NULL), '{}')
            ELSE '{}' END,
       count(f.rating) FILTER (WHERE f.rated_responder = 'ai'),
       coalesce(sum(f.rating) FILTER (WHERE f.rated_responder = 'ai'), 0),
       count(*) FILTER (WHERE f.rated_responder = 'ai' AND f.rating >= 4),
       count(f.rating) FILTER (WHERE f.rated_responder = 'agent'),
       coalesce(sum(f.rating) FILTER (WHERE f.rated_responder = 'agent'), 0),
       count(*) FILTER (WHERE f.rated_responder = 'agent' AND f.rating >= 4)
FROM facts f
JOIN dirty d ON d.organization_id = f.organization_id AND d.day = f.day
GROUP BY GROUPING SETS (
    (f.organization_id, f.day, f.channel_id, f.language),
    (f.organization_id, f.day, f.channel_id, f.language, f.hour),
    (f.organization_id, f.day, f.channel_id, f.language, f.handoff_source, f.handoff_reason),
    (f.organization_id, f.day, f.channel_id, f.language, f.assigned_user_id),
    (f.organization_id, f.day, f.channel_id, f.language, f.ai_model)
)
"""
)

_REPORT = sql.SQL(
    """
WITH {periods}, r AS NOT MATERIALIZED (
    SELECT r.*, r.day >= p.first_day AS current, coalesce(mp.usd_per_million_tokens::float8, l.price) AS price
    FROM periods p
    JOIN report_rollups r ON (%(organization_ids)s::uuid[] IS NULL OR r.organization_id = ANY(%(organization_ids)s))
         AND r.day BETWEEN p.previous_first_day AND p.last_day
         AND (%(channel_id)s::uuid IS NULL OR r.channel_id = %(channel_id)s)
         AND (%(language)s::text IS NULL OR r.language = %(language)s)
    LEFT JOIN model_prices mp ON mp.model = r.ai_model
    LEFT JOIN unnest(%(list_models)s::text[], %(list_prices)s::float8[]) l (model, price) ON l.model = r.ai_model
), cost AS (
    SELECT current, sum(ai_tokens * coalesce(price, 0)) / 1e6 AS ai_cost FROM r WHERE kind = 'model' GROUP BY current
)
SELECT json_build_object(
    'periods', (
        SELECT json_object_agg(CASE WHEN t.current THEN 'current' ELSE 'previous' END, json_build_object(
            'conversations', t.conversations, 'aiResolutions', t.resolved, 'handoffs', t.handed_off,
            'aiAnswers', t.ai_answers, 'aiTokens', t.ai_tokens, 'aiCost', coalesce(cost.ai_cost, 0),
            'firstResponseP50', f.p50, 'firstResponseP90', f.p90, 'closeP50', k.p50,
            'ratingsAi', t.ratings_ai, 'ratingSumAi', t.rating_sum_ai, 'satisfiedAi', t.satisfied_ai,
            'ratingsAgent', t.ratings_agent, 'ratingSumAgent', t.rating_sum_agent,
            'satisfiedAgent', t.satisfied_agent))
        FROM (SELECT current, sum(conversations) AS conversations, sum(resolved) AS resolved,
                     sum(handed_off) AS handed_off, sum(ai_answers) AS ai_answers, sum(ai_tokens) AS ai_tokens,
                     sum(ratings_ai) AS ratings_ai, sum(rating_sum_ai) AS rating_sum_ai,
                     sum(satisfied_ai) AS satisfied_ai, sum(ratings_agent) AS ratings_agent,
                     sum(rating_sum_agent) AS rating_sum_agent, sum(satisfied_agent) AS satisfied_agent
              FROM r WHERE kind = 'day' GROUP BY current) t
        LEFT JOIN cost ON cost.current = t.current
        CROSS JOIN LATERAL (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY v) AS p90
            FROM r, unnest(r.first_responses) v WHERE r.kind = 'day' AND r.current = t.current
        ) f
        CROSS JOIN LATERAL (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50
            FROM r, unnest(r.to_close) v WHERE r.kind = 'day' AND r.current = t.current
        ) k
    ),
    'handoffReasons', (
        SELECT coalesce(json_agg(json_build_object('source', source, 'reason', reason, 'conversations', n)
                                 ORDER BY n DESC, source, reason), '[]')
        FROM (SELECT coalesce(handoff_source, 'unrecorded') AS source, handoff_reason AS reason, sum(handed_off) AS n
              FROM r WHERE kind = 'reason' AND current AND handed_off > 0 GROUP BY 1, 2) x
    ),
    'byLanguage', (
        SELECT coalesce(json_agg(json_build_object(
                   'language', language, 'conversations', n, 'aiResolutions', resolved, 'handoffs', handed_off)
                   ORDER BY language), '[]')
        FROM (SELECT language, sum(conversations) AS n, sum(resolved) AS resolved, sum(handed_off) AS handed_off
              FROM r WHERE kind = 'day' AND current GROUP BY language) x
    ),
    'byAgent', (
        SELECT coalesce(json_agg(json_build_object(
                   'userId', a.assigned_user_id, 'name', u.name, 'conversations', a.n, 'firstResponseP50', f.p50,
                   'ratings', a.ratings, 'ratingSum', a.rating_sum, 'satisfied', a.satisfied)
                   ORDER BY a.n DESC, u.name), '[]')
        FROM (SELECT assigned_user_id, sum(conversations) AS n, sum(ratings_agent) AS ratings,
                     sum(rating_sum_agent) AS rating_sum, sum(satisfied_agent) AS satisfied FROM r
              WHERE kind = 'agent' AND current AND assigned_user_id IS NOT NULL GROUP BY assigned_user_id) a
        CROSS JOIN LATERAL (
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50
            FROM r, unnest(r.first_responses) v
            WHERE r.kind = 'agent' AND r.current AND r.assigned_user_id = a.assigned_user_id
        ) f
        LEFT JOIN users u ON u.id = a.assigned_user_id
    ),
    'byModel', (
        SELECT coalesce(json_agg(json_build_object(
                   'model', model, 'aiAnswers', answers, 'tokens', tokens, 'cost', cost, 'usdPerMillionTokens', price)
                   ORDER BY tokens DESC), '[]')
        FROM (SELECT ai_model AS model, sum(ai_answers) AS answers, sum(ai_tokens) AS tokens,
                     sum(ai_tokens * coalesce(price, 0)) / 1e6 AS cost, max(price) AS price
              FROM r WHERE kind = 'model' AND current AND ai_model IS NOT NULL GROUP BY ai_model) x
    ),
    'heatmap', (
        SELECT coalesce(json_agg(json_build_object('weekday', weekday, 'hour', hour, 'conversations', n)
                                 ORDER BY weekday, hour), '[]')
        FROM (SELECT extract(isodow FROM day)::int AS weekday, hour, sum(conversations) AS n
              FROM r WHERE kind = 'hour' AND current GROUP BY 1, 2) x
    ),
    'daily', (
        SELECT coalesce(json_agg(json_build_object('date', day, 'conversations', n, 'handoffs', handed_off,
                                                   'aiResolutions', resolved) ORDER BY day), '[]')
        FROM (SELECT day, sum(conversations) AS n, sum(handed_off) AS handed_off, sum(resolved) AS resolved
              FROM r WHERE kind = 'day' AND current GROUP BY day) x
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
).format(periods=sql.SQL(_PERIODS))

# The rows behind the figures, read from the conversations themselves (an export, not a page load):
# the period's days in each organisation's time zone.
_ROWS = sql.SQL(
    """
WITH {periods}
SELECT c.id, l.at AS started, ch.name AS channel, c.language, c.status, c.handoff_source, c.handoff_reason,
       extract(epoch FROM c.first_human_reply_at - c.handed_off_at)::float8 AS first_response,
       extract(epoch FROM c.closed_at - c.created_at)::float8 AS to_close,
       c.closed_at IS NOT NULL AND c.handed_off_at IS NULL AND c.first_human_reply_at IS NULL
           AND c.visitor_returned_at IS NULL AS resolved,
       u.name AS assignee, c.ai_answers, c.ai_tokens, c.ai_model,
       c.ai_tokens * coalesce(mp.usd_per_million_tokens::float8, lp.price, 0) / 1e6 AS ai_cost
FROM periods p
JOIN conversations c ON (%(organization_ids)s::uuid[] IS NULL OR c.organization_id = ANY(%(organization_ids)s))
     AND c.created_at >= p.first_day - 1 AND c.created_at < p.last_day + 2
     AND (%(channel_id)s::uuid IS NULL OR c.channel_id = %(channel_id)s)
     AND (%(language)s::text IS NULL OR c.language = %(language)s)
JOIN organizations o ON o.id = c.organization_id
CROSS JOIN LATERAL (SELECT c.created_at AT TIME ZONE o.time_zone AS at) l
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users u ON u.id = c.assigned_user_id
LEFT JOIN model_prices mp ON mp.model = c.ai_model
LEFT JOIN unnest(%(list_models)s::text[], %(list_prices)s::float8[]) lp (model, price) ON lp.model = c.ai_model
WHERE l.at::date BETWEEN p.first_day AND p.last_day
ORDER BY c.created_at, c.id
"""
).format(periods=sql.SQL(_PERIODS))


def _params(organization_ids: list[UUID] | None, query: ReportQuery) -> dict[str, Any]:
    return {
        "organization_ids": organization_ids,
        "first": query.first,
        "last": query.last,
        "channel_id": query.channel_id,
        "language": query.language,
        "list_models": list(LIST_PRICES),
        "list_prices": list(LIST_PRICES.values()),
    }


def load_report(conn: Connection, organization_ids: list[UUID] | None, query: ReportQuery) -> dict[str, Any]:
    """Remakes the rollups of the days marked as changed first: what the report says is exact."""
    conn.execute(_REFRESH, {"organization_ids": organization_ids})
    row = conn.execute(_REPORT, _params(organization_ids, query)).fetchone()
    assert row is not None
    report: dict[str, Any] = next(iter(row.values()))
    return report


def load_rows(conn: Connection, organization_ids: list[UUID] | None, query: ReportQuery) -> list[dict[str, Any]]:
    return conn.execute(_ROWS, _params(organization_ids, query)).fetchall()


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
