-- +goose Up
-- Store-wide markers (store.SettingGet/SettingPut): one value per key, e.g.
-- catalog.datetimes.canonical once every stored date-time is canonical, so
-- work that need only ever finish once is not repeated at every start.
CREATE TABLE settings (
    key        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
