-- Retention per organisation (issue #23, the data lifecycle): conversations whose last message is
-- older than this many days are deleted by the scheduled cleanup, with their messages. NULL: kept.
ALTER TABLE organizations
    ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 36500);
