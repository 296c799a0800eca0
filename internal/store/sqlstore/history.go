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

// Reading versions. An open version of a live entity keeps its document
// in the entity's row (appendVersions), so versions are read through
// versionsFrom, which joins such a version to that row.

// versionCols are the columns scanVersion reads from versionsFrom.
const versionCols = "v.blueprint, v.identifier, v.version, v.entity, v.valid_from, v.valid_to, v.actor, v.origin, v.run_id, " + currentCols

// versionsFrom is entity_versions v, with c the entity's row for an open
// version without a document.
const versionsFrom = " FROM entity_versions v" + currentJoin

const (
	// currentJoin joins c, the current row of v's entity, when v is open
	// and holds no document. No row then means v records a deletion.
	currentJoin = " LEFT JOIN entities c ON v.entity IS NULL AND v.valid_to IS NULL AND c.blueprint = v.blueprint AND c.identifier = v.identifier"
	// currentCols are the columns of c that currentRow scans.
	currentCols = "c.title, c.icon, c.team, c.properties, c.relations, c.created_at, c.created_by, c.updated_at, c.updated_by"
)

// currentRow scans currentCols, all NULL when currentJoin found no row.
type currentRow struct {
	title, icon, createdBy, updatedBy sql.NullString
	team, props, rels                 []byte
	createdAt, updatedAt              *time.Time
}

func (c *currentRow) targets() []any {
	return []any{&c.title, &c.icon, &c.team, &c.props, &c.rels, nullTimeScan{&c.createdAt}, &c.createdBy, nullTimeScan{&c.updatedAt}, &c.updatedBy}
}

// entity returns the scanned row as the entity bp/id, or nil when there
// was none.
func (c *currentRow) entity(bp, id string) (*model.Entity, error) {
	if c.createdAt == nil || c.updatedAt == nil {
		return nil, nil
	}
	e := &model.Entity{Blueprint: bp, Identifier: id, Title: c.title.String, Icon: c.icon.String,
		CreatedAt: *c.createdAt, CreatedBy: c.createdBy.String, UpdatedAt: *c.updatedAt, UpdatedBy: c.updatedBy.String}
	if err := decodeColumns(e, c.team, c.props, c.rels); err != nil {
		return nil, fmt.Errorf("decode entity %q: %w", id, err)
	}
	return e, nil
}

// scanVersion scans one row of versionCols.
func scanVersion(row interface{ Scan(...any) error }) (*model.EntityVersion, error) {
	var v model.EntityVersion
	var doc []byte
	var cur currentRow
	if err := row.Scan(append([]any{&v.Blueprint, &v.Identifier, &v.Version, &doc, timeScan{&v.ValidFrom}, nullTimeScan{&v.ValidTo},
		&v.Actor, &v.Origin, &v.RunID}, cur.targets()...)...); err != nil {
		return nil, err
	}
	if doc == nil {
		e, err := cur.entity(v.Blueprint, v.Identifier)
		if err != nil {
			return nil, err
		}
		v.Entity, v.Deleted = e, e == nil
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
	q := "SELECT " + versionCols + versionsFrom + " WHERE v.blueprint = " + a.Add(p.Blueprint) +
		" AND v.identifier = " + a.Add(p.Identifier) + " AND v.valid_from <= " + a.Add(at) +
		" AND (v.valid_to IS NULL OR v.valid_to > " + a.Add(at) + ") ORDER BY v.version DESC LIMIT 1"
	v, err := scanVersion(r.q.QueryRowContext(ctx, q, a.Vals...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.NotFoundf("entity %q of blueprint %q had no version at %s", p.Identifier, p.Blueprint, p.At.UTC().Format(time.RFC3339Nano))
	}
	if err != nil {
		return nil, r.wrap("version at", err)
	}
	return v, nil
}

// EntityVersionChanges returns the entities with a version starting in
// (p.From, p.To], each at its first such version (the one whose previous
// version started at or before p.From, or that has none). It walks the
// valid_from index from the cursor, so a page costs work proportional to its
// size, not to the interval's.
func (r *reader) EntityVersionChanges(ctx context.Context, p *store.EntityVersionChangesParams) ([]store.EntityVersionChange, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	a := NewArgs(r.f)
	from := r.f.TimeValue(p.From)
	q := "SELECT v.blueprint, v.identifier, v.valid_from FROM entity_versions v" +
		" LEFT JOIN entity_versions pv ON pv.blueprint = v.blueprint AND pv.identifier = v.identifier AND pv.version = v.version - 1" +
		" WHERE v.valid_from <= " + a.Add(r.f.TimeValue(p.To)) +
		" AND (pv.version IS NULL OR pv.valid_from <= " + a.Add(from) + ")"
	// The lower bound is the cursor's time when there is one (it is after
	// From), so the index walk starts at the page, not at From.
	if p.After != nil && p.After.At.After(p.From) {
		q += " AND v.valid_from >= " + a.Add(r.f.TimeValue(p.After.At))
	} else {
		q += " AND v.valid_from > " + a.Add(from)
	}
	if p.Blueprint != "" {
		q += " AND v.blueprint = " + a.Add(p.Blueprint)
	}
	if p.After != nil {
		at := r.f.TimeValue(p.After.At)
		q += " AND (v.valid_from > " + a.Add(at) + " OR (v.valid_from = " + a.Add(at) + " AND (v.blueprint > " +
			a.Add(p.After.Key.Blueprint) + " OR (v.blueprint = " + a.Add(p.After.Key.Blueprint) +
			" AND v.identifier > " + a.Add(p.After.Key.Identifier) + "))))"
	}
	q += fmt.Sprintf(" ORDER BY v.valid_from, v.blueprint, v.identifier LIMIT %d", limit)
	rows, err := r.q.QueryContext(ctx, q, a.Vals...)
	if err != nil {
		return nil, r.wrap("list changed entities", err)
	}
	defer rows.Close()
	out := []store.EntityVersionChange{}
	for rows.Next() {
		var c store.EntityVersionChange
		if err := rows.Scan(&c.Key.Blueprint, &c.Key.Identifier, timeScan{&c.At}); err != nil {
			return nil, r.wrap("list changed entities", err)
		}
		out = append(out, c)
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
		q := "SELECT " + versionCols + versionsFrom + " WHERE v.blueprint = " + a.Add(c.Blueprint) +
			" AND v.identifier IN (" + a.List(c.IDs) + ") AND v.valid_from <= " + a.Add(at) +
			" AND (v.valid_to IS NULL OR v.valid_to > " + a.Add(at) + ")"
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

// EntityVersionsAt implements store.Reader.
func (r *reader) EntityVersionsAt(ctx context.Context, p *store.EntityVersionsAtParams) ([]*model.EntityVersion, error) {
	at := r.f.TimeValue(p.At)
	a := NewArgs(r.f)
	q := "SELECT " + versionCols + versionsFrom + " WHERE v.valid_from <= " + a.Add(at) +
		" AND (v.valid_to IS NULL OR v.valid_to > " + a.Add(at) + ")"
	if len(p.Blueprints) > 0 {
		q += " AND v.blueprint IN (" + a.List(p.Blueprints) + ")"
	}
	best := map[model.EntityKey]*model.EntityVersion{}
	rows, err := r.q.QueryContext(ctx, q, a.Vals...)
	if err != nil {
		return nil, r.wrap("versions at", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, r.wrap("versions at", err)
		}
		// Versions sharing an instant: the newer wins.
		k := model.EntityKey{Blueprint: v.Blueprint, Identifier: v.Identifier}
		if old, ok := best[k]; !ok || v.Version > old.Version {
			best[k] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, r.wrap("versions at", err)
	}
	out := make([]*model.EntityVersion, 0, len(best))
	for _, v := range best {
		if !v.Deleted {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b *model.EntityVersion) int {
		return cmp.Or(strings.Compare(a.Blueprint, b.Blueprint), strings.Compare(a.Identifier, b.Identifier))
	})
	return out, nil
}
