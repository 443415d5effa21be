-- The dashboard's AI preview spends tokens too (issue #23, item 8): counted per month apart from
-- what visitors use, so that it is billed and seen, never mistaken for conversations.
ALTER TABLE usage_tracking
    ADD COLUMN preview_messages integer NOT NULL DEFAULT 0,
    ADD COLUMN preview_tokens bigint NOT NULL DEFAULT 0;
