package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// versionCols are the entity_versions columns scanVersion reads.
const versionCols = "blueprint, identifier, version, entity, valid_from, valid_to, actor, origin, run_id"

// scanVersion scans one row of versionCols.
func scanVersion(row interface{ Scan(...any) error }) (*model.EntityVersion, error) {
	var v model.EntityVersion
	var doc []byte
	if err := row.Scan(&v.Blueprint, &v.Identifier, &v.Version, &doc, timeScan{&v.ValidFrom}, nullTimeScan{&v.ValidTo},
		&v.Actor, &v.Origin, &v.RunID); err != nil {
		return nil, err
	}
	if doc == nil {
		v.Deleted = true
		return &v, nil
	}
	var e model.Entity
	if err := json.Unmarshal(doc, &e); err != nil {
		return nil, fmt.Errorf("decode version %d of entity %q: %w", v.Version, v.Identifier, err)
	}
	normaliseEntity(&e)
	v.Entity = &e
	return &v, nil
}

// EntityVersionAt returns the version of an entity valid at p.At (possibly a
// deletion), or ErrNotFound when it had none yet.
func (r *reader) EntityVersionAt(ctx context.Context, p *store.EntityVersionAtParams) (*model.EntityVersion, error) {
	a := NewArgs(r.f)
	at := r.f.TimeValue(p.At)
	q := "SELECT " + versionCols + " FROM entity_versions WHERE blueprint = " + a.Add(p.Blueprint) +
		" AND identifier = " + a.Add(p.Identifier) + " AND valid_from <= " + a.Add(at) +
		" AND (valid_to IS NULL OR valid_to > " + a.Add(at) + ") ORDER BY version DESC LIMIT 1"
	v, err := scanVersion(r.q.QueryRowContext(ctx, q, a.Vals...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("entity %q of blueprint %q had no version at %s", p.Identifier, p.Blueprint, p.At.UTC().Format(time.RFC3339Nano))
	}
	if err != nil {
		return nil, r.wrap("version at", err)
	}
	return v, nil
}

// EntityVersionChanges returns the keys of entities with a version starting
// in (p.From, p.To], in key order after p.After.
func (r *reader) EntityVersionChanges(ctx context.Context, p *store.EntityVersionChangesParams) ([]model.EntityKey, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	a := NewArgs(r.f)
	q := "SELECT DISTINCT blueprint, identifier FROM entity_versions WHERE valid_from > " + a.Add(r.f.TimeValue(p.From)) +
		" AND valid_from <= " + a.Add(r.f.TimeValue(p.To))
	if p.Blueprint != "" {
		q += " AND blueprint = " + a.Add(p.Blueprint)
	}
	if p.After != (model.EntityKey{}) {
		b := a.Add(p.After.Blueprint)
		q += " AND (blueprint > " + b + " OR (blueprint = " + a.Add(p.After.Blueprint) +
			" AND identifier > " + a.Add(p.After.Identifier) + "))"
	}
	q += fmt.Sprintf(" ORDER BY blueprint, identifier LIMIT %d", limit)
	rows, err := r.q.QueryContext(ctx, q, a.Vals...)
	if err != nil {
		return nil, r.wrap("list changed entities", err)
	}
	defer rows.Close()
	out := []model.EntityKey{}
	for rows.Next() {
		var k model.EntityKey
		if err := rows.Scan(&k.Blueprint, &k.Identifier); err != nil {
			return nil, r.wrap("list changed entities", err)
		}
		out = append(out, k)
	}
	return out, r.wrap("list changed entities", rows.Err())
}

// EntityVersionAtMany returns the version of each key valid at p.At
// (possibly a deletion), ordered by blueprint then identifier; keys with no
// version then are left out. One indexed query per blueprint and chunk.
func (r *reader) EntityVersionAtMany(ctx context.Context, p *store.EntityVersionAtManyParams) ([]*model.EntityVersion, error) {
	at := r.f.TimeValue(p.At)
	best := map[model.EntityKey]*model.EntityVersion{}
	for _, c := range groupKeys(p.Keys) {
		a := NewArgs(r.f)
		q := "SELECT " + versionCols + " FROM entity_versions WHERE blueprint = " + a.Add(c.Blueprint) +
			" AND identifier IN (" + a.List(c.IDs) + ") AND valid_from <= " + a.Add(at) +
			" AND (valid_to IS NULL OR valid_to > " + a.Add(at) + ")"
		if err := func() error {
			rows, err := r.q.QueryContext(ctx, q, a.Vals...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				v, err := scanVersion(rows)
				if err != nil {
					return err
				}
				// Versions sharing an instant: the newer wins.
				k := model.EntityKey{Blueprint: v.Blueprint, Identifier: v.Identifier}
				if old, ok := best[k]; !ok || v.Version > old.Version {
					best[k] = v
				}
			}
			return rows.Err()
		}(); err != nil {
			return nil, r.wrap("versions at", err)
		}
	}
	out := make([]*model.EntityVersion, 0, len(best))
	for _, v := range best {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *model.EntityVersion) int {
		return cmp.Or(strings.Compare(a.Blueprint, b.Blueprint), strings.Compare(a.Identifier, b.Identifier))
	})
	return out, nil
}
