-- Reports (chatflow.reports): what each conversation came to, kept on its row by listeners so that a
-- report never reads the millions of messages of a busy year.
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

-- What the reports read: each organisation-local day's conversations by channel and language (kind
-- 'day'), and split once more by hour, handoff source and reason, assignee or model (the other kinds),
-- with the durations whose percentiles they print. Remade from the conversations for each day marked in
-- report_dirty_days (by the count_for_reports listener, whenever a conversation of that day changes)
-- when a report is asked for: exact, and a year is some tens of thousands of rows.
CREATE TABLE report_rollups (
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    day               date NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('day', 'hour', 'reason', 'agent', 'model')),
    channel_id        uuid NOT NULL,
    language          text NOT NULL,
    hour              smallint,
    handoff_source    text,
    handoff_reason    text,
    assigned_user_id  text,
    ai_model          text,
    conversations     integer NOT NULL,
    resolved          integer NOT NULL,
    handed_off        integer NOT NULL,
    ai_answers        bigint NOT NULL,
    ai_tokens         bigint NOT NULL,
    first_responses   float8[] NOT NULL,  -- seconds, kinds 'day' and 'agent' only
    to_close          float8[] NOT NULL   -- seconds, kind 'day' only
);
CREATE INDEX report_rollups_day_idx ON report_rollups (organization_id, kind, day);

CREATE TABLE report_dirty_days (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    day              date NOT NULL,
    PRIMARY KEY (organization_id, day)
);

ALTER TABLE report_rollups ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON report_rollups TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
ALTER TABLE report_dirty_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON report_dirty_days TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));

-- Every day that already has conversations is made on the first report.
INSERT INTO report_dirty_days (organization_id, day)
SELECT DISTINCT c.organization_id, (c.created_at AT TIME ZONE o.time_zone)::date
FROM conversations c JOIN organizations o ON o.id = c.organization_id;
