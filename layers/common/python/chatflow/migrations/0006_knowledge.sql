-- The knowledge base: entries know their source, their ingestion status and how they were embedded;
-- chunks carry accent-folded text for full-text search and their token count for the prompt budget;
-- an AI message records the chunks it answered from. Columns and indexes only.

ALTER TABLE channel_knowledge
    ADD COLUMN status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    ADD COLUMN error           text,
    ADD COLUMN chunk_count     integer NOT NULL DEFAULT 0,
    ADD COLUMN source_url      text,
    ADD COLUMN file_name       text,
    ADD COLUMN embedding_model text,
    -- Bumped by every edit: an ingestion run stores its chunks only if the entry is still at its version.
    ADD COLUMN version         integer NOT NULL DEFAULT 1;
ALTER TABLE channel_knowledge ADD CONSTRAINT channel_knowledge_source_check
    CHECK (source IN ('text', 'file', 'url'));
CREATE INDEX channel_knowledge_org_updated_idx ON channel_knowledge (organization_id, updated_at DESC);

ALTER TABLE knowledge_chunks
    ADD COLUMN token_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN search_text  text NOT NULL DEFAULT '',
    ADD COLUMN search_tsv   tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (search_tsv);

ALTER TABLE messages ADD COLUMN knowledge_chunk_ids uuid[];

-- Tenant-filtered vector search: pgvector 0.8's iterative scans keep scanning the HNSW graph until
-- enough rows pass the organisation/channel filter. Set per database so that retrieval costs no
-- extra round trip (and no session state behind RDS Proxy).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET hnsw.iterative_scan = relaxed_order', current_database());
    EXECUTE format('ALTER DATABASE %I SET hnsw.ef_search = 100', current_database());
END
$$;
