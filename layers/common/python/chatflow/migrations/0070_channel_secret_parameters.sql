-- A channel names the query parameters of its site's URLs that carry secrets (issue #23, item 15):
-- beyond the platform's own list (chatflow.page_urls), the page URL a conversation keeps drops them.
-- Stored lower-cased; names are matched without regard to case.
ALTER TABLE channels
    ADD COLUMN secret_query_parameters text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT channels_secret_query_parameters_bounded CHECK (cardinality(secret_query_parameters) <= 50);
