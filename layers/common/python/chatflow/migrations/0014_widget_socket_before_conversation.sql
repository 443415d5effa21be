-- A visitor's widget opens its socket when the panel opens, before its first message has made a
-- conversation, so that the first answer streams too. Such a socket belongs to a visitor on a
-- channel; the conversation that visitor starts there is written onto it as it is created, before
-- its answer (chatflow.realtime.connections.BIND_WIDGET_CONNECTIONS_SQL), and a later one replaces it.
ALTER TABLE ws_connections ADD COLUMN channel_id uuid REFERENCES channels (id) ON DELETE CASCADE;
UPDATE ws_connections w SET channel_id = c.channel_id FROM conversations c WHERE c.id = w.conversation_id;
ALTER TABLE ws_connections DROP CONSTRAINT IF EXISTS ws_connections_check;
ALTER TABLE ws_connections ADD CONSTRAINT ws_connections_kind_fields CHECK (
    (kind = 'dashboard' AND user_id IS NOT NULL)
    OR (kind = 'widget' AND visitor_id IS NOT NULL AND channel_id IS NOT NULL)
);
CREATE INDEX ws_connections_visitor_idx ON ws_connections (channel_id, visitor_id) WHERE kind = 'widget';
