-- +goose Up
-- Access control (issue 4, docs/access.md). Times are TimeLayout text as in
-- 0001; hashes are BLOBs; JSON documents are TEXT. Secrets are never stored,
-- only their SHA-256 (or, for passwords, argon2id) hashes.
CREATE TABLE credentials (
    client_id   TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
);

CREATE INDEX credentials_user ON credentials (user_id);

-- csrf_hash is NULL for access tokens; revoked_at is NULL while valid.
CREATE TABLE tokens (
    hash       BLOB NOT NULL PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    client_id  TEXT NOT NULL DEFAULT '',
    csrf_hash  BLOB,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE INDEX tokens_client ON tokens (client_id);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE passwords (
    user_id    TEXT NOT NULL PRIMARY KEY,
    hash       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE blueprint_permissions (
    blueprint  TEXT NOT NULL PRIMARY KEY,
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

-- AUTOINCREMENT: an id is never reused, so a client paging with a BeforeID
-- cursor never sees a new entry inside an old page.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    time        TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    blueprint   TEXT NOT NULL DEFAULT '',
    identifier  TEXT NOT NULL DEFAULT '',
    route       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    diff        TEXT
);

CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_entity ON audit_log (blueprint, identifier);
CREATE INDEX audit_log_identifier ON audit_log (identifier);
CREATE INDEX audit_log_actor ON audit_log (actor);
