-- Typing both ways and read receipts (issue #18, item 6).

-- When each side last read the conversation: the visitor sees "seen" under their message once an
-- agent opened it; the agent sees when the visitor read their last message.
ALTER TABLE conversations
    ADD COLUMN agent_read_at timestamptz,
    ADD COLUMN visitor_read_at timestamptz;

-- When each side's last typing frame went out: at most one every 2 s per side, whatever the clients
-- send. Unlogged: losing it in a crash only lets one extra frame through.
CREATE UNLOGGED TABLE typing_frames (
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    side             text NOT NULL CHECK (side IN ('agent', 'visitor')),
    sent_at          timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, side)
);
-- Written by the realtime function only (no dashboard connection reads it).
ALTER TABLE typing_frames ENABLE ROW LEVEL SECURITY;
