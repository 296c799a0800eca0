package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

const versionColCount = 9

// appendVersions closes each key's open version and appends version
// previous+1 holding the change's After document (NULL for a deletion). keys
// are distinct. Version numbers continue across a delete and re-create.
func (t *Tx) appendVersions(ctx context.Context, keys []model.EntityKey, changes []store.EntityChange, afters []entityJSON, o store.Origin) error {
	prev := make(map[model.EntityKey]int64)
	at := t.f.TimeValue(o.Time)
	for _, c := range groupKeys(keys) {
		a := NewArgs(t.f)
		q := "SELECT identifier, MAX(version) FROM entity_versions WHERE blueprint = " + a.Add(c.Blueprint) +
			" AND identifier IN (" + a.List(c.IDs) + ") GROUP BY identifier"
		if err := func() error {
			rows, err := t.tx.QueryContext(ctx, q, a.Vals...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				var v int64
				if err := rows.Scan(&id, &v); err != nil {
					return err
				}
				prev[model.EntityKey{Blueprint: c.Blueprint, Identifier: id}] = v
			}
			return rows.Err()
		}(); err != nil {
			return t.wrap("read versions", err)
		}
	}
	if len(prev) > 0 {
		closing := make([]model.EntityKey, 0, len(prev))
		for _, k := range keys {
			if _, ok := prev[k]; ok {
				closing = append(closing, k)
			}
		}
		for _, c := range groupKeys(closing) {
			a := NewArgs(t.f)
			q := "UPDATE entity_versions SET valid_to = " + a.Add(at) + " WHERE blueprint = " + a.Add(c.Blueprint) +
				" AND identifier IN (" + a.List(c.IDs) + ") AND valid_to IS NULL"
			if _, err := t.tx.ExecContext(ctx, q, a.Vals...); err != nil {
				return t.wrap("close versions", err)
			}
		}
	}
	n := chunkRows(t.f, versionColCount)
	vals := make([]any, 0, min(n, len(keys))*versionColCount)
	for start := 0; start < len(keys); start += n {
		end := min(start+n, len(keys))
		vals = vals[:0]
		for i := start; i < end; i++ {
			k := keys[i]
			var doc any
			if changes[i].Kind != store.ChangeDelete {
				doc = string(afters[i].doc)
			}
			vals = append(vals, k.Blueprint, k.Identifier, prev[k]+1, doc, at, o.Actor, o.Origin, o.RunID, o.RequestID)
		}
		var b strings.Builder
		b.WriteString("INSERT INTO entity_versions (blueprint, identifier, version, entity, valid_from, actor, origin, run_id, request_id) VALUES ")
		a := NewArgs(t.f)
		a.rows(&b, versionColCount, vals)
		if _, err := t.tx.ExecContext(ctx, b.String(), a.Vals...); err != nil {
			return t.wrap("append versions", err)
		}
	}
	return nil
}

// EntityVersionList returns an entity's versions, oldest first.
func (r *reader) EntityVersionList(ctx context.Context, p *store.EntityVersionListParams) ([]*model.EntityVersion, error) {
	a := NewArgs(r.f)
	q := "SELECT blueprint, identifier, version, entity, valid_from, valid_to, actor, origin, run_id FROM entity_versions WHERE blueprint = " +
		a.Add(p.Blueprint) + " AND identifier = " + a.Add(p.Identifier) + " ORDER BY version"
	rows, err := r.q.QueryContext(ctx, q, a.Vals...)
	if err != nil {
		return nil, r.wrap("list versions", err)
	}
	defer rows.Close()
	out := []*model.EntityVersion{}
	for rows.Next() {
		var v model.EntityVersion
		var doc []byte
		if err := rows.Scan(&v.Blueprint, &v.Identifier, &v.Version, &doc, timeScan{&v.ValidFrom}, nullTimeScan{&v.ValidTo},
			&v.Actor, &v.Origin, &v.RunID); err != nil {
			return nil, r.wrap("list versions", err)
		}
		if doc == nil {
			v.Deleted = true
		} else {
			var e model.Entity
			if err := json.Unmarshal(doc, &e); err != nil {
				return nil, fmt.Errorf("decode version %d of entity %q: %w", v.Version, v.Identifier, err)
			}
			normaliseEntity(&e)
			v.Entity = &e
		}
		out = append(out, &v)
	}
	return out, r.wrap("list versions", rows.Err())
}
