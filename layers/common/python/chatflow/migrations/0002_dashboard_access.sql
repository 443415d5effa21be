-- The dashboard's second wall: row-level security keyed on organization_id. Dashboard requests run
-- their transaction as chatflow_dashboard with the caller's organisations set locally, so a query
-- that forgets its scope still cannot see another tenant's rows. The widget API, cleanup and
-- migrations run as the owner, which RLS does not restrict: they cross tenants on purpose.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chatflow_dashboard') THEN
        CREATE ROLE chatflow_dashboard NOLOGIN;
    END IF;
END
$$;
GRANT chatflow_dashboard TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO chatflow_dashboard;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO chatflow_dashboard;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO chatflow_dashboard;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO chatflow_dashboard;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO chatflow_dashboard;
REVOKE ALL ON schema_migrations FROM chatflow_dashboard;

-- True when the current dashboard caller may see rows of this organisation.
CREATE FUNCTION chatflow_may_see(org uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('chatflow.super_admin', true), '') = 'on'
        OR org = ANY (coalesce(nullif(current_setting('chatflow.organization_ids', true), ''), '{}')::uuid[])
$$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON organizations TO chatflow_dashboard
    USING (chatflow_may_see(id)) WITH CHECK (chatflow_may_see(id));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ai_settings', 'organization_members', 'channels', 'conversations', 'messages',
                             'channel_knowledge', 'knowledge_chunks', 'usage_tracking']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_scope ON %I TO chatflow_dashboard '
            'USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id))', t);
    END LOOP;
END
$$;

-- Who took a conversation over, and when it was handed to a person (for first-response times).
ALTER TABLE conversations
    ADD COLUMN assigned_user_id text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
    ADD COLUMN handed_off_at timestamptz;
CREATE INDEX conversations_org_status_idx ON conversations (organization_id, status, last_message_at DESC);
