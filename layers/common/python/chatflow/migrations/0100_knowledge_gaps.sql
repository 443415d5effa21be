-- What the AI could not answer (issue #17, item 5): each visitor question that retrieval found no good
-- passage for, or that the AI handed to a person because it could not answer (handoff reason
-- cannot_answer), joins the organisation's nearest gap of similar questions (by the question's
-- embedding, one model's vectors compared only with that model's) or starts a new one.
--
-- A gap keeps no visitor text of its own: its questions are the visitor messages themselves
-- (knowledge_gap_questions), so that a visitor's erasure (the messages' content redacted) or a
-- message's deletion takes their words out of the list too.
CREATE TABLE knowledge_gaps (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The first question's embedding: the group's centre that later questions are compared with.
    embedding        vector(1536) NOT NULL,
    embedding_model  text NOT NULL,
    -- open: on the list; answered: an admin added an entry for it (knowledge_id), reopened when the
    -- question is asked again and still not answered; dismissed: not worth an entry (stays so).
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'dismissed')),
    knowledge_id     uuid REFERENCES channel_knowledge (id) ON DELETE SET NULL,
    first_asked_at   timestamptz NOT NULL,
    last_asked_at    timestamptz NOT NULL,
    resolved_at      timestamptz,
    resolved_by      text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX knowledge_gaps_org_idx ON knowledge_gaps (organization_id, status, last_asked_at DESC);

-- One row per visitor message: an event delivered twice records its question once.
CREATE TABLE knowledge_gap_questions (
    message_id       uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    gap_id           uuid NOT NULL REFERENCES knowledge_gaps (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    language         text CHECK (language IN ('en', 'es')),
    reason           text NOT NULL CHECK (reason IN ('no_passage', 'cannot_answer')),
    asked_at         timestamptz NOT NULL
);
CREATE INDEX knowledge_gap_questions_gap_idx ON knowledge_gap_questions (gap_id, asked_at DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['knowledge_gaps', 'knowledge_gap_questions']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_scope ON %I TO chatflow_dashboard '
            'USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id))', t);
    END LOOP;
END
$$;
