-- Invitations into an organisation (issue #23, item 2). An invited email joins only once its account
-- accepts the emailed link; until then the invitation is pending and its organisation's admins see it.
-- Only a hash of the link's token is kept.

CREATE TABLE member_invitations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    role             text NOT NULL CHECK (role IN ('admin', 'agent')),
    token_hash       bytea NOT NULL UNIQUE,
    invited_by       text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz
);
-- One pending invitation per organisation and email: inviting again renews it.
CREATE UNIQUE INDEX member_invitations_pending_idx ON member_invitations (organization_id, lower(email))
    WHERE accepted_at IS NULL;

ALTER TABLE member_invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON member_invitations TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));

-- The invitee is not yet a member, so row-level security would hide the invitation from it and refuse
-- its membership: accepting is this one function, which checks the token, the expiry and that the
-- accepting account's email is the invited one, and nothing else.
CREATE FUNCTION chatflow_accept_invitation(p_token_hash bytea, p_user_id text)
RETURNS TABLE (organization_id uuid, role text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    inv member_invitations%ROWTYPE;
BEGIN
    SELECT i.* INTO inv
    FROM member_invitations i JOIN users u ON lower(u.email) = lower(i.email)
    WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.expires_at > now() AND u.id = p_user_id
    FOR UPDATE OF i;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE member_invitations SET accepted_at = now() WHERE id = inv.id;
    INSERT INTO organization_members (organization_id, user_id, role)
    VALUES (inv.organization_id, p_user_id, inv.role)
    ON CONFLICT ON CONSTRAINT organization_members_pkey DO NOTHING;
    RETURN QUERY SELECT inv.organization_id, inv.role;
END
$$;
REVOKE ALL ON FUNCTION chatflow_accept_invitation(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chatflow_accept_invitation(bytea, text) TO chatflow_dashboard;
