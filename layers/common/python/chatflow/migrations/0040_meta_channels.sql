-- WhatsApp and Messenger channels (chatflow.meta): how a channel is connected to Meta's Graph API.
-- One row per connected channel; a channel of those types without a row is not connected yet.

CREATE TABLE channel_meta_connections (
    channel_id              uuid        PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    organization_id         uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind                    text        NOT NULL CHECK (kind IN ('whatsapp', 'messenger')),
    -- What Meta's webhooks name: WhatsApp's phone number id, Messenger's page id.
    account_id              text        NOT NULL CHECK (account_id ~ '^[0-9]{1,32}$'),
    -- WhatsApp's business account (its message templates); NULL for Messenger.
    business_account_id     text        CHECK (business_account_id ~ '^[0-9]{1,32}$'),
    -- The token the Graph API is called with and the app secret webhooks are signed with, AES-256-GCM
    -- encrypted like API keys (chatflow.crypto): written, never read back out but as their hints.
    encrypted_access_token  text        NOT NULL,
    access_token_hint       text        NOT NULL,
    encrypted_app_secret    text        NOT NULL,
    app_secret_hint         text        NOT NULL,
    -- Pasted by the business into Meta's console and echoed in the subscription handshake: shown.
    verify_token            text        NOT NULL CHECK (length(verify_token) BETWEEN 8 AND 200),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    -- A number or page answers in one channel only: a webhook lands in exactly one organisation.
    UNIQUE (kind, account_id)
);
CREATE INDEX channel_meta_connections_org_idx ON channel_meta_connections (organization_id);
CREATE INDEX channel_meta_connections_verify_idx ON channel_meta_connections (kind, verify_token);

ALTER TABLE channel_meta_connections ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON channel_meta_connections TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
