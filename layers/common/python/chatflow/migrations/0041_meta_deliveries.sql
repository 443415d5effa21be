-- What we sent to WhatsApp and Messenger (chatflow.meta.outbound): one row per message of ours that
-- goes out through the Graph API, so that a retried listener never sends twice, the provider's id
-- (wamid… / m_…) that Meta's statuses name, and the delivery state the inbox shows.

CREATE TABLE meta_deliveries (
    message_id          uuid        PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    organization_id     uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    channel_id          uuid        NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    -- pending: not accepted by Meta yet (retrying); sent: accepted; delivered, read: Meta's statuses;
    -- failed: refused for good (by Meta, or by its status).
    status              text        NOT NULL DEFAULT 'pending'
                                    CHECK (status IN ('pending', 'sent', 'delivered', 'read', 'failed')),
    provider_message_id text,
    attempts            integer     NOT NULL DEFAULT 0,
    -- Meta's error code and message of the last failure (131047: outside the 24-hour window).
    error_code          integer,
    error_message       text        CHECK (length(error_message) <= 500),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, provider_message_id)
);
CREATE INDEX meta_deliveries_org_idx ON meta_deliveries (organization_id);

ALTER TABLE meta_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON meta_deliveries TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
