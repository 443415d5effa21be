-- The conversation a webhook delivery is about, as its body names it: erasing a visitor and the
-- retention job delete the deliveries about the conversations they remove (their bodies copy the
-- messages and the visitor's identity), found through this index instead of a scan of every body.
CREATE INDEX webhook_deliveries_conversation_idx
    ON webhook_deliveries ((body::jsonb #>> '{data,conversation,id}'));
