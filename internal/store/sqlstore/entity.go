package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// entityCols are the entities columns in scan and insert order.
const entityCols = "blueprint, identifier, title, icon, team, properties, relations, created_at, created_by, updated_at, updated_by"

const entityColCount = 11

type rowScanner interface{ Scan(dest ...any) error }

func scanEntity(s rowScanner) (*model.Entity, error) {
	var e model.Entity
	var team, props, rels []byte
	if err := s.Scan(&e.Blueprint, &e.Identifier, &e.Title, &e.Icon, &team, &props, &rels,
		timeScan{&e.CreatedAt}, &e.CreatedBy, timeScan{&e.UpdatedAt}, &e.UpdatedBy); err != nil {
		return nil, err
	}
	var err error
	if e.Team, err = decodeTeam(team); err != nil {
		return nil, err
	}
	if e.Properties, err = decodeObject(props, "properties"); err != nil {
		return nil, err
	}
	if e.Relations, err = decodeObject(rels, "relations"); err != nil {
		return nil, err
	}
	normaliseRelations(e.Relations)
	return &e, nil
}

// queryEntities runs q and scans every row as an entity.
func (r *reader) queryEntities(ctx context.Context, what, q string, args []any) ([]*model.Entity, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, r.wrap(what, err)
	}
	defer rows.Close()
	out := []*model.Entity{}
	for rows.Next() {
		e, err := scanEntity(rows)
		if err != nil {
			return nil, r.wrap(what, err)
		}
		out = append(out, e)
	}
	return out, r.wrap(what, rows.Err())
}

// EntityGet returns one entity or ErrNotFound.
func (r *reader) EntityGet(ctx context.Context, p *store.EntityGetParams) (*model.Entity, error) {
	a := NewArgs(r.f)
	q := "SELECT " + entityCols + " FROM entities WHERE blueprint = " + a.Add(p.Blueprint) + " AND identifier = " + a.Add(p.Identifier)
	e, err := scanEntity(r.q.QueryRowContext(ctx, q, a.Vals...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("entity %q of blueprint %q not found", p.Identifier, p.Blueprint)
	}
	if err != nil {
		return nil, r.wrap("get entity", err)
	}
	return e, nil
}

// EntityGetMany returns the entities that exist among Keys, in the order of
// Keys (each once), with one query per blueprint and chunk of identifiers.
func (r *reader) EntityGetMany(ctx context.Context, p *store.EntityGetManyParams) ([]*model.Entity, error) {
	found := make(map[model.EntityKey]*model.Entity, len(p.Keys))
	for _, c := range groupKeys(p.Keys) {
		a := NewArgs(r.f)
		q := "SELECT " + entityCols + " FROM entities WHERE blueprint = " + a.Add(c.Blueprint) +
			" AND identifier IN (" + a.List(c.IDs) + ")"
		es, err := r.queryEntities(ctx, "get entities", q, a.Vals)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			found[e.Key()] = e
		}
	}
	out := make([]*model.Entity, 0, len(found))
	for _, k := range p.Keys {
		if e, ok := found[k]; ok {
			out = append(out, e)
			delete(found, k)
		}
	}
	return out, nil
}

// EntityList pages through a blueprint's entities in identifier order.
func (r *reader) EntityList(ctx context.Context, p *store.EntityListParams) ([]*model.Entity, error) {
	a := NewArgs(r.f)
	q := "SELECT " + entityCols + " FROM entities WHERE blueprint = " + a.Add(p.Blueprint)
	if p.After != "" {
		q += " AND identifier > " + a.Add(p.After)
	}
	q += " ORDER BY identifier"
	if p.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(p.Limit)
	}
	return r.queryEntities(ctx, "list entities", q, a.Vals)
}

// EntityCount counts a blueprint's entities.
func (r *reader) EntityCount(ctx context.Context, p *store.EntityCountParams) (int64, error) {
	a := NewArgs(r.f)
	var n int64
	err := r.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM entities WHERE blueprint = "+a.Add(p.Blueprint), a.Vals...).Scan(&n)
	return n, r.wrap("count entities", err)
}

// EntityFind returns a blueprint's entities matching every condition, in
// identifier order. Values compare typed: a string never equals a number.
func (r *reader) EntityFind(ctx context.Context, p *store.EntityFindParams) ([]*model.Entity, error) {
	a := NewArgs(r.f)
	var b strings.Builder
	b.WriteString("SELECT " + entityCols + " FROM entities WHERE blueprint = ")
	b.WriteString(a.Add(p.Blueprint))
	for _, m := range p.Match {
		var cond string
		switch m.Field {
		case "$identifier", "$title":
			var strs []string
			for _, v := range m.Values {
				if s, ok := v.(string); ok {
					strs = append(strs, s)
				}
			}
			if len(strs) > 0 {
				cond = strings.TrimPrefix(m.Field, "$") + " IN (" + a.List(strs) + ")"
			}
		default:
			cond = r.f.PropertyMatch(a, "properties", m.Field, m.Values)
		}
		if cond == "" {
			return []*model.Entity{}, nil
		}
		b.WriteString(" AND ")
		b.WriteString(cond)
	}
	b.WriteString(" ORDER BY identifier")
	if p.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(p.Limit))
	}
	return r.queryEntities(ctx, "find entities", b.String(), a.Vals)
}

// EntityLock locks Keys in sorted order until the transaction ends.
func (t *Tx) EntityLock(ctx context.Context, p *store.EntityLockParams) error {
	keys := slices.Clone(p.Keys)
	slices.SortFunc(keys, compareKeys)
	keys = slices.Compact(keys)
	if len(keys) == 0 {
		return nil
	}
	return t.wrap("lock entities", t.f.LockEntities(ctx, t.tx, keys))
}

func compareKeys(a, b model.EntityKey) int {
	return cmp.Or(strings.Compare(a.Blueprint, b.Blueprint), strings.Compare(a.Identifier, b.Identifier))
}

// EntityChangeApply applies changes in order. Changes are written in batches:
// each run of changes with distinct keys becomes a few multi-row statements
// per table; a key seen again starts a new run, so order is kept.
func (t *Tx) EntityChangeApply(ctx context.Context, p *store.EntityChangeApplyParams) error {
	start := 0
	seen := make(map[model.EntityKey]struct{}, len(p.Changes))
	for i, c := range p.Changes {
		k, err := changeKey(c)
		if err != nil {
			return err
		}
		if _, dup := seen[k]; dup {
			if err := t.applyRun(ctx, p.Changes[start:i], p.Origin); err != nil {
				return err
			}
			start = i
			clear(seen)
		}
		seen[k] = struct{}{}
	}
	return t.applyRun(ctx, p.Changes[start:], p.Origin)
}

func changeKey(c store.EntityChange) (model.EntityKey, error) {
	switch c.Kind {
	case store.ChangeCreate, store.ChangeUpdate:
		if c.After == nil {
			return model.EntityKey{}, fmt.Errorf("entity change kind %d without After", c.Kind)
		}
		return c.After.Key(), nil
	case store.ChangeDelete:
		if c.Before == nil {
			return model.EntityKey{}, errors.New("entity delete without Before")
		}
		return c.Before.Key(), nil
	}
	return model.EntityKey{}, fmt.Errorf("unknown change kind %d", c.Kind)
}

// applyRun writes changes whose keys are distinct.
func (t *Tx) applyRun(ctx context.Context, changes []store.EntityChange, o store.Origin) error {
	if len(changes) == 0 {
		return nil
	}
	keys := make([]model.EntityKey, len(changes))
	afters := make([]entityJSON, len(changes))
	evs := make([]eventRow, len(changes))
	var creates, updates []int
	var replaced, deleted []model.EntityKey // keys whose old edges go
	var edges []model.Edge
	for i, c := range changes {
		k, _ := changeKey(c)
		keys[i] = k
		ev := eventRow{blueprint: k.Blueprint, entity: k.Identifier}
		if c.After != nil && c.Kind != store.ChangeDelete {
			enc, err := encodeEntity(c.After)
			if err != nil {
				return fmt.Errorf("entity %q of blueprint %q: %w", k.Identifier, k.Blueprint, err)
			}
			afters[i] = enc
			ev.after = enc.doc
		}
		if c.Before != nil && c.Kind != store.ChangeCreate {
			enc, err := encodeEntity(c.Before)
			if err != nil {
				return fmt.Errorf("entity %q of blueprint %q: %w", k.Identifier, k.Blueprint, err)
			}
			ev.before = enc.doc
		}
		switch c.Kind {
		case store.ChangeCreate:
			ev.typ = model.EventEntityCreated
			creates = append(creates, i)
			edges = append(edges, c.Edges...)
		case store.ChangeUpdate:
			ev.typ = model.EventEntityUpdated
			updates = append(updates, i)
			replaced = append(replaced, k)
			edges = append(edges, c.Edges...)
		case store.ChangeDelete:
			ev.typ = model.EventEntityDeleted
			deleted = append(deleted, k)
		}
		evs[i] = ev
	}

	// Current state.
	if err := t.deleteWhereKeys(ctx, "entities", "blueprint", "identifier", deleted, "delete entities"); err != nil {
		return err
	}
	if err := t.insertEntities(ctx, changes, afters, creates, false); err != nil {
		return err
	}
	if err := t.insertEntities(ctx, changes, afters, updates, true); err != nil {
		return err
	}
	// Edges: a created entity has none yet (deleting an entity removes its
	// edges), so only updated and deleted ones are cleared.
	if err := t.deleteWhereKeys(ctx, "edges", "from_blueprint", "from_identifier", append(replaced, deleted...), "delete edges"); err != nil {
		return err
	}
	if err := t.insertEdges(ctx, edges); err != nil {
		return err
	}
	if err := t.appendVersions(ctx, keys, changes, afters, o); err != nil {
		return err
	}
	return t.appendEvents(ctx, evs, o)
}

// deleteWhereKeys deletes rows of table whose (bpCol, idCol) is among keys.
func (t *Tx) deleteWhereKeys(ctx context.Context, table, bpCol, idCol string, keys []model.EntityKey, what string) error {
	for _, c := range groupKeys(keys) {
		a := NewArgs(t.f)
		q := "DELETE FROM " + table + " WHERE " + bpCol + " = " + a.Add(c.Blueprint) + " AND " + idCol + " IN (" + a.List(c.IDs) + ")"
		if _, err := t.tx.ExecContext(ctx, q, a.Vals...); err != nil {
			return t.wrap(what, err)
		}
	}
	return nil
}

// insertEntities inserts the After state of changes[idx]; with replace an
// existing row is overwritten, without it an existing row is ErrConflict.
func (t *Tx) insertEntities(ctx context.Context, changes []store.EntityChange, afters []entityJSON, idx []int, replace bool) error {
	n := chunkRows(t.f, entityColCount)
	vals := make([]any, 0, min(n, len(idx))*entityColCount)
	for start := 0; start < len(idx); start += n {
		part := idx[start:min(start+n, len(idx))]
		vals = vals[:0]
		for _, i := range part {
			e, enc := changes[i].After, afters[i]
			vals = append(vals, e.Blueprint, e.Identifier, e.Title, e.Icon, string(enc.team), string(enc.props), string(enc.rels),
				t.f.TimeValue(e.CreatedAt), e.CreatedBy, t.f.TimeValue(e.UpdatedAt), e.UpdatedBy)
		}
		var b strings.Builder
		b.WriteString("INSERT INTO entities (" + entityCols + ") VALUES ")
		a := NewArgs(t.f)
		a.rows(&b, entityColCount, vals)
		if replace {
			b.WriteString(" ON CONFLICT (blueprint, identifier) DO UPDATE SET title = excluded.title, icon = excluded.icon," +
				" team = excluded.team, properties = excluded.properties, relations = excluded.relations," +
				" created_at = excluded.created_at, created_by = excluded.created_by," +
				" updated_at = excluded.updated_at, updated_by = excluded.updated_by")
		}
		if _, err := t.tx.ExecContext(ctx, b.String(), a.Vals...); err != nil {
			err = t.f.InterpretError(err)
			if errors.Is(err, model.ErrConflict) {
				if len(part) == 1 {
					e := changes[part[0]].After
					return model.Conflictf("entity %q of blueprint %q already exists", e.Identifier, e.Blueprint)
				}
				return model.Conflictf("one of %d entities to create already exists", len(part))
			}
			return fmt.Errorf("write entities: %w", err)
		}
	}
	return nil
}

const edgeColCount = 5

// insertEdges inserts edges; a duplicate edge is written once.
func (t *Tx) insertEdges(ctx context.Context, edges []model.Edge) error {
	n := chunkRows(t.f, edgeColCount)
	vals := make([]any, 0, min(n, len(edges))*edgeColCount)
	for start := 0; start < len(edges); start += n {
		vals = vals[:0]
		for _, e := range edges[start:min(start+n, len(edges))] {
			vals = append(vals, e.From.Blueprint, e.From.Identifier, e.Relation, e.To.Blueprint, e.To.Identifier)
		}
		var b strings.Builder
		b.WriteString("INSERT INTO edges (from_blueprint, from_identifier, relation, to_blueprint, to_identifier) VALUES ")
		a := NewArgs(t.f)
		a.rows(&b, edgeColCount, vals)
		b.WriteString(" ON CONFLICT DO NOTHING")
		if _, err := t.tx.ExecContext(ctx, b.String(), a.Vals...); err != nil {
			return t.wrap("write edges", err)
		}
	}
	return nil
}
