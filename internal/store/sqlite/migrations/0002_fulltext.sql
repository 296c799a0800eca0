-- +goose Up
-- Full-text index of entities (issue 3 §5, DESIGN §9): identifier, title and
-- every string value in properties (json_tree: nested objects and arrays
-- too), one FTS5 row per entity keyed by the entity's rowid. It keeps its own
-- copy of the text, which snippet() needs. Triggers maintain it in the
-- writing statement, so it commits or rolls back with the entity.
--
-- The rowid link assumes entities' rowids never change: Atrium never runs
-- VACUUM (which may renumber a table without an INTEGER PRIMARY KEY); if an
-- operator does, DELETE FROM entities_fts and re-run the INSERT below.
CREATE VIRTUAL TABLE entities_fts USING fts5(identifier, title, body, tokenize = 'unicode61 remove_diacritics 2');

-- Existing databases: index what is already there.
INSERT INTO entities_fts (rowid, identifier, title, body)
SELECT rowid, identifier, title,
       (SELECT COALESCE(group_concat(value, ' '), '') FROM json_tree(entities.properties) WHERE type = 'text')
FROM entities;

-- +goose StatementBegin
CREATE TRIGGER entities_fts_insert AFTER INSERT ON entities BEGIN
    INSERT INTO entities_fts (rowid, identifier, title, body)
    VALUES (new.rowid, new.identifier, new.title,
            (SELECT COALESCE(group_concat(value, ' '), '') FROM json_tree(new.properties) WHERE type = 'text'));
END;
-- +goose StatementEnd

-- An upsert that changes none of the indexed columns (a relation or team
-- change) leaves the index alone.
-- +goose StatementBegin
CREATE TRIGGER entities_fts_update AFTER UPDATE ON entities
WHEN old.identifier IS NOT new.identifier OR old.title IS NOT new.title OR old.properties IS NOT new.properties
BEGIN
    DELETE FROM entities_fts WHERE rowid = old.rowid;
    INSERT INTO entities_fts (rowid, identifier, title, body)
    VALUES (new.rowid, new.identifier, new.title,
            (SELECT COALESCE(group_concat(value, ' '), '') FROM json_tree(new.properties) WHERE type = 'text'));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER entities_fts_delete AFTER DELETE ON entities BEGIN
    DELETE FROM entities_fts WHERE rowid = old.rowid;
END;
-- +goose StatementEnd
