-- The language of each message: for a visitor's, the one it is written in (detected; the
-- conversation's when the message says nothing of its own, such as "ok" or an order number); for an
-- answer of the AI or a notice of ours, the one it answers in. NULL for an agent's message and for
-- messages written before this column. A conversation's `language` is that of its latest visitor
-- message, the fallback for the next one.
ALTER TABLE messages ADD COLUMN language text CHECK (language IN ('en', 'es'));
