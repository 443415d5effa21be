-- Full-text search of the knowledge base in English and Spanish (#15). A chunk's `search_text` is
-- already accent- and case-folded (chatflow.knowledge.folding.fold: "Sábados" -> "sabados"), and so is
-- every question, so no unaccent is needed. Until now it was indexed with the `simple` configuration:
-- exact words only ("parking" never found "park", "domingos" never found "domingo").
--
-- Now every chunk is indexed in both languages at once: its English stems and its Spanish stems, in one
-- tsvector, and a question is parsed with both. Both rather than the chunk's detected language, because
-- entries mix languages (an English entry about "croquetas" and "Calle Ocho", a Spanish one about "cake")
-- and questions cross them (a Spanish question about an English entry): a word shared by question and
-- chunk then meets the same stem whatever language each is written in.
--
-- One language's stop words are the other's content words ("the" is nothing to the Spanish stemmer, "de"
-- nothing to the English one), so each configuration drops the stop words of both languages first: a
-- `simple` dictionary with ACCEPT = false answers "stop word" for a listed word (the token is dropped)
-- and "not mine" for any other (the stemmer then has it). Stop words alone therefore match nothing.

CREATE TEXT SEARCH DICTIONARY chatflow_english_stopwords (TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY chatflow_spanish_stopwords (TEMPLATE = pg_catalog.simple, STOPWORDS = spanish, ACCEPT = false);

CREATE TEXT SEARCH CONFIGURATION chatflow_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION chatflow_english
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH chatflow_spanish_stopwords, english_stem;

CREATE TEXT SEARCH CONFIGURATION chatflow_spanish (COPY = pg_catalog.spanish);
ALTER TEXT SEARCH CONFIGURATION chatflow_spanish
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH chatflow_english_stopwords, spanish_stem;

-- Replacing the generated column recomputes it for every existing chunk (the backfill) and drops its
-- index with it. Adding a stored generated column rewrites knowledge_chunks, and so rebuilds its
-- indexes (HNSW included), under an exclusive lock: retrieval waits for the migration (docs/knowledge.md
-- has the time it took).
ALTER TABLE knowledge_chunks DROP COLUMN search_tsv;
ALTER TABLE knowledge_chunks ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('chatflow_english'::regconfig, search_text) || to_tsvector('chatflow_spanish'::regconfig, search_text)
) STORED;
CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (search_tsv);
