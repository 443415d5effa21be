-- Embeddings are versioned (issue #17, item 2): each chunk records the model that made its vector,
-- so that a search compares a question only with vectors of its own model (the filter sits inside
-- the vector arm, where pgvector's iterative scan keeps looking until enough rows pass it), and an
-- entry whose model is no longer the organisation's shows `reembedding` until the ingest worker has
-- embedded it again with the current one (chatflow.knowledge.versions).
ALTER TABLE knowledge_chunks ADD COLUMN embedding_model text;
UPDATE knowledge_chunks c SET embedding_model = coalesce(k.embedding_model, 'unknown')
FROM channel_knowledge k WHERE k.id = c.knowledge_id;
UPDATE knowledge_chunks SET embedding_model = 'unknown' WHERE embedding_model IS NULL;
ALTER TABLE knowledge_chunks ALTER COLUMN embedding_model SET NOT NULL;

ALTER TABLE channel_knowledge DROP CONSTRAINT channel_knowledge_status_check;
ALTER TABLE channel_knowledge ADD CONSTRAINT channel_knowledge_status_check
    CHECK (status IN ('pending', 'ready', 'failed', 'reembedding'));
-- The hourly check (functions/knowledge_sync) looks for ready entries of another model, per organisation.
CREATE INDEX channel_knowledge_org_model_idx ON channel_knowledge (organization_id, embedding_model)
    WHERE status = 'ready';
