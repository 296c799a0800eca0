package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/parallel"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/graphindex"
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
	if err := decodeColumns(&e, team, props, rels); err != nil {
		return nil, err
	}
	return &e, nil
}

// decodeColumns decodes an entities row's JSON columns into e.
func decodeColumns(e *model.Entity, team, props, rels []byte) error {
	var err error
	if e.Team, err = decodeTeam(team); err != nil {
		return err
	}
	if e.Properties, err = decodeObject(props, "properties"); err != nil {
		return err
	}
	if e.Relations, err = decodeObject(rels, "relations"); err != nil {
		return err
	}
	normaliseRelations(e.Relations)
	return nil
}

// summaryCols are the columns scanSummary reads.
const summaryCols = "blueprint, identifier, title, team"

// getSummarySpec reads the summary columns of entities by key.
var getSummarySpec = listSpec{head: "SELECT " + summaryCols + " FROM entities WHERE blueprint = ? AND identifier IN ",
	array: "SELECT e.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
		" CROSS JOIN LATERAL (SELECT " + summaryCols + " FROM entities WHERE blueprint = p.bp AND identifier = k.id) e"}

// getKeySpec reads the keys of entities that exist.
var getKeySpec = listSpec{head: "SELECT blueprint, identifier FROM entities WHERE blueprint = ? AND identifier IN ",
	array: "SELECT e.* FROM (VALUES (?::text)) AS p(bp) CROSS JOIN unnest(?::text[]) AS k(id)" +
		" CROSS JOIN LATERAL (SELECT blueprint, identifier FROM entities WHERE blueprint = p.bp AND identifier = k.id) e"}

// scanKey scans a key into an entity whose other fields stay zero.
func scanKey(s rowScanner) (*model.Entity, error) {
	var e model.Entity
	if err := s.Scan(&e.Blueprint, &e.Identifier); err != nil {
		return nil, err
	}
	return &e, nil
}

// scanSummary scans summaryCols into an entity whose other fields stay zero.
func scanSummary(s rowScanner) (*model.Entity, error) {
	var e model.Entity
	var team []byte
	if err := s.Scan(&e.Blueprint, &e.Identifier, &e.Title, &team); err != nil {
		return nil, err
	}
	var err error
	if e.Team, err = decodeTeam(team); err != nil {
		return nil, err
	}
	return &e, nil
}

// queryEntities runs q and scans every row as an entity.
func (r *reader) queryEntities(ctx context.Context, cache bool, what, q string, args []any) ([]*model.Entity, error) {
	out := []*model.Entity{}
	err := r.scanRows(ctx, cache, what, q, args, scanEntity, func(e *model.Entity) { out = append(out, e) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanRows runs q and hands every row, scanned by scan, to fn.
func (r *reader) scanRows(ctx context.Context, cache bool, what, q string, args []any,
	scan func(rowScanner) (*model.Entity, error), fn func(*model.Entity)) error {
	rows, err := r.query(ctx, cache, q, args...)
	if err != nil {
		return r.wrap(what, err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return r.wrap(what, err)
		}
		fn(e)
	}
	return r.wrap(what, rows.Err())
}

// EntityGet returns one entity or ErrNotFound.
func (r *reader) EntityGet(ctx context.Context, p *store.EntityGetParams) (*model.Entity, error) {
	q := r.stmts.staticSQL(r.f, entityGetSQL)
	e, err := scanEntity(r.queryRow(ctx, true, q, p.Blueprint, p.Identifier))
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
	spec, scan := getManySpec, scanEntity
	switch {
	case p.KeysOnly:
		spec, scan = getKeySpec, scanKey
	case p.Summary:
		spec, scan = getSummarySpec, scanSummary
	}
	for _, c := range groupKeys(p.Keys) {
		ids := padList(r.f, c.IDs)
		q := r.stmts.listSQL(r.f, spec, len(ids))
		if err := r.scanRows(ctx, true, "get entities", q, listArgs(r.f, []any{c.Blueprint}, ids), scan,
			func(e *model.Entity) { found[e.Key()] = e }); err != nil {
			return nil, err
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

// EntityGetMany in a transaction answers a KeysOnly read from the ids it
// knows and reads the rest by id (idsOf), so the relation targets the
// catalog checks are not looked up again for their edges.
func (t *Tx) EntityGetMany(ctx context.Context, p *store.EntityGetManyParams) ([]*model.Entity, error) {
	if !p.KeysOnly {
		return t.reader.EntityGetMany(ctx, p)
	}
	ids, err := t.idsOf(ctx, p.Keys)
	if err != nil {
		return nil, t.wrap("get entities", err)
	}
	out := make([]*model.Entity, 0, len(ids))
	for _, k := range p.Keys {
		if _, ok := ids[k]; ok {
			out = append(out, &model.Entity{Blueprint: k.Blueprint, Identifier: k.Identifier})
			delete(ids, k)
		}
	}
	return out, nil
}

// idsOf maps keys to the ids of their entities, from the transaction's
// cache (Tx.ids) or read and then cached; a key without an entity is
// absent. The map is the caller's.
func (t *Tx) idsOf(ctx context.Context, keys []model.EntityKey) (map[model.EntityKey]int64, error) {
	out := make(map[model.EntityKey]int64, len(keys))
	var missing []model.EntityKey
	asked := make(map[model.EntityKey]struct{})
	for _, k := range keys {
		if id, ok := t.ids[k]; ok {
			out[k] = id
		} else if _, dup := asked[k]; !dup {
			asked[k] = struct{}{}
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	if ok, err := t.idCacheUsable(ctx); err != nil {
		return nil, err
	} else if ok {
		if missing = t.lookupCachedIDs(missing, out); len(missing) == 0 {
			return out, nil
		}
	}
	read, err := t.entityIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	for k, id := range read {
		out[k] = id
		t.cacheID(k, id)
	}
	return out, nil
}

// scanEntityID caches the id an entity insert returned.
func (t *Tx) scanEntityID(rows *sql.Rows) error {
	var k model.EntityKey
	var id int64
	if err := rows.Scan(&k.Blueprint, &k.Identifier, &id); err != nil {
		return err
	}
	t.cacheID(k, id)
	return nil
}

// newEntityID numbers a new entity (IDNumberer flavors): one above the
// largest id at the transaction's first create, then counting up. The one
// writer makes the count safe; a deleted entity's id may come back, as
// SQLite's own numbering would give it.
func (t *Tx) newEntityID(ctx context.Context) (int64, error) {
	if t.nextID == 0 {
		var max int64
		if err := t.queryRow(ctx, true, t.stmts.staticSQL(t.f, maxEntityIDSQL)).Scan(&max); err != nil {
			return 0, t.wrap("number entities", err)
		}
		t.nextID = max + 1
	}
	id := t.nextID
	t.nextID++
	return id, nil
}

// cacheID records the id of k, read from the database or just given, for
// the rest of the transaction and, at commit, for the store's id cache.
func (t *Tx) cacheID(k model.EntityKey, id int64) {
	t.useID(k, id)
	if t.idc != nil {
		t.learned = append(t.learned, keyID{k, id})
	}
}

// useID records the id of k for the rest of the transaction only.
func (t *Tx) useID(k model.EntityKey, id int64) {
	if t.ids == nil {
		t.ids = map[model.EntityKey]int64{}
	}
	t.ids[k] = id
}

// keyID is an entity's key and id.
type keyID struct {
	key model.EntityKey
	id  int64
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
	return r.queryEntities(ctx, false, "list entities", q, a.Vals)
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
	return r.queryEntities(ctx, false, "find entities", b.String(), a.Vals)
}

// EntityLock locks Keys until the transaction ends, in the flavor's own
// order (PostgreSQL sorts its lock ids; SQLite has nothing to lock).
func (t *Tx) EntityLock(ctx context.Context, p *store.EntityLockParams) error {
	if len(p.Keys) == 0 {
		return nil
	}
	return t.wrap("lock entities", t.f.LockEntities(ctx, t.tx, p.Keys, p.NoWait))
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
		if c.Kind == store.ChangeUpdate && c.Before == nil {
			// The version the update closes gets Before as its document.
			return model.EntityKey{}, errors.New("entity update without Before")
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
	afters, befores, bodies, err := encodeChanges(changes, t.text != nil)
	if err != nil {
		return err
	}
	evs := make([]eventRow, len(changes))
	var creates, updates []int
	var replaced, deleted []model.EntityKey // keys whose old edges go
	var unindex []model.EntityKey           // full-text rows to drop
	var index []int                         // changes whose full-text rows Commit writes
	nEdges := 0
	for _, c := range changes {
		nEdges += len(c.Edges)
	}
	edges := make([]model.Edge, 0, nEdges)
	for i, c := range changes {
		k, _ := changeKey(c)
		keys[i] = k
		// The event names the version this change makes; its documents are
		// read from entity_versions (EventList).
		ev := eventRow{blueprint: k.Blueprint, entity: k.Identifier}
		switch c.Kind {
		case store.ChangeCreate:
			ev.typ = model.EventEntityCreated
			creates = append(creates, i)
			edges = append(edges, c.Edges...)
			index = append(index, i)
		case store.ChangeUpdate:
			ev.typ = model.EventEntityUpdated
			updates = append(updates, i)
			replaced = append(replaced, k)
			edges = append(edges, c.Edges...)
			if textChanged(c, befores[i], afters[i]) {
				unindex = append(unindex, k)
				index = append(index, i)
			}
		case store.ChangeDelete:
			ev.typ = model.EventEntityDeleted
			deleted = append(deleted, k)
			unindex = append(unindex, k)
		}
		evs[i] = ev
	}

	// The ids of the updated and deleted entities, read once, find their
	// edges and full-text rows (which go before the rows change), the
	// graph's change and the unchanged ends of new edges. A created entity
	// has no edges yet (deleting an entity removes its edges).
	cleared, err := t.idsOf(ctx, append(replaced, deleted...))
	if err != nil {
		return t.wrap("delete edges", err)
	}
	clearedIDs := make([]int64, 0, len(cleared))
	for _, id := range cleared {
		clearedIDs = append(clearedIDs, id)
	}
	if err := t.forIDChunks(ctx, deleteEdgesSpec, clearedIDs, nil); err != nil {
		return t.wrap("delete edges", err)
	}
	unindexIDs := make([]int64, 0, len(unindex))
	for _, k := range unindex {
		if id, ok := cleared[k]; ok {
			unindexIDs = append(unindexIDs, id)
		}
	}
	t.unindexText(unindexIDs)
	// Current state.
	if err := t.deleteKeys(ctx, deleteEntitiesSpec, deleted, "delete entities"); err != nil {
		return err
	}
	for _, k := range deleted {
		delete(t.ids, k)
		if t.idc != nil {
			if t.deleted == nil {
				t.deleted = map[model.EntityKey]struct{}{}
			}
			t.deleted[k] = struct{}{}
		}
	}
	t.unqueueText(deleted)
	if err := t.insertEntities(ctx, changes, afters, creates, false); err != nil {
		return err
	}
	if err := t.insertEntities(ctx, changes, afters, updates, true); err != nil {
		return err
	}
	added, err := t.insertEdges(ctx, edges)
	if err != nil {
		return err
	}
	if t.graph != nil {
		ch := graphindex.Change{ClearOut: clearedIDs, Add: added}
		if !ch.Empty() {
			t.graphChanges = append(t.graphChanges, ch)
		}
	}
	if err := t.indexText(ctx, changes, bodies, index); err != nil {
		return err
	}
	versions, err := t.appendVersions(ctx, keys, changes, befores, o)
	if err != nil {
		return err
	}
	for i := range evs {
		evs[i].version = versions[i]
	}
	return t.appendEvents(ctx, evs, o)
}

// encodeChanges encodes every change's After, and the Before of an update
// or a delete (the document of the version it closes, appendVersions) and,
// with text, builds its full-text body, spreading large runs over the
// cores: pure Go work that would otherwise keep the single writer's
// transaction open (~4 µs per entity in a bulk create).
func encodeChanges(changes []store.EntityChange, text bool) (afters, befores []entityJSON, bodies []string, err error) {
	afters = make([]entityJSON, len(changes))
	befores = make([]entityJSON, len(changes))
	if text {
		bodies = make([]string, len(changes))
	}
	errs := make([]error, len(changes))
	encode := func(i int) {
		c := changes[i]
		var err error
		if c.Kind != store.ChangeCreate && c.Before != nil {
			befores[i], err = encodeEntity(c.Before)
		}
		if err == nil && c.Kind != store.ChangeDelete && c.After != nil {
			afters[i], err = encodeEntity(c.After)
			if err == nil && text {
				bodies[i], err = textBody(c.After.Properties)
			}
		}
		if err != nil {
			k, _ := changeKey(c)
			errs[i] = fmt.Errorf("entity %q of blueprint %q: %w", k.Identifier, k.Blueprint, err)
		}
	}
	parallel.For(len(changes), minParallel, encode)
	return afters, befores, bodies, errors.Join(errs...)
}

// minParallel keeps small runs on one goroutine, where starting workers
// costs more than it saves.
const minParallel = 64

// deleteKeys runs a DELETE listSpec for keys.
func (t *Tx) deleteKeys(ctx context.Context, spec listSpec, keys []model.EntityKey, what string) error {
	for _, c := range groupKeys(keys) {
		ids := padList(t.f, c.IDs)
		q := t.stmts.listSQL(t.f, spec, len(ids))
		if _, err := t.exec(ctx, true, q, listArgs(t.f, []any{c.Blueprint}, ids)...); err != nil {
			return t.wrap(what, err)
		}
	}
	return nil
}

// insertEntities inserts the After state of changes[idx]; with replace an
// existing row is overwritten, without it an existing row is ErrConflict.
// Every row's id lands in the transaction's cache: chosen by the store
// (IDNumberer flavors; a replaced row keeps the id read before) or returned
// by the insert.
func (t *Tx) insertEntities(ctx context.Context, changes []store.EntityChange, afters []entityJSON, idx []int, replace bool) error {
	if len(idx) == 0 {
		return nil
	}
	_, numbered := t.f.(IDNumberer)
	cols := entityColCount
	if numbered {
		cols++
	}
	vals := make([]any, 0, len(idx)*cols)
	// A batch's rows mostly share one time (the write's): formatted once.
	var lastTime time.Time
	var lastTimeValue any
	timeValue := func(tm time.Time) any {
		if lastTimeValue == nil || !tm.Equal(lastTime) {
			lastTime, lastTimeValue = tm, t.f.TimeValue(tm)
		}
		return lastTimeValue
	}
	for _, i := range idx {
		e, enc := changes[i].After, afters[i]
		if numbered {
			id, known := t.ids[e.Key()]
			if !known || !replace {
				var err error
				if id, err = t.newEntityID(ctx); err != nil {
					return err
				}
				t.cacheID(e.Key(), id)
			}
			vals = append(vals, id)
		}
		vals = append(vals, e.Blueprint, e.Identifier, e.Title, e.Icon, enc.team, enc.props, enc.rels,
			timeValue(e.CreatedAt), e.CreatedBy, timeValue(e.UpdatedAt), e.UpdatedBy)
	}
	spec, scan := insertEntitySpec, t.scanEntityID
	switch {
	case numbered && replace:
		spec, scan = upsertEntityIDSpec, nil
	case numbered:
		spec, scan = insertEntityIDSpec, nil
	case replace:
		spec = upsertEntitySpec
	}
	if err := t.insertReturning(ctx, spec, vals, scan); err != nil {
		err = t.f.InterpretError(err)
		if errors.Is(err, model.ErrConflict) {
			if len(idx) == 1 {
				e := changes[idx[0]].After
				return model.Conflictf("entity %q of blueprint %q already exists", e.Identifier, e.Blueprint)
			}
			return model.Conflictf("one of the %d entities to create already exists", len(idx))
		}
		return fmt.Errorf("write entities: %w", err)
	}
	return nil
}

const edgeColCount = 3

// insertEdges inserts edges between entities of the transaction, by id, and
// returns them; a duplicate edge is written once. The ends' ids come from
// idsOf (updated entities and checked targets are cached already). Both
// ends must exist: the catalog checks relation targets before it writes.
func (t *Tx) insertEdges(ctx context.Context, edges []model.Edge) ([]graphindex.Edge, error) {
	if len(edges) == 0 {
		return nil, nil
	}
	// Most ends are known to the transaction already (its new rows, the
	// targets the catalog checked): only the others are looked up, and the
	// lookup leaves their ids in t.ids too.
	var missing []model.EntityKey
	for _, e := range edges {
		if _, ok := t.ids[e.From]; !ok {
			missing = append(missing, e.From)
		}
		if _, ok := t.ids[e.To]; !ok {
			missing = append(missing, e.To)
		}
	}
	if len(missing) > 0 {
		if _, err := t.idsOf(ctx, missing); err != nil {
			return nil, t.wrap("write edges", err)
		}
	}
	ids := t.ids
	type edgeRow struct {
		from, to int64
		relation string
	}
	seen := make(map[edgeRow]struct{}, len(edges))
	vals := make([]any, 0, len(edges)*edgeColCount)
	added := make([]graphindex.Edge, 0, len(edges))
	for _, e := range edges {
		from, ok := ids[e.From]
		if !ok {
			return nil, fmt.Errorf("write edges: source entity %q of blueprint %q does not exist", e.From.Identifier, e.From.Blueprint)
		}
		to, ok := ids[e.To]
		if !ok {
			return nil, fmt.Errorf("write edges: relation %q of entity %q targets entity %q of blueprint %q, which does not exist",
				e.Relation, e.From.Identifier, e.To.Identifier, e.To.Blueprint)
		}
		r := edgeRow{from: from, to: to, relation: e.Relation}
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		vals = append(vals, from, e.Relation, to)
		added = append(added, graphindex.Edge{From: from, Relation: e.Relation, To: to})
	}
	if err := t.insertBatch(ctx, insertEdgeSpec, vals); err != nil {
		return nil, t.wrap("write edges", err)
	}
	return added, nil
}

// entityIDs maps keys to the ids of their entities; a key without an entity
// is absent from the map.
func (r *reader) entityIDs(ctx context.Context, keys []model.EntityKey) (map[model.EntityKey]int64, error) {
	out, err := r.keyInts(ctx, entityIDSpec, keys)
	if err != nil {
		return nil, fmt.Errorf("entity ids: %w", err)
	}
	return out, nil
}

// keyInts runs spec, whose rows are (identifier, integer), over keys and
// maps each key found to its integer.
func (r *reader) keyInts(ctx context.Context, spec listSpec, keys []model.EntityKey) (map[model.EntityKey]int64, error) {
	out := make(map[model.EntityKey]int64, len(keys))
	err := r.forKeyChunks(ctx, spec, nil, keys, func(bp string, rows *sql.Rows) error {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		out[model.EntityKey{Blueprint: bp, Identifier: id}] = n
		return nil
	})
	return out, err
}
