-- The audit log of operators' actions (issue #23, the data lifecycle): who did what, in which
-- organisation, when. Append-only, enforced here and not only by the code: no role the application
-- connects as (the owner included) may change or delete an entry, nor empty the table; only dropping
-- the table, which a migration would have to do in the open, removes it.

CREATE TABLE audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  uuid,  -- no foreign key either: an entry outlives its organisation
    actor_user_id    text,  -- no foreign key: an entry outlives its actor
    actor_email      text,
    action           text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target           text,
    details          jsonb NOT NULL DEFAULT '{}',
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_at_idx ON audit_log (organization_id, at DESC, id DESC);

CREATE FUNCTION chatflow_audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION chatflow_audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION chatflow_audit_log_is_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM chatflow_dashboard;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
-- Admins read their organisations' entries (super admins every one, sign-ins included); anyone in a
-- dashboard transaction may add an entry of an organisation it may see, or of none.
CREATE POLICY audit_read ON audit_log FOR SELECT TO chatflow_dashboard USING (chatflow_may_see(organization_id));
CREATE POLICY audit_append ON audit_log FOR INSERT TO chatflow_dashboard
    WITH CHECK (organization_id IS NULL OR chatflow_may_see(organization_id));

-- Accepting an invitation is recorded by the function that accepts it: the invitee is not yet in the
-- organisation's scope, so it could not add the entry itself.
CREATE OR REPLACE FUNCTION chatflow_accept_invitation(p_token_hash bytea, p_user_id text)
RETURNS TABLE (organization_id uuid, role text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    inv member_invitations%ROWTYPE;
    accepting_email text;
BEGIN
    SELECT i.* INTO inv
    FROM member_invitations i JOIN users u ON lower(u.email) = lower(i.email)
    WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.expires_at > now() AND u.id = p_user_id
    FOR UPDATE OF i;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT email INTO accepting_email FROM users WHERE id = p_user_id;
    UPDATE member_invitations SET accepted_at = now() WHERE id = inv.id;
    INSERT INTO organization_members (organization_id, user_id, role)
    VALUES (inv.organization_id, p_user_id, inv.role)
    ON CONFLICT ON CONSTRAINT organization_members_pkey DO NOTHING;
    INSERT INTO audit_log (organization_id, actor_user_id, actor_email, action, target, details)
    VALUES (inv.organization_id, p_user_id, accepting_email, 'invitation.accepted', inv.email,
            jsonb_build_object('role', inv.role));
    RETURN QUERY SELECT inv.organization_id, inv.role;
END
$$;
