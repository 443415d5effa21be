-- Assignment (issue #18, item 1): who of an organisation is available for new conversations, and
-- whether the organisation hands new handoffs out by itself, round-robin, to those who are.

-- Away members get no conversation by auto-assignment; everyone starts available.
-- last_assigned_at: the round-robin's memory, the member longest without an auto-assigned one goes next.
ALTER TABLE organization_members
    ADD COLUMN available boolean NOT NULL DEFAULT true,
    ADD COLUMN last_assigned_at timestamptz;

CREATE TABLE inbox_settings (
    organization_id  uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    auto_assign      boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE inbox_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON inbox_settings TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));

-- "Mine" and the counts of the views: an assignee's open conversations.
CREATE INDEX conversations_assignee_idx ON conversations (assigned_user_id, last_message_at DESC)
    WHERE status <> 'closed';
