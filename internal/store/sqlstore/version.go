package sqlstore

import (
	"context"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// appendVersions closes each key's open version and appends version
// previous+1. keys are distinct. Version numbers continue across a delete
// and re-create.
//
// The open version of a live entity holds no document: its document is the
// entity's row in entities, which every change writes through here too. A
// change that closes it writes its Before there, so history keeps every
// state while a bulk create writes each document once, not twice (the
// versions table was as large as the entities table, bench/RESULTS.md).
// A version without a document is therefore a deletion when it is closed
// or when its entity has no row (versionsFrom).
func (t *Tx) appendVersions(ctx context.Context, keys []model.EntityKey, changes []store.EntityChange, befores []entityJSON, o store.Origin) ([]int64, error) {
	at := t.f.TimeValue(o.Time)
	prev, err := t.keyInts(ctx, maxVersionSpec, keys)
	if err != nil {
		return nil, t.wrap("read versions", err)
	}
	if len(prev) > 0 {
		vals := make([]any, 0, len(prev)*closeVersionSpec.cols)
		for i, k := range keys {
			p, ok := prev[k]
			if !ok {
				continue
			}
			var doc any // a create closes a deletion, which keeps no document
			if changes[i].Kind != store.ChangeCreate {
				doc = befores[i].doc
			}
			vals = append(vals, k.Blueprint, k.Identifier, p, doc, at, at)
		}
		if err := t.insertBatch(ctx, closeVersionSpec, vals); err != nil {
			return nil, t.wrap("close versions", err)
		}
	}
	vals := make([]any, 0, len(keys)*insertVersionSpec.cols)
	versions := make([]int64, len(keys))
	for i, k := range keys {
		versions[i] = prev[k] + 1
		vals = append(vals, k.Blueprint, k.Identifier, versions[i], at, o.Actor, o.Origin, o.RunID, o.RequestID)
	}
	if err := t.insertBatch(ctx, insertVersionSpec, vals); err != nil {
		return nil, t.wrap("append versions", err)
	}
	return versions, nil
}

// EntityVersionList returns an entity's versions, oldest first.
func (r *reader) EntityVersionList(ctx context.Context, p *store.EntityVersionListParams) ([]*model.EntityVersion, error) {
	a := NewArgs(r.f)
	q := "SELECT " + versionCols + versionsFrom + " WHERE v.blueprint = " + a.Add(p.Blueprint) +
		" AND v.identifier = " + a.Add(p.Identifier) + " ORDER BY v.version"
	rows, err := r.q.QueryContext(ctx, q, a.Vals...)
	if err != nil {
		return nil, r.wrap("list versions", err)
	}
	defer rows.Close()
	out := []*model.EntityVersion{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, r.wrap("list versions", err)
		}
		out = append(out, v)
	}
	return out, r.wrap("list versions", rows.Err())
}
