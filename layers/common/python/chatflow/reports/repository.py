"""The SQL of the reports. They read report_rollups: each organisation-local day's conversations grouped
by everything a figure splits by, and the durations whose percentiles they print counted in buckets
(chatflow.reports.histogram); each month's days also summed into one row per group (`month`). A day is
remade from its conversations (whose rows the count_for_reports listener keeps up to date: no message
is read) when it was marked as changed, and its month from its days, just before a report reads them.
One statement then returns every figure of the period and of the one before it as JSON, reading the
whole months of a period from their month rows and only the days at its edges one by one.

Definitions (the page says them too):
- a conversation belongs to the period it started in, in the organisation's time zone;
- resolved by the AI: closed, never handed to a person, no person wrote in it, and its visitor did
  not open another conversation on the channel within 7 days of the close (RETURN_WINDOW_DAYS);
- the AI resolution and handoff rates are shares of the period's conversations;
- first response: from the handoff to the first message of a person; time to close: from the start;
  their percentiles are within histogram.RESOLUTION (2.5 %) of the exact ones;
- an agent's conversations are those assigned to them; AI cost: each conversation's tokens at its
  model's blended price.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection
from chatflow.reports import histogram
from chatflow.reports.models import LIST_PRICES, ReportQuery

__all__ = [
    "change_time_zone",
    "load_report",
    "load_rows",
    "refresh",
    "refresh_some",
    "select_prices",
    "time_zone_of",
    "upsert_price",
]

# The days a report reads, in each organisation's own time zone.
_PERIODS = """
periods AS (
    SELECT %(first)s::date AS first_day, %(last)s::date AS last_day,
           %(first)s::date - (%(last)s::date - %(first)s::date + 1) AS previous_first_day
)
"""

# Whether a day's rollups wait to be remade (most reports find none and skip the rest).
_ANY_DIRTY = """
SELECT 1 FROM report_dirty_days d
WHERE %(organization_ids)s::uuid[] IS NULL OR d.organization_id = ANY(%(organization_ids)s)
LIMIT 1
"""

# One refresh at a time (per database): two reports remaking days of the same month at once would
# each sum the month from the days it sees, and both sums would stay.
_REFRESH_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('chatflow.reports.refresh', 0))"

# The days marked as changed (of the organisations in scope), taken: a mark made meanwhile waits for
# the next report.
_TAKE_DIRTY = """
DELETE FROM report_dirty_days d
WHERE %(organization_ids)s::uuid[] IS NULL OR d.organization_id = ANY(%(organization_ids)s)
RETURNING d.organization_id, d.day
"""

# Remakes the day rows of these days from the conversations that started on them (each day's read as
# one range of conversations_org_created_idx).
_REFRESH_DAYS = """
WITH dirty AS (
    SELECT * FROM unnest(%(organization_ids)s::uuid[], %(days)s::date[]) d (organization_id, day)
), cleared AS (
    DELETE FROM report_rollups r USING dirty
    WHERE r.organization_id = dirty.organization_id AND NOT r.month AND r.day = dirty.day
), spans AS MATERIALIZED (
    -- each day's bounds, so that its conversations are one range of conversations_org_created_idx
    SELECT d.organization_id, d.day, o.time_zone,
           d.day::timestamp AT TIME ZONE o.time_zone AS starts, (d.day + 1)::timestamp AT TIME ZONE o.time_zone AS ends
    FROM dirty d JOIN organizations o ON o.id = d.organization_id
), facts AS (
    SELECT c.organization_id, s.day,
           extract(hour FROM c.created_at AT TIME ZONE s.time_zone)::smallint AS hour, c.channel_id, c.language,
           c.handoff_source, c.handoff_reason, c.assigned_user_id, c.ai_model, c.ai_answers, c.ai_tokens,
           c.closed_at IS NOT NULL AND c.handed_off_at IS NULL AND c.first_human_reply_at IS NULL
               AND c.visitor_returned_at IS NULL AS resolved,
           c.handed_off_at IS NOT NULL AS handed_off,
           CASE WHEN c.first_human_reply_at >= c.handed_off_at
                THEN extract(epoch FROM c.first_human_reply_at - c.handed_off_at)::float8 END AS first_response,
           extract(epoch FROM c.closed_at - c.created_at)::float8 AS to_close,
           c.rating, c.rated_responder
    FROM spans s
    JOIN conversations c ON c.organization_id = s.organization_id AND c.created_at >= s.starts AND c.created_at < s.ends
), bucketed AS (
    -- histogram.bucket_of, in SQL
    SELECT f.*,
           CASE WHEN f.first_response < 1 THEN 0
                ELSE 1 + floor(ln(f.first_response) / ln(%(growth)s::float8)) END::smallint AS first_response_bucket,
           CASE WHEN f.to_close < 1 THEN 0
                ELSE 1 + floor(ln(f.to_close) / ln(%(growth)s::float8)) END::smallint AS close_bucket
    FROM facts f
), first_responses AS (
    -- each assignee's (or no one's) first responses of the day, by bucket
    SELECT organization_id, day, channel_id, language, assigned_user_id,
           array_agg(bucket ORDER BY bucket) AS buckets, array_agg(n ORDER BY bucket) AS counts
    FROM (SELECT organization_id, day, channel_id, language, assigned_user_id, first_response_bucket AS bucket,
                 count(*)::integer AS n
          FROM bucketed WHERE first_response_bucket IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6) x
    GROUP BY 1, 2, 3, 4, 5
), closes AS (
    SELECT organization_id, day, channel_id, language,
           array_agg(bucket ORDER BY bucket) AS buckets, array_agg(n ORDER BY bucket) AS counts
    FROM (SELECT organization_id, day, channel_id, language, close_bucket AS bucket, count(*)::integer AS n
          FROM bucketed WHERE close_bucket IS NOT NULL GROUP BY 1, 2, 3, 4, 5) x
    GROUP BY 1, 2, 3, 4
), grouped AS (
    SELECT f.organization_id, f.day,
           CASE GROUPING(f.hour, f.handoff_source, f.handoff_reason, f.assigned_user_id, f.ai_model)
               WHEN 31 THEN 'day' WHEN 15 THEN 'hour' WHEN 19 THEN 'reason' WHEN 29 THEN 'agent' ELSE 'model'
           END AS kind,
           f.channel_id, f.language, f.hour, f.handoff_source, f.handoff_reason, f.assigned_user_id, f.ai_model,
           count(*) AS conversations, count(*) FILTER (WHERE f.resolved) AS resolved,
           count(*) FILTER (WHERE f.handed_off) AS handed_off, sum(f.ai_answers) AS ai_answers,
           sum(f.ai_tokens) AS ai_tokens,
           count(f.rating) FILTER (WHERE f.rated_responder = 'ai') AS ratings_ai,
           coalesce(sum(f.rating) FILTER (WHERE f.rated_responder = 'ai'), 0) AS rating_sum_ai,
           count(*) FILTER (WHERE f.rated_responder = 'ai' AND f.rating >= 4) AS satisfied_ai,
           count(f.rating) FILTER (WHERE f.rated_responder = 'agent') AS ratings_agent,
           coalesce(sum(f.rating) FILTER (WHERE f.rated_responder = 'agent'), 0) AS rating_sum_agent,
           count(*) FILTER (WHERE f.rated_responder = 'agent' AND f.rating >= 4) AS satisfied_agent
    FROM bucketed f
    GROUP BY GROUPING SETS (
        (f.organization_id, f.day, f.channel_id, f.language),
        (f.organization_id, f.day, f.channel_id, f.language, f.hour),
        (f.organization_id, f.day, f.channel_id, f.language, f.handoff_source, f.handoff_reason),
        (f.organization_id, f.day, f.channel_id, f.language, f.assigned_user_id),
        (f.organization_id, f.day, f.channel_id, f.language, f.ai_model)
    )
), made AS (
    INSERT INTO report_rollups (
        organization_id, day, kind, channel_id, language, hour, handoff_source, handoff_reason, assigned_user_id,
        ai_model, conversations, resolved, handed_off, ai_answers, ai_tokens,
        ratings_ai, rating_sum_ai, satisfied_ai, ratings_agent, rating_sum_agent, satisfied_agent,
        first_response_buckets, first_response_counts, close_buckets, close_counts)
    SELECT g.*, fr.buckets, fr.counts, cl.buckets, cl.counts
    FROM grouped g
    LEFT JOIN first_responses fr ON g.kind = 'agent' AND fr.organization_id = g.organization_id
         AND fr.day = g.day AND fr.channel_id = g.channel_id AND fr.language = g.language
         AND fr.assigned_user_id IS NOT DISTINCT FROM g.assigned_user_id
    LEFT JOIN closes cl ON g.kind = 'day' AND cl.organization_id = g.organization_id
         AND cl.day = g.day AND cl.channel_id = g.channel_id AND cl.language = g.language
)
SELECT count(*) AS days FROM dirty
"""

# Remakes the month rows of these months from their day rows (those just remade included): the same
# groups summed, the hours of the month by weekday, the durations' buckets merged.
_REFRESH_MONTHS = """
WITH months AS (
    SELECT * FROM unnest(%(organization_ids)s::uuid[], %(months)s::date[]) m (organization_id, month)
), cleared AS (
    DELETE FROM report_rollups r USING months m
    WHERE r.organization_id = m.organization_id AND r.month AND r.day = m.month
), days AS (
    SELECT r.*, m.month AS month_day,
           CASE WHEN r.kind = 'hour' THEN extract(isodow FROM r.day)::smallint END AS month_weekday
    FROM months m
    JOIN report_rollups r ON r.organization_id = m.organization_id AND NOT r.month
         AND r.day >= m.month AND r.day < (m.month + interval '1 month')::date
), sums AS (
    SELECT organization_id, month_day, kind, channel_id, language, hour, month_weekday, handoff_source,
           handoff_reason, assigned_user_id, ai_model,
           sum(conversations) AS conversations, sum(resolved) AS resolved, sum(handed_off) AS handed_off,
           sum(ai_answers) AS ai_answers, sum(ai_tokens) AS ai_tokens, sum(ratings_ai) AS ratings_ai,
           sum(rating_sum_ai) AS rating_sum_ai, sum(satisfied_ai) AS satisfied_ai,
           sum(ratings_agent) AS ratings_agent, sum(rating_sum_agent) AS rating_sum_agent,
           sum(satisfied_agent) AS satisfied_agent
    FROM days
    GROUP BY organization_id, month_day, kind, channel_id, language, hour, month_weekday, handoff_source,
             handoff_reason, assigned_user_id, ai_model
), first_responses AS (
    SELECT organization_id, month_day, channel_id, language, assigned_user_id,
           array_agg(bucket ORDER BY bucket) AS buckets, array_agg(n ORDER BY bucket) AS counts
    FROM (SELECT d.organization_id, d.month_day, d.channel_id, d.language, d.assigned_user_id, u.bucket,
                 sum(u.n)::integer AS n
          FROM days d, unnest(d.first_response_buckets, d.first_response_counts) u (bucket, n)
          WHERE d.kind = 'agent' GROUP BY 1, 2, 3, 4, 5, 6) x
    GROUP BY 1, 2, 3, 4, 5
), closes AS (
    SELECT organization_id, month_day, channel_id, language,
           array_agg(bucket ORDER BY bucket) AS buckets, array_agg(n ORDER BY bucket) AS counts
    FROM (SELECT d.organization_id, d.month_day, d.channel_id, d.language, u.bucket, sum(u.n)::integer AS n
          FROM days d, unnest(d.close_buckets, d.close_counts) u (bucket, n)
          WHERE d.kind = 'day' GROUP BY 1, 2, 3, 4, 5) x
    GROUP BY 1, 2, 3, 4
)
INSERT INTO report_rollups (
    organization_id, day, kind, channel_id, language, hour, weekday, handoff_source, handoff_reason,
    assigned_user_id, ai_model, conversations, resolved, handed_off, ai_answers, ai_tokens,
    ratings_ai, rating_sum_ai, satisfied_ai, ratings_agent, rating_sum_agent, satisfied_agent,
    first_response_buckets, first_response_counts, close_buckets, close_counts, month)
SELECT s.*, fr.buckets, fr.counts, cl.buckets, cl.counts, true
FROM sums s
LEFT JOIN first_responses fr ON s.kind = 'agent' AND fr.organization_id = s.organization_id
     AND fr.month_day = s.month_day AND fr.channel_id = s.channel_id AND fr.language = s.language
     AND fr.assigned_user_id IS NOT DISTINCT FROM s.assigned_user_id
LEFT JOIN closes cl ON s.kind = 'day' AND cl.organization_id = s.organization_id
     AND cl.month_day = s.month_day AND cl.channel_id = s.channel_id AND cl.language = s.language
"""

_REPORT = sql.SQL(
    """
WITH {periods}, r AS NOT MATERIALIZED (
    -- The ranges of _ranges, as constants the planner sees (so that it reads each kind's few rows
    -- through the index): at most one of months and two of days in each period, absent ones null.
    -- Each figure reads its own kind.
    SELECT r.*, r.day >= %(first)s::date AS current, coalesce(mp.usd_per_million_tokens::float8, l.price) AS price
    FROM report_rollups r
    LEFT JOIN model_prices mp ON mp.model = r.ai_model
    LEFT JOIN unnest(%(list_models)s::text[], %(list_prices)s::float8[]) l (model, price) ON l.model = r.ai_model
    WHERE (%(organization_ids)s::uuid[] IS NULL OR r.organization_id = ANY(%(organization_ids)s))
      AND (%(channel_id)s::uuid IS NULL OR r.channel_id = %(channel_id)s)
      AND (%(language)s::text IS NULL OR r.language = %(language)s)
      AND (r.month AND (r.day BETWEEN %(month_1_first)s::date AND %(month_1_last)s::date
                        OR r.day BETWEEN %(month_2_first)s::date AND %(month_2_last)s::date)
           OR NOT r.month AND (r.day BETWEEN %(days_1_first)s::date AND %(days_1_last)s::date
                               OR r.day BETWEEN %(days_2_first)s::date AND %(days_2_last)s::date
                               OR r.day BETWEEN %(days_3_first)s::date AND %(days_3_last)s::date
                               OR r.day BETWEEN %(days_4_first)s::date AND %(days_4_last)s::date))
), cost AS (
    SELECT current, sum(ai_tokens * coalesce(price, 0)) / 1e6 AS ai_cost FROM r WHERE kind = 'model' GROUP BY current
), durations AS (
    -- first responses from the rows by assignee (all of them: none is one too), times to close from the days
    SELECT current, kind, json_agg(json_build_array(bucket, n)) AS buckets
    FROM (SELECT r.current, 'first_response' AS kind, u.bucket, sum(u.n) AS n
          FROM r, unnest(r.first_response_buckets, r.first_response_counts) u (bucket, n)
          WHERE r.kind = 'agent' GROUP BY 1, 2, 3
          UNION ALL
          SELECT r.current, 'to_close', u.bucket, sum(u.n)
          FROM r, unnest(r.close_buckets, r.close_counts) u (bucket, n)
          WHERE r.kind = 'day' GROUP BY 1, 2, 3) x
    GROUP BY current, kind
)
SELECT json_build_object(
    'periods', (
        SELECT json_object_agg(CASE WHEN t.current THEN 'current' ELSE 'previous' END, json_build_object(
            'conversations', t.conversations, 'aiResolutions', t.resolved, 'handoffs', t.handed_off,
            'aiAnswers', t.ai_answers, 'aiTokens', t.ai_tokens, 'aiCost', coalesce(cost.ai_cost, 0),
            'firstResponseBuckets', coalesce(f.buckets, '[]'), 'closeBuckets', coalesce(k.buckets, '[]'),
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
        LEFT JOIN durations f ON f.current = t.current AND f.kind = 'first_response'
        LEFT JOIN durations k ON k.current = t.current AND k.kind = 'to_close'
    ),
    'handoffReasons', (
        SELECT coalesce(json_agg(json_build_object('source', source, 'reason', reason, 'conversations', n)
                                 ORDER BY n DESC, source, reason), '[]')
        FROM (SELECT coalesce(handoff_source, 'unrecorded') AS source, handoff_reason AS reason, sum(handed_off) AS n
              FROM r WHERE kind = 'reason' AND current AND handed_off > 0 GROUP BY 1, 2) x
    ),
    'byLanguage', (
        SELECT coalesce(json_agg(json_build_object(
                   'language', language, 'conversations', n, 'aiResolutions', resolved, 'handoffs', handed_off,
                   'ratingsAi', ratings_ai, 'ratingSumAi', rating_sum_ai, 'satisfiedAi', satisfied_ai,
                   'ratingsAgent', ratings_agent, 'ratingSumAgent', rating_sum_agent,
                   'satisfiedAgent', satisfied_agent)
                   ORDER BY language), '[]')
        FROM (SELECT language, sum(conversations) AS n, sum(resolved) AS resolved, sum(handed_off) AS handed_off,
                     sum(ratings_ai) AS ratings_ai, sum(rating_sum_ai) AS rating_sum_ai,
                     sum(satisfied_ai) AS satisfied_ai, sum(ratings_agent) AS ratings_agent,
                     sum(rating_sum_agent) AS rating_sum_agent, sum(satisfied_agent) AS satisfied_agent
              FROM r WHERE kind = 'day' AND current GROUP BY language) x
    ),
    'byAgent', (
        SELECT coalesce(json_agg(json_build_object(
                   'userId', a.assigned_user_id, 'name', u.name, 'conversations', a.n,
                   'firstResponseBuckets', coalesce(f.buckets, '[]'),
                   'ratings', a.ratings, 'ratingSum', a.rating_sum, 'satisfied', a.satisfied)
                   ORDER BY a.n DESC, u.name), '[]')
        FROM (SELECT assigned_user_id, sum(conversations) AS n, sum(ratings_agent) AS ratings,
                     sum(rating_sum_agent) AS rating_sum, sum(satisfied_agent) AS satisfied FROM r
              WHERE kind = 'agent' AND current AND assigned_user_id IS NOT NULL GROUP BY assigned_user_id) a
        LEFT JOIN (
            SELECT assigned_user_id, json_agg(json_build_array(bucket, n)) AS buckets
            FROM (SELECT r.assigned_user_id, u.bucket, sum(u.n) AS n
                  FROM r, unnest(r.first_response_buckets, r.first_response_counts) u (bucket, n)
                  WHERE r.kind = 'agent' AND r.current AND r.assigned_user_id IS NOT NULL GROUP BY 1, 2) x
            GROUP BY assigned_user_id
        ) f ON f.assigned_user_id = a.assigned_user_id
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
        FROM (SELECT coalesce(weekday, extract(isodow FROM day)::int) AS weekday, hour, sum(conversations) AS n
              FROM r WHERE kind = 'hour' AND current GROUP BY 1, 2) x
    ),
    'daily', (
        SELECT coalesce(json_agg(json_build_object('date', day, 'conversations', n, 'handoffs', handed_off,
                                                   'aiResolutions', resolved) ORDER BY day), '[]')
        FROM (SELECT d.day, sum(d.conversations) AS n, sum(d.handed_off) AS handed_off, sum(d.resolved) AS resolved
              FROM periods p
              JOIN report_rollups d
                   ON (%(organization_ids)s::uuid[] IS NULL OR d.organization_id = ANY(%(organization_ids)s))
                   AND NOT d.month AND d.day BETWEEN p.first_day AND p.last_day AND d.kind = 'day'
                   AND (%(channel_id)s::uuid IS NULL OR d.channel_id = %(channel_id)s)
                   AND (%(language)s::text IS NULL OR d.language = %(language)s)
              GROUP BY d.day) x
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


def _next_month(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _ranges(first: dt.date, last: dt.date) -> list[tuple[bool, dt.date, dt.date, bool]]:
    """What a report reads of the period [first, last] and of as many days before it, as (month rows?,
    first day, last day, current period?): the months wholly inside a period from their month rows (by
    their first days), the days before and after them from their day rows."""
    ranges: list[tuple[bool, dt.date, dt.date, bool]] = []
    previous_first = first - (last - first) - dt.timedelta(days=1)
    for current, start, end in ((True, first, last), (False, previous_first, first - dt.timedelta(days=1))):
        first_month = start if start.day == 1 else _next_month(start)
        after_months = _next_month(end) if _next_month(end) - dt.timedelta(days=1) == end else end.replace(day=1)
        if first_month >= after_months:  # no whole month
            ranges.append((False, start, end, current))
            continue
        if start < first_month:
            ranges.append((False, start, first_month - dt.timedelta(days=1), current))
        ranges.append((True, first_month, after_months - dt.timedelta(days=1), current))
        if after_months <= end:
            ranges.append((False, after_months, end, current))
    return ranges


def _params(organization_ids: list[UUID] | None, query: ReportQuery) -> dict[str, Any]:
    ranges = _ranges(query.first, query.last)
    slots: dict[str, Any] = {}
    for kind, count in (("month", 2), ("days", 4)):
        chosen: list[tuple[dt.date | None, dt.date | None]] = [
            (r[1], r[2]) for r in ranges if r[0] == (kind == "month")
        ]
        chosen += [(None, None)] * (count - len(chosen))
        for n, (first, last) in enumerate(chosen, start=1):
            slots[f"{kind}_{n}_first"], slots[f"{kind}_{n}_last"] = first, last
    return {
        **slots,
        "organization_ids": organization_ids,
        "first": query.first,
        "last": query.last,
        "channel_id": query.channel_id,
        "language": query.language,
        "list_models": list(LIST_PRICES),
        "list_prices": list(LIST_PRICES.values()),
    }


def refresh(conn: Connection, organization_ids: list[UUID] | None) -> None:
    """Remakes the rollups of the days marked as changed (of these organisations; None: all), and of
    their months."""
    if conn.execute(_ANY_DIRTY, {"organization_ids": organization_ids}).fetchone() is None:
        return
    with conn.transaction():
        conn.execute(_REFRESH_LOCK)
        _remake(conn, conn.execute(_TAKE_DIRTY, {"organization_ids": organization_ids}).fetchall())


# At most this many marked days, the oldest first (the scheduled sweep's batch).
_TAKE_SOME_DIRTY = """
DELETE FROM report_dirty_days d
USING (SELECT organization_id, day FROM report_dirty_days ORDER BY organization_id, day LIMIT %(limit)s) batch
WHERE d.organization_id = batch.organization_id AND d.day = batch.day
RETURNING d.organization_id, d.day
"""


def refresh_some(conn: Connection, limit: int) -> int:
    """Remakes the rollups of at most `limit` marked days (of any organisation) and of their months;
    how many days it remade."""
    with conn.transaction():
        conn.execute(_REFRESH_LOCK)
        days = conn.execute(_TAKE_SOME_DIRTY, {"limit": limit}).fetchall()
        _remake(conn, days)
    return len(days)


def _remake(conn: Connection, days: list[dict[str, Any]]) -> None:
    """These days' rollups from their conversations, then their months' from their days."""
    if not days:  # another report remade them meanwhile
        return
    conn.execute(
        _REFRESH_DAYS,
        {
            "organization_ids": [d["organization_id"] for d in days],
            "days": [d["day"] for d in days],
            "growth": histogram.GROWTH,
        },
    )
    months = sorted({(d["organization_id"], d["day"].replace(day=1)) for d in days})
    conn.execute(_REFRESH_MONTHS, {"organization_ids": [m[0] for m in months], "months": [m[1] for m in months]})


def _percentiles(figures: dict[str, Any], buckets: str, *names: tuple[str, float]) -> None:
    counts = [(int(bucket), int(n)) for bucket, n in figures.pop(buckets, [])]
    for name, fraction in names:
        figures[name] = histogram.percentile(counts, fraction)


def load_report(conn: Connection, organization_ids: list[UUID] | None, query: ReportQuery) -> dict[str, Any]:
    """Remakes the rollups of the days marked as changed first: what the report says is exact (but
    for the percentiles, within histogram.RESOLUTION)."""
    with conn.transaction():
        # Each figure reads a few thousand rows at most: starting parallel workers costs more than it
        # saves (tens of milliseconds on a busy machine).
        conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        refresh(conn, organization_ids)
        # Never prepared: a prepared statement may switch to a generic plan, which cannot see which of
        # the ranges are empty nor which filters are off, and reads every day row of a kind.
        row = conn.execute(_REPORT, _params(organization_ids, query), prepare=False).fetchone()
    assert row is not None
    report: dict[str, Any] = next(iter(row.values()))
    for period in (report.get("periods") or {}).values():
        _percentiles(period, "firstResponseBuckets", ("firstResponseP50", 0.5), ("firstResponseP90", 0.9))
        _percentiles(period, "closeBuckets", ("closeP50", 0.5))
    for agent in report["byAgent"]:
        _percentiles(agent, "firstResponseBuckets", ("firstResponseP50", 0.5))
    return report


def load_rows(conn: Connection, organization_ids: list[UUID] | None, query: ReportQuery) -> list[dict[str, Any]]:
    return conn.execute(_ROWS, _params(organization_ids, query)).fetchall()


def time_zone_of(conn: Connection, organization_id: UUID) -> str | None:
    row = conn.execute("SELECT time_zone FROM organizations WHERE id = %s", (organization_id,)).fetchone()
    return None if row is None else str(row["time_zone"])


# A new time zone moves every conversation to the day it started on there: the organisation's rollups
# are dropped and all its days (in the new zone) remade on the next report, in the transaction of the
# change, so that no report mixes the two zones' days. (A day already marked in the old zone stays
# marked: remaking it reads that date's conversations in the new zone, which is right too.)
_CHANGE_TIME_ZONE = """
WITH changed AS (
    UPDATE organizations SET time_zone = %(time_zone)s, updated_at = now() WHERE id = %(organization_id)s
    RETURNING id, time_zone
), dropped AS (
    DELETE FROM report_rollups r USING changed WHERE r.organization_id = changed.id
), marked AS (
    INSERT INTO report_dirty_days (organization_id, day)
    SELECT DISTINCT c.organization_id, (c.created_at AT TIME ZONE changed.time_zone)::date
    FROM changed JOIN conversations c ON c.organization_id = changed.id
    ON CONFLICT DO NOTHING
)
SELECT time_zone FROM changed
"""


def change_time_zone(conn: Connection, organization_id: UUID, time_zone: str) -> str | None:
    """None: no such organisation."""
    row = conn.execute(_CHANGE_TIME_ZONE, {"organization_id": organization_id, "time_zone": time_zone}).fetchone()
    return None if row is None else str(row["time_zone"])


def select_prices(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT model, usd_per_million_tokens, updated_at FROM model_prices ORDER BY model").fetchall()


def upsert_price(conn: Connection, model: str, usd_per_million_tokens: float) -> None:
    conn.execute(
        "INSERT INTO model_prices (model, usd_per_million_tokens) VALUES (%s, %s) ON CONFLICT (model)"
        " DO UPDATE SET usd_per_million_tokens = EXCLUDED.usd_per_million_tokens, updated_at = now()",
        (model, usd_per_million_tokens),
    )
