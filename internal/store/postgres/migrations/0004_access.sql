-- +goose Up
-- Access control (issue 4, docs/access.md). Keys that are listed in order use
-- COLLATE "C" (byte order, as on SQLite); hashes are BYTEA; documents are
-- json, kept exactly as written. Secrets are never stored, only their SHA-256
-- (or, for passwords, argon2id) hashes.
CREATE TABLE credentials (
    client_id   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    user_id     TEXT COLLATE "C" NOT NULL,
    secret_hash BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX credentials_user ON credentials (user_id);

-- csrf_hash is NULL for access tokens; revoked_at is NULL while valid.
CREATE TABLE tokens (
    hash       BYTEA NOT NULL PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    csrf_hash  BYTEA,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE INDEX tokens_client ON tokens (client_id);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE passwords (
    user_id    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    hash       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE blueprint_permissions (
    blueprint  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    doc        JSON NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

-- id comes from an identity sequence: never reused, so BeforeID cursors stay
-- valid across retention sweeps.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time        TIMESTAMPTZ NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    blueprint   TEXT COLLATE "C" NOT NULL DEFAULT '',
    identifier  TEXT COLLATE "C" NOT NULL DEFAULT '',
    route       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    diff        JSON
);

CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_entity ON audit_log (blueprint, identifier);
CREATE INDEX audit_log_identifier ON audit_log (identifier);
CREATE INDEX audit_log_actor ON audit_log (actor);
