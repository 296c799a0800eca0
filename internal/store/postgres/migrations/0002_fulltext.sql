-- +goose Up
-- Full-text index of entities (issue 3 §5, DESIGN §9): a stored generated
-- tsvector of identifier (weight A), title (B) and every string value in
-- properties (D), with the 'simple' configuration so identifiers and names
-- are lower-cased but never stemmed. Generated, so it is always current in
-- the writing statement; adding it rewrites the table, which indexes the
-- rows already present.
ALTER TABLE entities ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, identifier), 'A') ||
    setweight(to_tsvector('simple'::regconfig, title), 'B') ||
    setweight(jsonb_to_tsvector('simple'::regconfig, properties, '["string"]'), 'D')
) STORED;

CREATE INDEX entities_search ON entities USING GIN (search);
