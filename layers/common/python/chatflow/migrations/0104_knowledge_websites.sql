-- Websites as knowledge sources (issue #17, item 3): a start URL or a sitemap, crawled in the ingest
-- worker (same-site links, robots.txt respected, up to the plan's page cap), each page a knowledge
-- entry (source 'page') that remembers its site, synced again weekly and on demand.
CREATE TABLE knowledge_websites (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    channel_id         uuid REFERENCES channels (id) ON DELETE CASCADE,
    start_url          text NOT NULL,
    -- 'sitemap': the pages the sitemap lists; 'links': the start page and the same-site links it leads to.
    mode               text NOT NULL CHECK (mode IN ('links', 'sitemap')),
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'syncing', 'ready', 'failed')),
    error_reason       text,
    error_values       jsonb NOT NULL DEFAULT '{}',
    -- The robots.txt read when the sync started, parsed again by each page's fetch (never shown).
    robots_txt         text,
    -- Bumped by each sync; a page carries the sync that last found it.
    sync_generation    integer NOT NULL DEFAULT 0,
    -- The plan's page cap stopped this sync from adding pages it found.
    page_cap_reached   boolean NOT NULL DEFAULT false,
    last_synced_at     timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_websites_org_idx ON knowledge_websites (organization_id, created_at DESC);
CREATE INDEX knowledge_websites_due_idx ON knowledge_websites (last_synced_at NULLS FIRST);

ALTER TABLE channel_knowledge
    ADD COLUMN website_id      uuid REFERENCES knowledge_websites (id) ON DELETE CASCADE,
    ADD COLUMN sync_generation integer;
ALTER TABLE channel_knowledge DROP CONSTRAINT channel_knowledge_source_check;
ALTER TABLE channel_knowledge ADD CONSTRAINT channel_knowledge_source_check
    CHECK (source IN ('text', 'file', 'url', 'page'));
ALTER TABLE channel_knowledge ADD CONSTRAINT channel_knowledge_page_of_website
    CHECK ((source = 'page') = (website_id IS NOT NULL));
-- One entry per page of a site; the page cap counts an organisation's pages.
CREATE UNIQUE INDEX channel_knowledge_website_page_idx ON channel_knowledge (website_id, source_url)
    WHERE website_id IS NOT NULL;
CREATE INDEX channel_knowledge_org_pages_idx ON channel_knowledge (organization_id) WHERE website_id IS NOT NULL;

ALTER TABLE knowledge_websites ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON knowledge_websites TO chatflow_dashboard
    USING (chatflow_may_see(organization_id)) WITH CHECK (chatflow_may_see(organization_id));
