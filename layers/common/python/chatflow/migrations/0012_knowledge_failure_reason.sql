-- Why an entry failed, as a reason the dashboard words in its operator's language
-- (chatflow/catalogue texts `knowledge.<reason>`, filled with `error_values`). `error` keeps the
-- English, for logs; entries failed before this column have only it.
ALTER TABLE channel_knowledge
    ADD COLUMN error_reason text,
    ADD COLUMN error_values jsonb NOT NULL DEFAULT '{}';
