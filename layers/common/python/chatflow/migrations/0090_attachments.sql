-- Attachments (chatflow.attachments): files a visitor or an agent uploads straight to S3 with a presigned POST.
-- A row is 'pending' from the moment an upload is granted until its bytes are checked; then 'ready' and
-- tied to the message that shows it. A refused upload's row and object are deleted.
CREATE TABLE attachments (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id       uuid UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    uploaded_by      text NOT NULL CHECK (uploaded_by IN ('visitor', 'agent', 'channel')),
    author_user_id   text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    -- What the uploader said, then what the bytes are (set when checked).
    declared_type    text NOT NULL,
    declared_size    bigint NOT NULL CHECK (declared_size > 0),
    content_type     text,
    -- Bytes of the file as stored (re-encoded for images).
    size             bigint,
    -- Bytes kept in storage: the (re-encoded) file plus its thumbnail. What the month's storage counts.
    stored_bytes     bigint NOT NULL DEFAULT 0,
    object_key       text NOT NULL UNIQUE,
    thumbnail_key    text,
    width            integer,
    height           integer,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    ready_at         timestamptz
);
-- The month's storage of an organisation (its plan's limit) is a sum over this index.
CREATE INDEX attachments_organization_created_idx ON attachments (organization_id, created_at);
CREATE INDEX attachments_conversation_idx ON attachments (conversation_id);

-- The AI may look at images the visitor sent, where its provider can: off unless an organisation turns it on.
ALTER TABLE ai_settings ADD COLUMN image_input boolean NOT NULL DEFAULT false;

-- The dashboard's second wall, as for every table of an organisation's (0002).
ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON attachments TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
