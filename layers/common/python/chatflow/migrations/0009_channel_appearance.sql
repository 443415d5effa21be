-- A channel's widget: its language and its look, which the widget reads from the public config call
-- (GET /api/channels/{publicKey}/config) so that the snippet a business pastes stays one line.
-- default_language: what the widget speaks when the visitor, the page and the browser say nothing
-- it speaks; language_fixed: always that language (the snippet then carries data-lang).
-- business_name NULL: the organisation's name; welcome_en / welcome_es NULL: the widget's own greeting.
ALTER TABLE channels
    ADD COLUMN default_language text NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'es')),
    ADD COLUMN language_fixed boolean NOT NULL DEFAULT false,
    ADD COLUMN color text NOT NULL DEFAULT '#2f92ad' CHECK (color ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN position text NOT NULL DEFAULT 'right' CHECK (position IN ('right', 'left')),
    ADD COLUMN business_name text CHECK (length(btrim(business_name)) BETWEEN 1 AND 200),
    ADD COLUMN welcome_en text CHECK (length(btrim(welcome_en)) BETWEEN 1 AND 500),
    ADD COLUMN welcome_es text CHECK (length(btrim(welcome_es)) BETWEEN 1 AND 500);
