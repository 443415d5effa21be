-- Domain events (chatflow.outbox), written in the same transaction as the change they report and
-- delivered after the commit by functions/dispatch to the listeners of chatflow.listeners.
CREATE TABLE outbox (
    id              uuid        PRIMARY KEY,
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    type            text        NOT NULL,
    version         smallint    NOT NULL,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- No foreign key: an event is history, and outlives nothing but its organisation.
    conversation_id uuid,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Every listener of the event has run it, or given up on it.
    dispatched_at   timestamptz
);
-- The sweep's question: what is still undelivered, oldest first.
CREATE INDEX outbox_undispatched_idx ON outbox (created_at) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_dispatched_idx ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL;

-- One row per event and listener: what makes each listener run each event once in effect, however
-- often the event is signalled. A run is leased while it runs, so that a second delivery of the
-- same SQS message skips it, and a dispatcher that died mid-run is replaced once the lease ends.
CREATE TABLE listener_runs (
    event_id        uuid        NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    listener        text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    leased_until    timestamptz,
    -- When its last attempt started (how long an event waited for its listener, and how long it ran).
    started_at      timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    failed_at       timestamptz,
    last_error      text,
    PRIMARY KEY (event_id, listener)
);
-- Where an operator looks for what was given up.
CREATE INDEX listener_runs_failed_idx ON listener_runs (failed_at) WHERE failed_at IS NOT NULL;

-- Dashboard actions write their events under row-level security, like the rows they change.
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON outbox TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
