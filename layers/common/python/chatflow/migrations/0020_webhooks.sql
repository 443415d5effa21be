-- Outbound webhooks (chatflow.webhooks), per the Standard Webhooks specification: an organisation's
-- endpoints, and one delivery per endpoint and thing to tell it, retried on a fixed schedule.

CREATE TABLE webhook_endpoints (
    id                          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id             uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url                         text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description                 text        CHECK (length(description) <= 500),
    events                      text[]      NOT NULL CHECK (cardinality(events) >= 1),
    -- The signing secret (`whsec_…`), AES-256-GCM encrypted like API keys: it must be read to sign.
    encrypted_secret            text        NOT NULL,
    -- After a rotation, the previous secret signs too until previous_secret_expires_at.
    encrypted_previous_secret   text,
    previous_secret_expires_at  timestamptz,
    enabled                     boolean     NOT NULL DEFAULT true,
    -- Why the sender turned it off: 'gone' (it answered 410) or 'failing' (every delivery failed for days).
    disabled_reason             text        CHECK (disabled_reason IN ('gone', 'failing')),
    -- Since when every attempt has failed; NULL after a success.
    failing_since               timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organization_id, created_at);

CREATE TABLE webhook_deliveries (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- `webhook-id`: the same on every attempt (and on a resend), so that a receiver can deduplicate.
    message_id      text        NOT NULL,
    event_type      text        NOT NULL,
    -- What makes a delivery once per endpoint: the event and its type, or a resend's own key.
    dedupe_key      text        NOT NULL,
    -- The exact JSON sent (signed as is on every attempt).
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    -- Held by the sender attempting it; past this, presumed dead.
    leased_until    timestamptz,
    last_attempt_at timestamptz,
    response_status integer,
    latency_ms      integer,
    -- The first bytes of the last answer, as text (for the dashboard), or why there was none.
    response_excerpt text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (endpoint_id, dedupe_key)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON webhook_endpoints TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON webhook_deliveries TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
