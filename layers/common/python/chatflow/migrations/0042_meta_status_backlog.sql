-- Meta's statuses (sent, delivered, read, failed) that arrive before we have recorded the provider's
-- id of the message they name (Meta may post a status before its send call has answered us): kept
-- here and applied when the send is recorded (chatflow.meta.outbound), then deleted.

CREATE TABLE meta_status_backlog (
    channel_id          uuid        NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    provider_message_id text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
    error_code          integer,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, provider_message_id, status)
);
