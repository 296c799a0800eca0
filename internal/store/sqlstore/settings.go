package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Store-wide markers (migration 0006_settings).

// SettingGet returns the value under p.Key or ErrNotFound.
func (r *reader) SettingGet(ctx context.Context, p *store.SettingGetParams) (string, error) {
	a := NewArgs(r.f)
	q := "SELECT value FROM settings WHERE key = " + a.Add(p.Key)
	var v string
	err := r.q.QueryRowContext(ctx, q, a.Vals...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", model.NotFoundf("setting %q not found", p.Key)
	}
	if err != nil {
		return "", r.wrap("get setting", err)
	}
	return v, nil
}

// SettingPut inserts or replaces the value under p.Key.
func (t *Tx) SettingPut(ctx context.Context, p *store.SettingPutParams) error {
	a := NewArgs(t.f)
	q := "INSERT INTO settings (key, value, updated_at) VALUES (" +
		a.Add(p.Key) + ", " + a.Add(p.Value) + ", " + a.Add(t.f.TimeValue(p.Time)) + ")" +
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
	_, err := t.q.ExecContext(ctx, q, a.Vals...)
	return t.wrap("put setting", err)
}
