package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

const versionColCount = 9

// appendVersions closes each key's open version and appends version
// previous+1 holding the change's After document (NULL for a deletion). keys
// are distinct. Version numbers continue across a delete and re-create.
func (t *Tx) appendVersions(ctx context.Context, keys []model.EntityKey, changes []store.EntityChange, afters []entityJSON, o store.Origin) ([]int64, error) {
	at := t.f.TimeValue(o.Time)
	prev, err := t.keyInts(ctx, maxVersionSpec, keys)
	if err != nil {
		return nil, t.wrap("read versions", err)
	}
	if len(prev) > 0 {
		closing := make([]model.EntityKey, 0, len(prev))
		for _, k := range keys {
			if _, ok := prev[k]; ok {
				closing = append(closing, k)
			}
		}
		for _, c := range groupKeys(closing) {
			q := t.stmts.listSQL(t.f, closeVersionSpec, len(c.IDs))
			if _, err := t.exec(ctx, len(c.IDs) == maxInList, q, listArgs(t.f, []any{at, c.Blueprint}, c.IDs)...); err != nil {
				return nil, t.wrap("close versions", err)
			}
		}
	}
	vals := make([]any, 0, len(keys)*versionColCount)
	versions := make([]int64, len(keys))
	for i, k := range keys {
		var doc any
		if changes[i].Kind != store.ChangeDelete {
			doc = afters[i].doc
		}
		versions[i] = prev[k] + 1
		vals = append(vals, k.Blueprint, k.Identifier, versions[i], doc, at, o.Actor, o.Origin, o.RunID, o.RequestID)
	}
	if err := t.insertBatch(ctx, insertVersionSpec, vals); err != nil {
		return nil, t.wrap("append versions", err)
	}
	return versions, nil
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
