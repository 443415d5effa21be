-- Reports (chatflow.reports): what each conversation came to, kept on its row by listeners so that a
-- year of a busy organisation is read from one index, never from its millions of messages.
ALTER TABLE conversations
    ADD COLUMN first_human_reply_at timestamptz,          -- the first agent message
    ADD COLUMN visitor_returned_at  timestamptz,          -- the same visitor opened another within 7 days of its close
    ADD COLUMN ai_answers           integer NOT NULL DEFAULT 0,
    ADD COLUMN ai_tokens            bigint  NOT NULL DEFAULT 0,
    ADD COLUMN ai_model             text;                 -- the model of its last AI answer

-- An AI answer is added to its conversation's figures once, however often its event is delivered.
ALTER TABLE messages ADD COLUMN reported boolean NOT NULL DEFAULT false;

-- The organisation's day: reports count days and hours where the business is.
ALTER TABLE organizations ADD COLUMN time_zone text NOT NULL DEFAULT 'America/New_York';

-- What the AI costs: a super admin's price per million tokens for a model, over the list prices the
-- code knows (chatflow.reports.models.LIST_PRICES).
CREATE TABLE model_prices (
    model                   text PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 100),
    usd_per_million_tokens  numeric(12, 4) NOT NULL CHECK (usd_per_million_tokens >= 0),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- What already happened, counted as the listeners will count what happens next.
UPDATE conversations c SET ai_answers = a.answers, ai_tokens = a.tokens, ai_model = a.model
FROM (
    SELECT conversation_id, count(*) AS answers, sum(tokens_used) AS tokens,
           (array_agg(model ORDER BY seq DESC))[1] AS model
    FROM messages WHERE role = 'ai' GROUP BY conversation_id
) a
WHERE a.conversation_id = c.id;
UPDATE messages SET reported = true WHERE role = 'ai';
UPDATE conversations c SET first_human_reply_at = h.first_reply
FROM (SELECT conversation_id, min(created_at) AS first_reply FROM messages WHERE role = 'agent' GROUP BY conversation_id) h
WHERE h.conversation_id = c.id;
UPDATE conversations c SET visitor_returned_at = (
    SELECT min(n.created_at) FROM conversations n
    WHERE n.channel_id = c.channel_id AND n.visitor_id = c.visitor_id
      AND n.created_at > c.closed_at AND n.created_at <= c.closed_at + interval '7 days'
)
WHERE c.closed_at IS NOT NULL;

-- The reports' one read: an organisation's conversations by start, with every figure's column.
CREATE INDEX conversations_reports_idx ON conversations (organization_id, created_at)
    INCLUDE (channel_id, language, status, handed_off_at, handoff_source, handoff_reason, closed_at,
             first_human_reply_at, visitor_returned_at, assigned_user_id, ai_answers, ai_tokens, ai_model);
