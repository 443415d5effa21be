-- Organisation API tokens (chatflow.api_tokens): `Authorization: Bearer cf360_…` on the documented
-- subset of the dashboard API. Only a SHA-256 of the token is kept (it has 256 bits of randomness:
-- a slow hash would add nothing); its first characters are kept to tell tokens apart.
CREATE TABLE api_tokens (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    token_hash      bytea       NOT NULL UNIQUE,
    -- `cf360_` and the next few characters, for people to recognise it.
    prefix          text        NOT NULL,
    scopes          text[]      NOT NULL CHECK (cardinality(scopes) >= 1),
    -- The user row that speaks for the token: an agent message sent with it is authored by its "bot".
    bot_user_id     text        NOT NULL REFERENCES users (id) ON UPDATE CASCADE,
    created_by      text        REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_org_idx ON api_tokens (organization_id, created_at);

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON api_tokens TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
