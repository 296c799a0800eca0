-- +goose Up
-- The full-text index moves to its own database file, written by its own
-- connection off the single writer's path (issue 2's ingest budget;
-- textproject.go). That file is built from the entities at the first start
-- that lacks it, so the index here goes.
DROP TABLE entities_fts;
