-- WhatsApp's 24-hour window and its message templates (chatflow.meta.window, chatflow.meta.templates).

-- A WhatsApp business account's templates as the Graph API last listed them
-- (GET /{businessAccountId}/message_templates), per channel: what an agent may send once the
-- customer's 24 hours are over. Replaced as a whole by each sync.
CREATE TABLE meta_templates (
    channel_id      uuid        NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
    language        text        NOT NULL CHECK (language ~ '^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?$'),
    -- Meta's words: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …; only APPROVED ones are sent.
    status          text        NOT NULL CHECK (length(status) BETWEEN 1 AND 40),
    category        text        CHECK (length(category) <= 40),
    header          text        CHECK (length(header) <= 1000),
    body            text        NOT NULL CHECK (length(body) <= 2000),
    footer          text        CHECK (length(footer) <= 1000),
    -- [{"component": "header" | "body", "key": "1" | "first_name", "example": "Ana" | null}], in order.
    variables       jsonb       NOT NULL DEFAULT '[]',
    -- False when it needs what an agent cannot give here (a media header, a button's parameter).
    sendable        boolean     NOT NULL,
    synced_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, name, language)
);
CREATE INDEX meta_templates_org_idx ON meta_templates (organization_id);

ALTER TABLE meta_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON meta_templates TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));

ALTER TABLE channel_meta_connections ADD COLUMN templates_synced_at timestamptz;

-- An agent's message sent as a template: what send_to_meta sends instead of its text (the message's
-- content is the template's text with the variables filled in, for the inbox and the AI's history).
CREATE TABLE meta_template_messages (
    message_id      uuid        PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    language        text        NOT NULL,
    -- The Graph API's `template.components`: each component's parameters, as sent.
    components      jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX meta_template_messages_org_idx ON meta_template_messages (organization_id);

ALTER TABLE meta_template_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON meta_template_messages TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));

-- Why a message did not go out, for the inbox to say it in the operator's language:
-- window_closed (outside the 24-hour window, ours or Meta's 131047), refused (Meta's other errors),
-- no_answer (the Graph API never answered), token (the channel's access token cannot be used).
ALTER TABLE meta_deliveries ADD COLUMN failure_reason text
    CHECK (failure_reason IN ('window_closed', 'refused', 'no_answer', 'token'));
UPDATE meta_deliveries SET failure_reason = CASE WHEN error_code = 131047 THEN 'window_closed' ELSE 'refused' END
WHERE status = 'failed';
