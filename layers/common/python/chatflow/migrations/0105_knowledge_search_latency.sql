-- Retrieval latency at 100,000 chunks over 50 organisations (issue #17, item 6; bench/rag_latency.py).
--
-- 1. A chunk's vector is kept in its row. pgvector stores a vector(1536) (6 KB) out of line, in the
--    TOAST table, so the exact search of a tenant's ~1,300 chunks that the planner picks (scope index,
--    then a sort by distance) fetched each vector through the TOAST index: ~4.4 buffers a chunk,
--    the vector arm's p50 15.5 ms. In the row (one chunk a page; the texts move to TOAST instead) it
--    is 4.8 ms. Only rows written from now on are stored so (new and re-embedded entries);
--    `VACUUM FULL knowledge_chunks` moves the existing ones, under an exclusive lock (docs/knowledge.md).
ALTER TABLE knowledge_chunks ALTER COLUMN embedding SET STORAGE PLAIN;

-- 2. The full-text index is per organisation. With the index on search_tsv alone, the planner
--    intersected the whole table's matches of a question's terms with the tenant's chunks (a bitmap
--    AND): a question of common words read ~32,000 postings to keep ~270, 15-25 ms. With the
--    organisation in the same GIN index (btree_gin) the two are intersected within one index scan (a
--    term's postings are still every tenant's); for a small tenant the planner filters its chunks
--    instead. bench/rag_latency.py with and without it, one after the other at load ~2: hybrid p50
--    10.8 / 11.8 ms, p99 24.0 / 29.4 ms.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX knowledge_chunks_search_idx;
CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (organization_id, search_tsv);
