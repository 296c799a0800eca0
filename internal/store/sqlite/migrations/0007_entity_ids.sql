-- +goose Up
-- Entities get an integer id and edges hold ids instead of keys (issue 2's
-- ingest budget, DESIGN §4). An edge was two entity keys (five strings) in
-- three B-trees; it is now (from_id, relation, to_id) in two, and graph
-- walks join integers. bench/ingest measured the floor at ~9k entities/s
-- with string edges and ~17k/s with integer ones (bench/RESULTS.md).
--
-- id is an INTEGER PRIMARY KEY (an alias of the rowid) so VACUUM keeps it:
-- edges and the full-text index both refer to it. Existing rows keep their
-- rowid as their id, so entities_fts stays valid.
--
-- The full-text triggers go: the store now writes entities_fts itself, once
-- per transaction, as its last statement (sqlstore.Tx.Commit). FTS5 flushed
-- its pending terms at every statement of a write transaction after the
-- first indexed row, which cost ~45% of bulk ingest.
DROP TRIGGER entities_fts_insert;
DROP TRIGGER entities_fts_update;
DROP TRIGGER entities_fts_delete;

CREATE TABLE entities_new (
    id         INTEGER PRIMARY KEY,
    blueprint  TEXT NOT NULL,
    identifier TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    icon       TEXT NOT NULL DEFAULT '',
    team       TEXT NOT NULL DEFAULT '[]',
    properties TEXT NOT NULL DEFAULT '{}',
    relations  TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    UNIQUE (blueprint, identifier)
);
INSERT INTO entities_new (id, blueprint, identifier, title, icon, team, properties, relations, created_at, created_by, updated_at, updated_by)
SELECT rowid, blueprint, identifier, title, icon, team, properties, relations, created_at, created_by, updated_at, updated_by FROM entities;

-- An edge whose source or target no longer exists is dropped: no query
-- could reach it through an entity anyway.
CREATE TABLE edges_new (
    from_id  INTEGER NOT NULL,
    relation TEXT NOT NULL,
    to_id    INTEGER NOT NULL,
    PRIMARY KEY (from_id, relation, to_id)
) WITHOUT ROWID;
INSERT INTO edges_new (from_id, relation, to_id)
SELECT f.id, ed.relation, t.id FROM edges ed
JOIN entities_new f ON f.blueprint = ed.from_blueprint AND f.identifier = ed.from_identifier
JOIN entities_new t ON t.blueprint = ed.to_blueprint AND t.identifier = ed.to_identifier;

DROP TABLE edges;
DROP TABLE entities;
ALTER TABLE entities_new RENAME TO entities;
ALTER TABLE edges_new RENAME TO edges;

-- Incoming edges of an entity, per relation. matchAny steps start from
-- targets too: their ids come from entities' key, then this index.
CREATE INDEX edges_to ON edges (to_id, relation, from_id);
