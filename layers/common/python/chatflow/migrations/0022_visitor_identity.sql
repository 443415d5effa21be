-- Verified visitor identity (chatflow.visitor_identity): a business signs its logged-in users with
-- the channel's identity secret (HS256 JWT); the widget passes the token, and the visitor is then
-- that user on every device. The secret is stored AES-256-GCM encrypted (it must be read to verify).
ALTER TABLE channels
    ADD COLUMN encrypted_identity_secret text,
    ADD COLUMN identity_secret_rotated_at timestamptz,
    -- Anonymous visitors are refused (401 identity_required) when set; needs a secret.
    ADD COLUMN identity_required boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT channels_identity_required_needs_secret
        CHECK (NOT identity_required OR encrypted_identity_secret IS NOT NULL);
