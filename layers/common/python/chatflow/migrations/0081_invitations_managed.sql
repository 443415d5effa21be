-- Invitations an admin can follow: whether an account ever signed in (an invited account that never did
-- is "invited", not "active"), and when an invitation was last sent (resent with a new link and, for an
-- account that never signed in, a new temporary password).
ALTER TABLE users ADD COLUMN signed_in_at timestamptz;
-- Before this column, a sign-in was only in the audit log (from 0033 on); an older account counts as signed in.
UPDATE users u SET signed_in_at = coalesce(
    (SELECT min(a.at) FROM audit_log a WHERE a.action = 'auth.signed_in' AND a.actor_user_id = u.id),
    CASE WHEN NOT EXISTS (SELECT FROM member_invitations i WHERE lower(i.email) = lower(u.email)) THEN u.created_at END
);

ALTER TABLE member_invitations ADD COLUMN sent_at timestamptz;
UPDATE member_invitations SET sent_at = created_at;
ALTER TABLE member_invitations ALTER COLUMN sent_at SET NOT NULL, ALTER COLUMN sent_at SET DEFAULT now();
