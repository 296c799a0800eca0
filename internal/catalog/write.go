package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// WriteOptions are the query parameters of Port's entity writes (§2.2).
type WriteOptions struct {
	Upsert                       bool
	Merge                        bool
	ValidationOnly               bool
	CreateMissingRelatedEntities bool
	RunID                        string
}

// WriteResult is the outcome of one entity write.
type WriteResult struct {
	Entity *model.Entity
	// Created is true when the write created the entity.
	Created bool
	// Before is the entity before the write (nil on create), for audit
	// diffs.
	Before *model.Entity
}

// writeMode is how one input meets the stored entity.
type writeMode int

const (
	modeCreate  writeMode = iota + 1 // 409 when it exists
	modeUpsert                       // create or replace
	modeMerge                        // create or patch
	modeReplace                      // replace; 404 when missing
	modePatch                        // patch; 404 when missing
)

func createMode(opts WriteOptions) writeMode {
	switch {
	case opts.Upsert && opts.Merge:
		return modeMerge
	case opts.Upsert:
		return modeUpsert
	}
	return modeCreate
}

// writeItem is one entity of a write, carried through the phases of
// writeBatch.
type writeItem struct {
	index     int
	blueprint string
	in        *model.EntityInput
	urlID     string // PUT/PATCH: the identifier from the URL

	id      string
	err     error
	parsed  *parsedInput
	before  *model.Entity
	after   *model.Entity
	created bool
	noop    bool
	// renameTo is the new identifier a PATCH gives the entity.
	renameTo string
}

func (it *writeItem) key(bp string) model.EntityKey {
	return model.EntityKey{Blueprint: bp, Identifier: it.id}
}

func (it *writeItem) subject(bp string) string {
	if it.id == "" {
		return fmt.Sprintf("entity of blueprint %q", bp)
	}
	return fmt.Sprintf("entity %q of blueprint %q", it.id, bp)
}

// fail records a problem with one item; the first error wins. A
// ValidationError without a subject gets the item's (built only now, to keep
// the valid path free of formatting).
func (it *writeItem) fail(err error) {
	if it.err != nil {
		return
	}
	var ve *model.ValidationError
	if errors.As(err, &ve) && ve.Subject == "" {
		ve.Subject = it.subject(it.blueprint)
	}
	it.err = err
}

// EntityCreate creates an entity; with Upsert it replaces an existing one,
// with Upsert and Merge it patches it. Without Upsert an existing identifier
// is an ErrConflict. With ValidationOnly everything is checked (relation
// targets included) but nothing is written, and the would-be entity is
// returned. An unchanged entity is not rewritten (no version, no event).
// The title defaults to the identifier; property defaults apply on create
// and replace; see entity.go for the other decisions Port leaves open.
func (s *Service) EntityCreate(ctx context.Context, actor model.Actor, blueprint string, in *model.EntityInput, opts WriteOptions) (*WriteResult, error) {
	return s.writeOne(ctx, actor, blueprint, &writeItem{in: in}, createMode(opts), opts)
}

// EntityReplace replaces an existing entity (PUT); fields not sent are dropped
// and defaults applied. A missing entity is an ErrNotFound. An identifier in
// the body must equal id (entities cannot be renamed).
func (s *Service) EntityReplace(ctx context.Context, actor model.Actor, blueprint, id string, in *model.EntityInput, opts WriteOptions) (*WriteResult, error) {
	return s.writeOne(ctx, actor, blueprint, &writeItem{in: in, urlID: id}, modeReplace, opts)
}

// EntityPatch changes only the fields sent (PATCH); properties and relations
// are merged key by key, and null clears a key (or title, icon, team). A
// missing entity is an ErrNotFound.
//
// An identifier in the body that differs from id renames the entity (port.md
// §1.11): in one transaction the old key is deleted and the entity created
// under the new one (createdAt/By kept, history starting afresh under the
// new key), and every entity whose relations pointed at the old identifier
// is rewritten to the new one. A taken identifier is an ErrConflict.
func (s *Service) EntityPatch(ctx context.Context, actor model.Actor, blueprint, id string, in *model.EntityInput, opts WriteOptions) (*WriteResult, error) {
	return s.writeOne(ctx, actor, blueprint, &writeItem{in: in, urlID: id}, modePatch, opts)
}

func (s *Service) writeOne(ctx context.Context, actor model.Actor, blueprint string, it *writeItem, mode writeMode, opts WriteOptions) (*WriteResult, error) {
	if it.in == nil {
		it.in = &model.EntityInput{}
	}
	if err := s.writeBatch(ctx, actor, blueprint, []*writeItem{it}, mode, opts, false); err != nil {
		return nil, err
	}
	if it.err != nil {
		return nil, it.err
	}
	return &WriteResult{Entity: it.after, Created: it.created, Before: it.before}, nil
}

// writeBatch writes items in ONE transaction: lock every key, read the
// current state, apply, check relation targets with one batched read, and
// apply every change with one EntityChangeApply. In a bulk write an item's
// problem is recorded on the item and the others go on; otherwise any
// problem aborts the whole write and nothing changes.
func (s *Service) writeBatch(ctx context.Context, actor model.Actor, blueprint string, items []*writeItem, mode writeMode, opts WriteOptions, bulk bool) error {
	pre := s.prepare(ctx, blueprint, items, mode)
	if s.afterPrepare != nil {
		s.afterPrepare()
	}
	run := s.inTx
	if bulk && s.serialWrites() && !opts.ValidationOnly {
		run = s.inGroupTx // with the bulk writes queued behind it (group.go)
	}
	attempt := 0
	return run(ctx, func(tx store.Tx) (bool, error) {
		// A retried transaction starts again from the caller's input, and
		// without the prepared work, whose after-states the first attempt
		// went on to change.
		attempt++
		if attempt > 1 {
			pre = nil
		}
		for _, it := range items {
			*it = writeItem{in: it.in, urlID: it.urlID}
		}
		bp, err := getBlueprint(ctx, tx, blueprint)
		if err != nil {
			return false, err
		}
		sch, err := s.schemas.get(bp)
		if err != nil {
			return false, err
		}
		all, err := blueprintMap(ctx, tx)
		if err != nil {
			return false, err
		}
		w := &batch{s: s, ctx: ctx, tx: tx, bp: bp, schema: sch, mode: mode, opts: opts, actor: actor, bps: map[string]*model.Blueprint{bp.Identifier: bp},
			all: all, access: s.newWriteAccess(ctx, tx, actor)}
		if ok, err := pre.matches(w); err != nil {
			return false, err
		} else if ok {
			w.pre = pre
		}
		if err := w.run(items); err != nil {
			return false, err
		}
		if err := w.computeItems(items, all); err != nil {
			return false, err
		}
		if !bulk {
			for _, it := range items {
				if it.err != nil {
					return false, it.err
				}
			}
		}
		changes := make([]store.EntityChange, 0, len(items)+len(w.stubs))
		for _, st := range w.stubs {
			changes = append(changes, store.EntityChange{Kind: store.ChangeCreate, After: st, Edges: nil})
		}
		for _, it := range items {
			if it.err == nil && it.renameTo != "" && it.renameTo != it.id {
				rc, err := w.renameChanges(it)
				if err != nil {
					return false, err
				}
				changes = append(changes, rc...)
				continue
			}
			if it.err != nil || it.noop {
				continue
			}
			kind := store.ChangeUpdate
			if it.created {
				kind = store.ChangeCreate
			}
			changes = append(changes, store.EntityChange{Kind: kind, Before: it.before, After: it.after, Edges: edgesAlong(bp, w.relIDs, it.after)})
		}
		if opts.ValidationOnly || len(changes) == 0 {
			return false, nil
		}
		if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: w.origin}); err != nil {
			return false, fmt.Errorf("write entities of %s: %w", blueprint, err)
		}
		if err := s.propagate(ctx, tx, all, changes, w.origin); err != nil {
			return false, err
		}
		return true, nil
	})
}

// batch is the state of one writeBatch.
type batch struct {
	s      *Service
	ctx    context.Context
	tx     store.Tx
	bp     *model.Blueprint
	schema *EntitySchema
	mode   writeMode
	opts   WriteOptions
	actor  model.Actor
	origin store.Origin
	// bps caches blueprints read in this transaction.
	bps map[string]*model.Blueprint
	// all is every blueprint, for computed properties.
	all map[string]*model.Blueprint
	// stubs are the entities create_missing_related_entities creates.
	stubs []*model.Entity
	// existing is the stored state of the batch's keys, by identifier.
	existing map[string]*model.Entity
	// relIDs are bp's relation identifiers, sorted.
	relIDs []string
	// locked holds the keys this transaction has locked.
	locked map[model.EntityKey]bool
	// access decides the caller's entity permissions (permissions.go).
	access *writeAccess
	// pre is the work done before the transaction (prepare.go), or nil.
	pre *preparation
}

func (w *batch) blueprint(id string) (*model.Blueprint, error) {
	if bp, ok := w.bps[id]; ok {
		return bp, nil
	}
	bp, err := getBlueprint(w.ctx, w.tx, id)
	if errors.Is(err, model.ErrNotFound) {
		bp = nil
	} else if err != nil {
		return nil, err
	}
	w.bps[id] = bp
	return bp, nil
}

func (w *batch) run(items []*writeItem) error {
	w.origin = w.s.origin(w.actor, w.opts.RunID)
	w.relIDs = sortedKeys(w.bp.Relations)
	bpID := w.bp.Identifier

	// 1. Identifiers (a query is resolved inside the transaction).
	seen := map[string]int{}
	for i, it := range items {
		it.index = i
		it.blueprint = bpID
		if it.in == nil {
			it.fail(model.Invalidf("entity %d of the request is empty", i))
			continue
		}
		if pi := w.preparedAt(i); pi != nil {
			it.id = pi.id // a plain identifier, decoded and checked before the transaction
		} else if err := w.resolveID(it); err != nil {
			if !isKinded(err) {
				return err
			}
			it.fail(err)
			continue
		}
		if j, dup := seen[it.id]; dup {
			ve := &model.ValidationError{}
			ve.Add("identifier", "entity %q appears more than once in this request (first at index %d)", it.id, j)
			it.fail(ve)
			continue
		}
		seen[it.id] = i
		if err := w.parse(it); err != nil {
			return err
		}
	}

	// 2. Lock every key written and every relation target named by
	// identifier, with one call: a concurrent delete of a target then waits
	// for this write (or this write sees the target gone), so no edge can
	// point at a deleted entity. Then read the current state of the keys.
	serial := w.s.serialWrites()
	var keys, lock []model.EntityKey
	w.locked = map[model.EntityKey]bool{}
	for _, it := range items {
		if it.err != nil {
			continue
		}
		own := []model.EntityKey{it.key(bpID)}
		if it.renameTo != "" {
			own = append(own, model.EntityKey{Blueprint: bpID, Identifier: it.renameTo})
		}
		keys = append(keys, own...)
		if serial {
			continue
		}
		lock = append(lock, own...)
		for _, rel := range w.relIDs {
			rv, ok := it.parsed.rels[rel]
			if !ok {
				continue
			}
			for _, id := range rv.ids {
				lock = append(lock, model.EntityKey{Blueprint: w.bp.Relations[rel].Target, Identifier: id})
			}
		}
	}
	existing := map[string]*model.Entity{}
	w.existing = existing
	if len(keys) > 0 && !serial {
		// With the entities whose computed values depend on these (as far
		// as can be told before locking): propagate would otherwise lock
		// them later, which under contention costs a rerun (catalog.go).
		deps, err := w.predictDependents(keys)
		if err != nil {
			return err
		}
		lock = append(lock, deps...)
		if err := lockKeys(w.ctx, w.tx, lock); err != nil {
			return fmt.Errorf("lock entities of %s: %w", bpID, err)
		}
		for _, k := range lock {
			w.locked[k] = true
		}
	}
	if len(keys) > 0 {
		es, err := getMany(w.ctx, w.tx, keys)
		if err != nil {
			return fmt.Errorf("read entities of %s: %w", bpID, err)
		}
		for _, e := range es {
			normaliseEntity(w.bp, e)
			existing[e.Identifier] = e
		}
	}

	// 3. Build each after-state and validate it on its own.
	for _, it := range items {
		if it.err != nil {
			continue
		}
		if it.renameTo != "" && it.renameTo != it.id && existing[it.renameTo] != nil {
			it.fail(model.Conflictf("cannot rename entity %q: entity %q of blueprint %q already exists", it.id, it.renameTo, bpID))
			continue
		}
		if err := w.build(it, existing[it.id]); err != nil {
			return err
		}
	}

	// 4. Permissions, decided on the built states before anything else reads
	// the items, so a denied item is failed like an invalid one (and the
	// items pointing at it fail too).
	for _, it := range items {
		if err := w.authorize(it); err != nil {
			return err
		}
	}

	// 5. Relation and team targets, read in one batch.
	return w.checkTargets(items)
}

// authorize fails it when the caller may not make its change: register on
// create, update (or per-property and per-relation grants) otherwise.
func (w *batch) authorize(it *writeItem) error {
	if it.err != nil || it.after == nil {
		return nil
	}
	var err error
	if it.created {
		err = w.access.register(w.bp, it.after)
	} else {
		err = w.access.update(w.bp, it.before, it.after, it.renameTo != "" && it.renameTo != it.id)
	}
	if err != nil && !isKinded(err) {
		return err
	}
	if err != nil {
		it.fail(err)
	}
	return nil
}

// isKinded reports whether err is a user-facing error (of a model kind)
// rather than an internal failure that must abort the write.
func isKinded(err error) bool {
	var ve *model.ValidationError
	var ke *model.KindError
	return errors.As(err, &ve) || errors.As(err, &ke)
}

func (w *batch) resolveID(it *writeItem) error {
	bpID := w.bp.Identifier
	raw := it.in.Identifier
	if it.urlID != "" {
		it.id = it.urlID
		if raw != nil && !isNull(raw) {
			var s string
			switch {
			case json.Unmarshal(raw, &s) == nil && s == it.urlID:
			case w.mode == modePatch && s != "":
				// PATCH may rename (port.md §1.11).
				if err := checkNewID(bpID, s); err != nil {
					return err
				}
				it.renameTo = s
			default:
				ve := &model.ValidationError{}
				ve.Add("identifier", "must be %q, the identifier in the URL (use PATCH to rename an entity)", it.urlID)
				return ve
			}
		}
		return nil
	}
	ve := &model.ValidationError{}
	switch {
	case raw == nil || isNull(raw):
		ve.Add("identifier", "is required")
		return ve
	case isQueryValue(raw):
		q, reason := parseMapQuery(raw, w.bp)
		if reason != "" {
			ve.Add("identifier", "%s", reason)
			return ve
		}
		ids, err := w.s.findMap(w.ctx, w.tx, q, bpID, 2, w.access.reads())
		if err != nil {
			return err
		}
		switch len(ids) {
		case 0:
			return model.NotFoundf("no entity of blueprint %q matches the identifier query (%s)", bpID, q.describe())
		case 1:
			it.id = ids[0]
		default:
			return model.Invalidf("the identifier query (%s) matches more than one entity of blueprint %q", q.describe(), bpID)
		}
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		ve.Add("identifier", "must be a string or a search query")
		return ve
	}
	if err := checkNewID(bpID, s); err != nil {
		return err
	}
	it.id = s
	return nil
}

// checkNewID checks an identifier a write gives an entity of blueprint bp.
func checkNewID(bp, id string) error {
	ve := &model.ValidationError{}
	if r := checkEntityID(id); r != "" {
		ve.Add("identifier", "%s", r)
	} else if bp == model.UserBlueprint && !userIDRe.MatchString(id) {
		ve.Add("identifier", "a user's identifier must be an email address")
	}
	return ve.Err()
}

// parse decodes it's input; a problem fails the item.
func (w *batch) parse(it *writeItem) error {
	if pi := w.prepared(it); pi != nil {
		it.parsed = pi.parsed
		if pi.parseErr != nil {
			it.fail(pi.parseErr)
		}
		return nil
	}
	var teamBP *model.Blueprint
	if it.in.Team != nil {
		var err error
		if teamBP, err = w.blueprint(model.TeamBlueprint); err != nil {
			return err
		}
	}
	ve := &model.ValidationError{}
	it.parsed = parseInput(ve, w.bp, teamBP, it.in)
	if err := ve.Err(); err != nil {
		it.fail(err)
	}
	return nil
}

// build computes it.after from the stored entity cur (nil when missing)
// and validates its properties.
func (w *batch) build(it *writeItem, cur *model.Entity) error {
	bpID := w.bp.Identifier
	patch := false
	switch w.mode {
	case modeCreate:
		if cur != nil {
			it.fail(model.Conflictf("entity %q of blueprint %q already exists", it.id, bpID))
			return nil
		}
	case modeReplace, modePatch:
		if cur == nil {
			it.fail(model.NotFoundf("entity %q of blueprint %q not found", it.id, bpID))
			return nil
		}
		patch = w.mode == modePatch
	case modeMerge:
		patch = cur != nil
	}

	var after *model.Entity
	if pre := w.prepared(it); !patch && pre != nil && pre.built {
		// Built and validated before the transaction (prepare.go).
		if pre.buildErr != nil {
			it.fail(pre.buildErr)
			return nil
		}
		after = pre.fresh
	} else {
		var err error
		if after, err = w.buildAfter(it, cur, patch); err != nil || it.err != nil {
			return err
		}
	}

	now := w.origin.Time
	if cur == nil {
		it.created = true
		after.CreatedAt, after.CreatedBy = now, w.actor.ID
		after.UpdatedAt, after.UpdatedBy = now, w.actor.ID
	} else {
		it.before = cur
		after.CreatedAt, after.CreatedBy = cur.CreatedAt, cur.CreatedBy
		stored := cloneEntity(cur)
		stripComputed(w.bp, stored.Properties)
		if sameContent(stored, after) {
			it.noop = true
			after.UpdatedAt, after.UpdatedBy = cur.UpdatedAt, cur.UpdatedBy
		} else {
			after.UpdatedAt, after.UpdatedBy = now, w.actor.ID
		}
	}
	it.after = after
	return nil
}

// buildAfter builds it's after-state from cur (patch) or from scratch, and
// validates it; a problem fails the item. It reads the transaction only to
// resolve search queries, so without them it runs before the transaction
// too (prepare.go).
func (w *batch) buildAfter(it *writeItem, cur *model.Entity, patch bool) (*model.Entity, error) {
	bpID := w.bp.Identifier
	ve := &model.ValidationError{}
	p := it.parsed
	teamBP := w.bps[model.TeamBlueprint]
	var after *model.Entity
	if patch {
		after = cloneEntity(cur)
		for k, v := range p.props {
			if v == nil {
				delete(after.Properties, k)
			} else {
				after.Properties[k] = v
			}
		}
	} else {
		after = &model.Entity{Identifier: it.id, Blueprint: bpID, Team: []string{}, Properties: map[string]any{}, Relations: map[string]any{}}
		for id, prop := range w.bp.Schema.Properties {
			if prop.Default != nil {
				after.Properties[id] = prop.Default
			}
		}
		for k, v := range p.props {
			if v == nil {
				delete(after.Properties, k)
			} else {
				after.Properties[k] = v
			}
		}
	}
	if p.titleSet || !patch {
		after.Title = it.id
		if p.title != nil && *p.title != "" {
			after.Title = *p.title
		}
	}
	if p.iconSet || !patch {
		after.Icon = ""
		if p.icon != nil {
			after.Icon = *p.icon
		}
	}
	if p.teamSet && (p.team.null || p.team.ids != nil) {
		after.Team = append([]string{}, p.team.ids...)
	}
	// Computed values are recomputed after the build (computeItems); a
	// client may not set them.
	for _, k := range sortedKeys(p.props) {
		if isComputedID(w.bp, k) {
			ve.Add("properties."+k, "is a computed (mirror, calculation or aggregation) property and cannot be written")
		}
	}
	stripComputed(w.bp, after.Properties)
	if err := w.schema.Validate(after.Properties); err != nil {
		var pve *model.ValidationError
		if !errors.As(err, &pve) {
			return nil, err
		}
		it.fail(pve)
		return nil, nil
	}
	// Validated as sent; stored in the one form queries compare.
	normaliseDateTimes(w.bp, after.Properties)

	// Relations: resolve queries now; existence is checked in one batch.
	for rel, rv := range p.rels {
		r := w.bp.Relations[rel]
		switch {
		case rv.null:
			after.Relations[rel] = emptyRel(r.Many)
		case rv.query != nil || isQueryValue(rv.raw):
			tbp, err := w.blueprint(r.Target)
			if err != nil {
				return nil, err
			}
			if tbp == nil {
				it.fail(model.Invalidf("relations.%s: target blueprint %q does not exist", rel, r.Target))
				return nil, nil
			}
			ids, err := w.resolveQuery(it, "relations."+rel, rv.raw, tbp, r.Many)
			if err != nil {
				return nil, err
			}
			if it.err != nil {
				return nil, nil
			}
			after.Relations[rel] = relOf(ids, r.Many)
		default:
			after.Relations[rel] = relOf(rv.ids, r.Many)
		}
	}
	if p.teamSet && p.team.query != nil {
		ids, err := w.resolveQuery(it, "team", p.team.raw, teamBP, true)
		if err != nil || it.err != nil {
			return nil, err
		}
		after.Team = ids
	}
	if !patch {
		for rel, r := range w.bp.Relations {
			if _, ok := after.Relations[rel]; !ok {
				after.Relations[rel] = emptyRel(r.Many)
			}
		}
	}
	for _, rel := range sortedKeys(w.bp.Relations) {
		if w.bp.Relations[rel].Required && after.Relations[rel] == nil {
			ve.Add("relations."+rel, "is required")
		}
	}
	if err := ve.Err(); err != nil {
		it.fail(err)
		return nil, nil
	}
	return after, nil
}

// resolveQuery runs a relation or team search query against tbp.
func (w *batch) resolveQuery(it *writeItem, field string, raw json.RawMessage, tbp *model.Blueprint, many bool) ([]string, error) {
	ve := &model.ValidationError{}
	q, reason := parseMapQuery(raw, tbp)
	if reason != "" {
		ve.Add(field, "%s", reason)
		it.fail(ve)
		return nil, nil
	}
	ids, err := w.s.findMap(w.ctx, w.tx, q, tbp.Identifier, maxQueryMatches+1, w.access.reads())
	if err != nil {
		return nil, err
	}
	switch {
	case len(ids) > maxQueryMatches:
		ve.Add(field, "the search query (%s) matches more than %d entities", q.describe(), maxQueryMatches)
	case !many && len(ids) == 0:
		ve.Add(field, "the search query (%s) matches no entity of blueprint %q", q.describe(), tbp.Identifier)
	case !many && len(ids) > 1:
		ve.Add(field, "the search query (%s) matches %d entities but the relation is single", q.describe(), len(ids))
	}
	if err := ve.Err(); err != nil {
		it.fail(err)
		return nil, nil
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

func emptyRel(many bool) any {
	if many {
		return []string{}
	}
	return nil
}

func relOf(ids []string, many bool) any {
	if many {
		return append([]string{}, ids...)
	}
	if len(ids) == 0 {
		return nil
	}
	return ids[0]
}

// sameContent reports whether a and b hold the same user data.
func sameContent(a, b *model.Entity) bool {
	return a.Title == b.Title && a.Icon == b.Icon &&
		reflect.DeepEqual(a.Team, b.Team) &&
		reflect.DeepEqual(a.Properties, b.Properties) &&
		reflect.DeepEqual(a.Relations, b.Relations)
}

// checkTargets checks that every relation target and team exists, reading
// all of them with one EntityGetMany. Targets created in the same batch
// count as existing; an item that fails makes the items pointing at it fail
// too. With CreateMissingRelatedEntities missing targets become stubs.
func (w *batch) checkTargets(items []*writeItem) error {
	bpID := w.bp.Identifier
	inBatch := func() map[model.EntityKey]*writeItem {
		m := map[model.EntityKey]*writeItem{}
		for _, it := range items {
			if it.err == nil && it.after != nil {
				m[it.key(bpID)] = it
			}
		}
		return m
	}
	batchKeys := inBatch()
	want := map[model.EntityKey]bool{}
	var keys []model.EntityKey
	add := func(k model.EntityKey) {
		if _, ok := batchKeys[k]; ok || want[k] {
			return
		}
		want[k] = true
		keys = append(keys, k)
	}
	for _, it := range items {
		if it.err != nil || it.after == nil {
			continue
		}
		w.forTargets(it, add)
	}
	found := map[model.EntityKey]bool{}
	if len(keys) > 0 {
		if !w.s.serialWrites() {
			var more []model.EntityKey
			for _, k := range keys {
				if !w.locked[k] && k.Blueprint != model.TeamBlueprint {
					more = append(more, k)
					w.locked[k] = true
				}
			}
			if len(more) > 0 { // targets found by a search query
				if err := lockKeys(w.ctx, w.tx, more); err != nil {
					return fmt.Errorf("lock relation targets: %w", err)
				}
			}
		}
		// Existence is all that is checked: the key's index answers it
		// without reading the targets' rows.
		es, err := readMany(w.ctx, w.tx, keys, true)
		if err != nil {
			return fmt.Errorf("read relation targets: %w", err)
		}
		for _, e := range es {
			found[e.Key()] = true
		}
	}

	// Missing targets: stubs or errors.
	stubs := map[model.EntityKey]bool{}
	for _, it := range items {
		if it.err != nil || it.after == nil {
			continue
		}
		ve := &model.ValidationError{}
		w.forTargetsField(it, func(rel string, k model.EntityKey) {
			if _, ok := batchKeys[k]; ok || found[k] || stubs[k] {
				return
			}
			if rel == "" {
				ve.Add("team", "team %q does not exist", k.Identifier)
				return
			}
			if !w.opts.CreateMissingRelatedEntities {
				ve.Add(targetField(rel), "target entity %q of blueprint %q does not exist", k.Identifier, k.Blueprint)
				return
			}
			if model.IsSystemBlueprint(k.Blueprint) {
				ve.Add(targetField(rel), "target entity %q of blueprint %q does not exist, and entities of system blueprints are never created implicitly", k.Identifier, k.Blueprint)
				return
			}
			stubs[k] = true
		})
		if err := ve.Err(); err != nil {
			it.fail(err)
		}
	}
	if len(stubs) > 0 {
		if err := w.makeStubs(items, stubs); err != nil {
			return err
		}
	}

	// Items pointing at a failed item of the same batch fail too.
	anyFailed := false
	for _, it := range items {
		anyFailed = anyFailed || it.err != nil
	}
	for changed := anyFailed; changed; {
		changed = false
		ok := inBatch()
		for _, it := range items {
			if it.err != nil || it.after == nil {
				continue
			}
			w.forTargetsField(it, func(rel string, k model.EntityKey) {
				if it.err != nil || found[k] || stubs[k] {
					return
				}
				if _, in := ok[k]; in {
					return
				}
				if k.Blueprint == bpID && w.existing[k.Identifier] != nil {
					return // stored already; the failed item only did not change it
				}
				if _, wasInBatch := batchKeys[k]; wasInBatch {
					ve := &model.ValidationError{}
					ve.Add(targetField(rel), "target entity %q of blueprint %q is not written: it failed in this request", k.Identifier, k.Blueprint)
					it.fail(ve)
					changed = true
				}
			})
		}
	}
	w.pruneStubs(items)
	return nil
}

func (w *batch) forTargets(it *writeItem, fn func(model.EntityKey)) {
	w.forTargetsField(it, func(_ string, k model.EntityKey) { fn(k) })
}

// forTargetsField calls fn for every relation target and team of it.after
// that the input sent (unchanged stored values are not re-checked), with
// the relation's identifier ("" for the team: targetField names both).
func (w *batch) forTargetsField(it *writeItem, fn func(rel string, k model.EntityKey)) {
	for _, rel := range w.relIDs {
		if _, sent := it.parsed.rels[rel]; !sent {
			continue
		}
		r := w.bp.Relations[rel]
		for _, t := range model.RelationValueTargets(it.after.Relations[rel]) {
			fn(rel, model.EntityKey{Blueprint: r.Target, Identifier: t})
		}
	}
	if it.parsed.teamSet {
		for _, t := range it.after.Team {
			fn("", model.EntityKey{Blueprint: model.TeamBlueprint, Identifier: t})
		}
	}
}

// makeStubs creates the missing related entities (identifier only, title =
// identifier). A stub its blueprint's schema refuses (required
// properties or relations) fails the items that need it.
func (w *batch) makeStubs(items []*writeItem, stubs map[model.EntityKey]bool) error {
	keys := make([]model.EntityKey, 0, len(stubs))
	for k := range stubs {
		keys = append(keys, k)
	}
	sortKeys(keys) // deterministic stub order
	// Every stub key is a relation target, locked and read (missing) by
	// checkTargets already, so no concurrent writer can create it meanwhile.
	bad := map[model.EntityKey]string{}
	denied := map[model.EntityKey]error{}
	now := w.origin.Time
	for _, k := range keys {
		tbp, err := w.blueprint(k.Blueprint)
		if err != nil {
			return err
		}
		if tbp == nil {
			bad[k] = fmt.Sprintf("blueprint %q does not exist", k.Blueprint)
			continue
		}
		if r := checkEntityID(k.Identifier); r != "" {
			bad[k] = "identifier " + r
			continue
		}
		stub := &model.Entity{Identifier: k.Identifier, Title: k.Identifier, Blueprint: k.Blueprint, Team: []string{},
			Properties: map[string]any{}, Relations: map[string]any{},
			CreatedAt: now, CreatedBy: w.actor.ID, UpdatedAt: now, UpdatedBy: w.actor.ID}
		for id, p := range tbp.Schema.Properties {
			if p.Default != nil {
				stub.Properties[id] = p.Default
			}
		}
		for rel, r := range tbp.Relations {
			if r.Required {
				bad[k] = fmt.Sprintf("blueprint %q requires relation %q", k.Blueprint, rel)
			}
			stub.Relations[rel] = emptyRel(r.Many)
		}
		sch, err := w.s.schemas.get(tbp)
		if err != nil {
			return err
		}
		if err := sch.Validate(stub.Properties); err != nil {
			bad[k] = fmt.Sprintf("blueprint %q refuses an entity with only an identifier (%v)", k.Blueprint, err)
		}
		if _, isBad := bad[k]; isBad {
			continue
		}
		// Creating a missing target is a create on its blueprint.
		if err := w.access.register(tbp, stub); err != nil {
			if !isKinded(err) {
				return err
			}
			denied[k] = err
			continue
		}
		w.stubs = append(w.stubs, stub)
	}
	for _, it := range items {
		if it.err != nil || it.after == nil {
			continue
		}
		ve := &model.ValidationError{}
		w.forTargetsField(it, func(rel string, k model.EntityKey) {
			if err, ok := denied[k]; ok {
				it.fail(err)
			}
			if reason, ok := bad[k]; ok {
				ve.Add(targetField(rel), "cannot create missing entity %q: %s", k.Identifier, reason)
			}
		})
		if err := ve.Err(); err != nil {
			it.fail(err)
		}
	}
	return nil
}

// pruneStubs keeps only the stubs some surviving item still points at.
func (w *batch) pruneStubs(items []*writeItem) {
	if len(w.stubs) == 0 {
		return
	}
	need := map[model.EntityKey]bool{}
	for _, it := range items {
		if it.err == nil && it.after != nil {
			w.forTargets(it, func(k model.EntityKey) { need[k] = true })
		}
	}
	kept := w.stubs[:0]
	for _, st := range w.stubs {
		if need[st.Key()] {
			kept = append(kept, st)
		}
	}
	w.stubs = kept
}

// renameChanges turns a PATCH that renames an entity into changes: the old
// key is deleted, the entity is created under the new one (keeping
// createdAt/By; relations of this blueprint that pointed at the old
// identifier follow it), and every entity that pointed at the old
// identifier is rewritten to point at the new one (locked first).
func (w *batch) renameChanges(it *writeItem) ([]store.EntityChange, error) {
	bpID := w.bp.Identifier
	oldKey := it.key(bpID)
	after := cloneEntity(it.after)
	after.Identifier = it.renameTo
	after.UpdatedAt, after.UpdatedBy = w.origin.Time, w.actor.ID
	if after.Title == it.id && (it.parsed.title == nil || *it.parsed.title == "") {
		after.Title = it.renameTo // the title followed the identifier by default
	}
	repoint := func(bp *model.Blueprint, e *model.Entity) {
		for rel, r := range bp.Relations {
			if r.Target != bpID {
				continue
			}
			switch v := e.Relations[rel].(type) {
			case string:
				if v == it.id {
					e.Relations[rel] = it.renameTo
				}
			case []string:
				l := make([]string, len(v))
				for i, x := range v {
					if x == it.id {
						x = it.renameTo
					}
					l[i] = x
				}
				e.Relations[rel] = l
			}
		}
	}
	repoint(w.bp, after)
	it.after = after
	changes := []store.EntityChange{
		{Kind: store.ChangeDelete, Before: it.before},
		{Kind: store.ChangeCreate, After: after, Edges: edgesOf(w.bp, after)},
	}
	edges, err := w.tx.EdgeListIncoming(w.ctx, &store.EdgeListIncomingParams{To: []model.EntityKey{oldKey}})
	if err != nil {
		return nil, fmt.Errorf("list dependents of %s/%s: %w", bpID, it.id, err)
	}
	seen := map[model.EntityKey]bool{oldKey: true}
	var deps []model.EntityKey
	for _, e := range edges {
		if !seen[e.From] {
			seen[e.From] = true
			deps = append(deps, e.From)
		}
	}
	if len(deps) == 0 {
		return changes, nil
	}
	if err := lockKeys(w.ctx, w.tx, deps); err != nil {
		return nil, err
	}
	es, err := getMany(w.ctx, w.tx, deps)
	if err != nil {
		return nil, err
	}
	for _, before := range es {
		dbp, err := w.blueprint(before.Blueprint)
		if err != nil {
			return nil, err
		}
		if dbp == nil {
			continue
		}
		normaliseEntity(dbp, before)
		d := cloneEntity(before)
		repoint(dbp, d)
		d.UpdatedAt, d.UpdatedBy = w.origin.Time, w.actor.ID
		changes = append(changes, store.EntityChange{Kind: store.ChangeUpdate, Before: before, After: d, Edges: edgesOf(dbp, d)})
	}
	return changes, nil
}

// computeItems sets the computed values of every built item (see
// computed.go). An item the build found unchanged still writes when its
// computed values moved; its updatedAt stays, as no user changed it.
func (w *batch) computeItems(items []*writeItem, bps map[string]*model.Blueprint) error {
	if !hasComputed(w.bp) {
		return nil
	}
	var es []*model.Entity
	var its []*writeItem
	for _, it := range items {
		if it.err == nil && it.after != nil {
			es = append(es, it.after)
			its = append(its, it)
		}
	}
	c := w.s.newComputer(w.ctx, w.tx, bps)
	for _, it := range its {
		c.cache[it.after.Key()] = it.after
	}
	if err := c.computeEntities(w.bp, es); err != nil {
		return err
	}
	for _, it := range its {
		if it.noop && it.before != nil && !sameContent(it.before, it.after) {
			it.noop = false
		}
	}
	return nil
}

// predictDependents returns the entities propagate will most likely have to
// lock after this write of keys: the dependents of their current state,
// read before any lock (so possibly stale: propagate still finds and locks
// the real ones). It reads nothing when no computed value depends on
// entities of the batch's blueprint.
func (w *batch) predictDependents(keys []model.EntityKey) ([]model.EntityKey, error) {
	paths := dependentPaths(w.all)
	onPath := false
	for _, dps := range paths {
		for _, dp := range dps {
			for _, h := range dp.hops {
				onPath = onPath || h.To == w.bp.Identifier
			}
		}
	}
	if !onPath {
		return nil, nil
	}
	c := w.s.newComputer(w.ctx, w.tx, w.all)
	cur, err := c.fetch(keys)
	if err != nil {
		return nil, err
	}
	var changes []store.EntityChange
	for _, k := range keys {
		if e := cur[k]; e != nil {
			changes = append(changes, store.EntityChange{Kind: store.ChangeUpdate, Before: e})
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	return c.dependents(paths, changes, false)
}
