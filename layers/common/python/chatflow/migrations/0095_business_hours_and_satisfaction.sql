-- Around the conversation (issue #19, items 2 and 3): a channel's business hours and what its widget
-- does outside them; satisfaction ratings (CSAT) on conversations.

-- One row per channel that keeps hours; no row: always staffed as before (an operator online decides).
-- weekly: {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [...], ...}, local times of
-- time_zone (an IANA name), checked by chatflow.business_hours before it is stored.
CREATE TABLE channel_business_hours (
    channel_id       uuid PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    enabled          boolean NOT NULL DEFAULT true,
    time_zone        text NOT NULL CHECK (char_length(time_zone) BETWEEN 1 AND 64),
    weekly           jsonb NOT NULL DEFAULT '{}'::jsonb,
    holidays         date[] NOT NULL DEFAULT '{}',
    -- Outside the hours: 'ai', the AI keeps answering and a handoff says when people are back and asks
    -- for an email; 'form', the widget shows a form to leave a message instead of the chat.
    offline_mode     text NOT NULL DEFAULT 'ai' CHECK (offline_mode IN ('ai', 'form')),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE channel_business_hours ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON channel_business_hours TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));

-- The satisfaction survey a closed conversation's widget shows: on or off, 1-5 stars or thumbs.
ALTER TABLE channels
    ADD COLUMN csat_enabled boolean NOT NULL DEFAULT true,
    ADD COLUMN csat_scale   text NOT NULL DEFAULT 'five' CHECK (csat_scale IN ('five', 'thumbs'));

-- A conversation's rating, once: 1-5 (thumbs are stored as 5 up and 1 down, with their scale), an
-- optional comment, and who gave the last answer before it (the AI, or an agent and which one):
-- the reports count the AI's and the agents' satisfaction apart.
ALTER TABLE conversations
    ADD COLUMN rating            smallint CHECK (rating BETWEEN 1 AND 5),
    ADD COLUMN rating_scale      text CHECK (rating_scale IN ('five', 'thumbs')),
    ADD COLUMN rating_comment    text CHECK (char_length(rating_comment) <= 1000),
    ADD COLUMN rated_at          timestamptz,
    ADD COLUMN rated_responder   text CHECK (rated_responder IN ('ai', 'agent')),
    ADD COLUMN rated_agent_id    text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX conversations_rated_idx ON conversations (organization_id, rated_at) WHERE rated_at IS NOT NULL;

-- Transcripts (item 4): how many copies a visitor asked for, so that an address typed into a widget
-- cannot be sent a stream of them (chatflow.transcripts.MAX_VISITOR_TRANSCRIPTS).
ALTER TABLE conversations ADD COLUMN transcripts_requested smallint NOT NULL DEFAULT 0;
