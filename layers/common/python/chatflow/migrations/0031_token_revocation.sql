-- Signing out, and deactivation, end a user's access at once (issue #23, item 11): an access token
-- issued at or before this instant is refused, although Cognito would let it run to its expiry.
-- Read with the caller's row on every request, so the check costs no round trip of its own.
ALTER TABLE users ADD COLUMN tokens_revoked_at timestamptz;
