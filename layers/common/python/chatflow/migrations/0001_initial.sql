-- The data model of docs/architecture.md ("Data model"). Later migrations add columns and tables.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    plan        text NOT NULL DEFAULT 'starter' CHECK (plan IN ('starter', 'pro', 'growth')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Technical parameters (provider .. api key) are a super admin's; system_prompt and
-- handoff_keywords are the organisation's business defaults that channels may override.
CREATE TABLE ai_settings (
    organization_id   uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    provider          text NOT NULL DEFAULT 'openai' CHECK (provider IN ('openai')),
    model             text NOT NULL DEFAULT 'gpt-4o-mini',
    temperature       numeric(3, 2) NOT NULL DEFAULT 0.70 CHECK (temperature BETWEEN 0 AND 2),
    max_tokens        integer NOT NULL DEFAULT 500 CHECK (max_tokens BETWEEN 1 AND 16384),
    system_prompt     text NOT NULL DEFAULT '',
    handoff_keywords  text[] NOT NULL,
    encrypted_api_key text,
    api_key_hint      text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- id is the Cognito `sub`. References to users cascade on update so that a local stack whose
-- Cognito (moto) hands out a new sub can relink the row found by email.
CREATE TABLE users (
    id                  text PRIMARY KEY,
    email               text NOT NULL,
    name                text NOT NULL DEFAULT '',
    is_super_admin      boolean NOT NULL DEFAULT false,
    preferred_language  text NOT NULL DEFAULT 'en' CHECK (preferred_language IN ('en', 'es')),
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE organization_members (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
    role             text NOT NULL CHECK (role IN ('admin', 'agent')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

-- NULL in an override column means "inherit from the organisation".
CREATE TABLE channels (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    type              text NOT NULL DEFAULT 'website' CHECK (type IN ('website', 'whatsapp', 'messenger')),
    public_key        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    system_prompt     text,
    handoff_enabled   boolean NOT NULL DEFAULT true,
    handoff_keywords  text[],
    allowed_origins   text[] NOT NULL DEFAULT '{}',
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_organization_idx ON channels (organization_id);

CREATE TABLE conversations (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id                uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    organization_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    visitor_id                uuid NOT NULL,
    status                    text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'closed')),
    responder_mode            text NOT NULL DEFAULT 'ai' CHECK (responder_mode IN ('ai', 'human')),
    language                  text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es')),
    page_url                  text,
    visitor_metadata          jsonb NOT NULL DEFAULT '{}',
    -- The clientMessageId of the message that opened it: a retried first POST finds this
    -- conversation instead of opening (and billing) a second one.
    opening_client_message_id uuid,
    created_at                timestamptz NOT NULL DEFAULT now(),
    last_message_at           timestamptz NOT NULL DEFAULT now(),
    closed_at                 timestamptz,
    CONSTRAINT conversations_opening_message_key UNIQUE (channel_id, visitor_id, opening_client_message_id)
);
CREATE INDEX conversations_org_activity_idx ON conversations (organization_id, last_message_at DESC);
CREATE INDEX conversations_visitor_idx ON conversations (channel_id, visitor_id);
CREATE INDEX conversations_stale_idx ON conversations (last_message_at) WHERE status <> 'closed';

CREATE TABLE messages (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id    uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    organization_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Orders messages; uuids do not, and two messages may share a created_at.
    seq                bigint GENERATED ALWAYS AS IDENTITY,
    role               text NOT NULL CHECK (role IN ('visitor', 'ai', 'agent', 'system')),
    content            text NOT NULL,
    tokens_used        integer NOT NULL DEFAULT 0,
    model              text,
    client_message_id  uuid,
    -- For an ai or system message: the visitor message it answers.
    reply_to           uuid REFERENCES messages (id) ON DELETE SET NULL,
    author_user_id     text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_client_message_key UNIQUE (conversation_id, client_message_id)
);
CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);
-- One answer per visitor message, however many times a retried request races to write it.
CREATE UNIQUE INDEX messages_one_reply_idx ON messages (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX messages_client_message_idx ON messages (client_message_id) WHERE client_message_id IS NOT NULL;

-- channel_id NULL: organisation-wide knowledge that serves all its channels.
CREATE TABLE channel_knowledge (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    channel_id       uuid REFERENCES channels (id) ON DELETE CASCADE,
    title            text NOT NULL,
    content          text NOT NULL,
    source           text NOT NULL DEFAULT 'text',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_knowledge_scope_idx ON channel_knowledge (organization_id, channel_id);

CREATE TABLE knowledge_chunks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    knowledge_id     uuid NOT NULL REFERENCES channel_knowledge (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    channel_id       uuid REFERENCES channels (id) ON DELETE CASCADE,
    chunk_index      integer NOT NULL,
    content          text NOT NULL,
    embedding        vector(1536) NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (knowledge_id, chunk_index)
);
CREATE INDEX knowledge_chunks_embedding_idx ON knowledge_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX knowledge_chunks_scope_idx ON knowledge_chunks (organization_id, channel_id);

CREATE TABLE usage_tracking (
    organization_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    month                   date NOT NULL CHECK (extract(day FROM month) = 1),
    conversations           integer NOT NULL DEFAULT 0,
    messages                integer NOT NULL DEFAULT 0,
    ai_messages             integer NOT NULL DEFAULT 0,
    tokens                  bigint NOT NULL DEFAULT 0,
    over_limit_notified_at  timestamptz,
    PRIMARY KEY (organization_id, month)
);

CREATE TABLE platform_settings (
    key         text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ws_connections (
    connection_id    text PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('dashboard', 'widget')),
    user_id          text REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
    visitor_id       uuid,
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id  uuid REFERENCES conversations (id) ON DELETE CASCADE,
    connected_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'dashboard' AND user_id IS NOT NULL)
        OR (kind = 'widget' AND visitor_id IS NOT NULL AND conversation_id IS NOT NULL))
);
CREATE INDEX ws_connections_org_idx ON ws_connections (organization_id);
CREATE INDEX ws_connections_conversation_idx ON ws_connections (conversation_id);
