-- +goose Up
-- Identifiers use COLLATE "C" so ordering is byte order, as on SQLite.
-- Entity JSON is JSONB (queryable); blueprint documents and event payloads
-- are json, which keeps their text exactly as written. See DESIGN §4.
CREATE TABLE blueprints (
    identifier TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    doc        JSON NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE entities (
    blueprint  TEXT COLLATE "C" NOT NULL,
    identifier TEXT COLLATE "C" NOT NULL,
    title      TEXT COLLATE "C" NOT NULL DEFAULT '',
    icon       TEXT NOT NULL DEFAULT '',
    team       JSONB NOT NULL DEFAULT '[]',
    properties JSONB NOT NULL DEFAULT '{}',
    relations  JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (blueprint, identifier)
);

CREATE TABLE edges (
    from_blueprint  TEXT COLLATE "C" NOT NULL,
    from_identifier TEXT COLLATE "C" NOT NULL,
    relation        TEXT COLLATE "C" NOT NULL,
    to_blueprint    TEXT COLLATE "C" NOT NULL,
    to_identifier   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (from_blueprint, from_identifier, relation, to_blueprint, to_identifier)
);

CREATE INDEX edges_to ON edges (to_blueprint, to_identifier, relation, from_blueprint, from_identifier);

CREATE TABLE entity_versions (
    blueprint  TEXT COLLATE "C" NOT NULL,
    identifier TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    entity     JSONB,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ,
    actor      TEXT NOT NULL DEFAULT '',
    origin     TEXT NOT NULL DEFAULT '',
    run_id     TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (blueprint, identifier, version)
);

-- seq comes from an identity sequence; writers take the outbox advisory lock
-- before inserting, so seq order is commit order.
CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type       TEXT NOT NULL,
    blueprint  TEXT COLLATE "C" NOT NULL,
    entity     TEXT COLLATE "C" NOT NULL DEFAULT '',
    before_doc JSON,
    after_doc  JSON,
    actor      TEXT NOT NULL DEFAULT '',
    origin     TEXT NOT NULL DEFAULT '',
    run_id     TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL
);

CREATE INDEX events_blueprint ON events (blueprint, seq);
