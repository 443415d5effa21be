-- Labels and canned replies (issue #18, items 3 and 4), both per organisation.

-- Labels: coloured, named once per organisation whatever the case, put on conversations.
CREATE TABLE labels (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
    color            text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX labels_name_key ON labels (organization_id, lower(name));

CREATE TABLE conversation_labels (
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    label_id         uuid NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, label_id)
);
-- The inbox filtered by a label.
CREATE INDEX conversation_labels_label_idx ON conversation_labels (label_id, conversation_id);

-- Canned replies: a short code typed after "/", a title, an English and/or a Spanish text.
CREATE TABLE canned_replies (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    shortcut         text NOT NULL CHECK (shortcut ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    content_en       text CHECK (char_length(content_en) BETWEEN 1 AND 10000),
    content_es       text CHECK (char_length(content_es) BETWEEN 1 AND 10000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (content_en IS NOT NULL OR content_es IS NOT NULL)
);
CREATE UNIQUE INDEX canned_replies_shortcut_key ON canned_replies (organization_id, shortcut);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['labels', 'conversation_labels', 'canned_replies']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_scope ON %I TO chatflow_dashboard '
            'USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id))', t);
    END LOOP;
END
$$;
