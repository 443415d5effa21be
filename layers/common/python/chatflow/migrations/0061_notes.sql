-- Private notes (issue #18, item 2): what operators write to each other about a conversation. A table
-- of their own, not messages with a flag: every path that sends messages to a visitor (the widget's
-- history and socket, WhatsApp and Messenger, webhooks) reads `messages`, and so can never carry a note.
CREATE TABLE conversation_notes (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id     uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    organization_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    author_user_id      text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
    content             text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 10000),
    mentioned_user_ids  text[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_notes_conversation_idx ON conversation_notes (conversation_id, created_at);

-- A member's mentions, unread until they open them: the dashboard's bell.
CREATE TABLE note_mentions (
    note_id          uuid NOT NULL REFERENCES conversation_notes (id) ON DELETE CASCADE,
    user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    read_at          timestamptz,
    PRIMARY KEY (note_id, user_id)
);
CREATE INDEX note_mentions_unread_idx ON note_mentions (user_id, created_at DESC) WHERE read_at IS NULL;

ALTER TABLE conversation_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON conversation_notes TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
ALTER TABLE note_mentions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON note_mentions TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
