-- +goose Up
-- Catalog diffs (GET /v1/catalog/diff) find the entities changed between two
-- instants by the start of their versions.
CREATE INDEX entity_versions_valid_from ON entity_versions (valid_from);

