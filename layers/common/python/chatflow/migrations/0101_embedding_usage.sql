-- Embeddings cost money too (issue #17, item 4): the tokens an organisation's knowledge entries and
-- knowledge gaps were embedded with, counted per month beside the chat's tokens, shown on the Usage page.
ALTER TABLE usage_tracking ADD COLUMN embedding_tokens bigint NOT NULL DEFAULT 0;
