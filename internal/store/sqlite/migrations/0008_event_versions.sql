-- +goose Up
-- An entity event names the version it made instead of repeating its
-- documents (issue 2's ingest budget): before is version - 1's document,
-- after version's, read by EventList through entity_versions' key. The
-- version already holds the after document, so repeating it and the before
-- document in the outbox doubled the bytes every entity write appends.
-- Rows written before this migration keep their documents and a NULL
-- version; blueprint events always carry their documents.
ALTER TABLE events ADD COLUMN version INTEGER;
