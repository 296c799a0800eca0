-- +goose Up
-- Store-wide markers (store.SettingGet/SettingPut): one value per key, e.g.
-- catalog.datetimes.canonical once every stored date-time is canonical, so
-- work that need only ever finish once is not repeated at every start.
-- updated_at is TimeLayout text as in 0001.
CREATE TABLE settings (
    key        TEXT NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
