-- An uploaded PDF is read by the ingest worker, with a time budget, never in the API request (issue
-- #23, item 4; #17, item 4): the file waits here until the worker has read it, then is cleared
-- (whether the entry became ready or failed). Text and Markdown files are still decoded at upload.
ALTER TABLE channel_knowledge
    ADD COLUMN source_file bytea,
    ADD CONSTRAINT channel_knowledge_source_file_bounded
        CHECK (source_file IS NULL OR octet_length(source_file) <= 52428800);
