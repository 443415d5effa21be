-- Satisfaction in the reports (issue #19, item 3): each rollup row counts its conversations' ratings,
-- apart for those whose last answer was the AI's and those whose last answer was an agent's. Satisfied:
-- 4 or 5 stars, or a thumb up (stored as 5).
ALTER TABLE report_rollups
    ADD COLUMN ratings_ai        integer NOT NULL DEFAULT 0,
    ADD COLUMN rating_sum_ai     integer NOT NULL DEFAULT 0,
    ADD COLUMN satisfied_ai      integer NOT NULL DEFAULT 0,
    ADD COLUMN ratings_agent     integer NOT NULL DEFAULT 0,
    ADD COLUMN rating_sum_agent  integer NOT NULL DEFAULT 0,
    ADD COLUMN satisfied_agent   integer NOT NULL DEFAULT 0;

-- Days whose conversations were rated already are remade on the next report.
INSERT INTO report_dirty_days (organization_id, day)
SELECT DISTINCT c.organization_id, (c.created_at AT TIME ZONE o.time_zone)::date
FROM conversations c JOIN organizations o ON o.id = c.organization_id
WHERE c.rating IS NOT NULL
ON CONFLICT DO NOTHING;
