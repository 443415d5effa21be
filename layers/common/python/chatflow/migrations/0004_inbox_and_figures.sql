-- Reads of the inbox and of the dashboard's figures. Indexes only.

-- The figures count conversations by the day they started, per organisation.
CREATE INDEX conversations_org_created_idx ON conversations (organization_id, created_at DESC);

-- The daily series counts messages by day, per organisation (messages had no organisation index).
CREATE INDEX messages_org_created_idx ON messages (organization_id, created_at);

-- "Waiting for a person": few rows, read on every inbox and figures load.
CREATE INDEX conversations_waiting_idx ON conversations (organization_id, last_message_at DESC)
    WHERE status = 'pending' AND responder_mode = 'human';
