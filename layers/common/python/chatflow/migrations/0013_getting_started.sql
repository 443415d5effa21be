-- A new organisation's getting-started checklist: its steps tick themselves from real state; only
-- these two facts are kept for it. When a channel's widget was first seen on a page its channel
-- allows (its public config fetched from that origin), and when the organisation put the list away.
ALTER TABLE channels
    ADD COLUMN widget_seen_at     timestamptz,
    ADD COLUMN widget_seen_origin text CHECK (length(widget_seen_origin) <= 300);
ALTER TABLE organizations ADD COLUMN getting_started_dismissed_at timestamptz;
