-- Rate limits of the public endpoints: one counter per key (an action and a client IP, visitor or
-- email) and fixed one-minute window, bumped by an atomic upsert. Counted here rather than in each
-- Lambda's memory so that every concurrent Lambda sees the same counts; the cleanup deletes windows
-- that have ended.
CREATE TABLE rate_limit_counters (
    bucket       text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_start);
