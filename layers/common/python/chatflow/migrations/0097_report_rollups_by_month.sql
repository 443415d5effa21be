-- Reports at scale (issue #22, item 3): a year of a busy organisation (500,000 conversations) reads a
-- few thousand rollup rows instead of tens of thousands of rows and a million durations.
-- - Durations are counted in buckets 5 % wide (their bounds are in chatflow.reports.histogram) instead
--   of kept one by one: a percentile comes from bucket counts, to within 2.5 %. A row keeps the buckets
--   its durations fall in and how many fall in each, as two arrays in bucket order: first responses on
--   the rows of kind 'agent' (which split a day by assignee, none included), times to close on 'day'.
-- - Each month's day rows are also kept summed (month = true, day = the month's first day; the kind
--   'hour' of a month by weekday too): a report reads the whole months of its period as one row each,
--   and days one by one only at its edges.
-- The rollups are remade from the conversations on the next report (every day with a conversation
-- is marked), so nothing is converted here.
DELETE FROM report_rollups;

ALTER TABLE report_rollups
    DROP COLUMN first_responses,
    DROP COLUMN to_close,
    ADD COLUMN month   boolean NOT NULL DEFAULT false,
    ADD COLUMN weekday smallint CHECK (weekday BETWEEN 1 AND 7),  -- kind 'hour' of a month: 1 Monday … 7 Sunday
    ADD COLUMN first_response_buckets smallint[],                 -- kind 'agent'
    ADD COLUMN first_response_counts  integer[],
    ADD COLUMN close_buckets          smallint[],                 -- kind 'day'
    ADD COLUMN close_counts           integer[];

-- Each figure of a report reads one kind of rows of an organisation, over ranges of days (months and
-- days apart); a remade day or month is deleted by its first day (a skip scan over the few kinds).
DROP INDEX report_rollups_day_idx;
CREATE INDEX report_rollups_day_idx ON report_rollups (organization_id, month, kind, day);

-- "Waiting for a person now": the few handed-off conversations nobody answered yet, without reading
-- every open one (channel and language in the index too: the report filters by them).
CREATE INDEX conversations_waiting_person_idx ON conversations (organization_id, handed_off_at)
    INCLUDE (channel_id, language)
    WHERE status <> 'closed' AND handed_off_at IS NOT NULL AND first_human_reply_at IS NULL;

INSERT INTO report_dirty_days (organization_id, day)
SELECT DISTINCT c.organization_id, (c.created_at AT TIME ZONE o.time_zone)::date
FROM conversations c JOIN organizations o ON o.id = c.organization_id
ON CONFLICT DO NOTHING;
