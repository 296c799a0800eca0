package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// RenameKind selects what BlueprintRename renames.
type RenameKind string

// Rename kinds, matching Port's rename routes.
const (
	RenameProperty RenameKind = "property"
	RenameMirror   RenameKind = "mirror"
	RenameRelation RenameKind = "relation"
)

// renameField is the body field of Port's rename routes that carries the new
// identifier; validation errors name it.
func (k RenameKind) renameField() string {
	switch k {
	case RenameMirror:
		return "newMirrorName"
	case RenameRelation:
		return "newRelationIdentifier"
	}
	return "newPropertyName"
}

// BlueprintRename renames a property, mirror property or relation, keeping
// every entity's data under the new name: each entity of the blueprint is
// rewritten in the same transaction (new version and event, edges renamed).
// Every mirror path and inherited-ownership path, of this blueprint or any
// other, that walks through what is renamed is rewritten in the same
// transaction; a property rename also renames it in schema.required. A
// rename that would still break another blueprint is refused with
// ErrConflict.
func (s *Service) BlueprintRename(ctx context.Context, actor model.Actor, id string, kind RenameKind, from, to string) (*model.Blueprint, error) {
	ve := &model.ValidationError{Subject: fmt.Sprintf("blueprint %q", id)}
	if r := checkPropertyID(to); r != "" {
		ve.Add(kind.renameField(), "%s", r)
		return nil, ve
	}
	switch kind {
	case RenameProperty, RenameMirror, RenameRelation:
	default:
		return nil, model.Invalidf("cannot rename a %q; only property, mirror or relation", kind)
	}
	build := func(old *model.Blueprint) (*model.Blueprint, error) {
		nb := cloneBlueprint(old)
		if from == to {
			return nb, nil
		}
		if taken(nb, to) {
			ve.Add(kind.renameField(), "identifier %q is already used in blueprint %q", to, id)
			return nil, ve
		}
		switch kind {
		case RenameProperty:
			p, ok := nb.Schema.Properties[from]
			if !ok {
				return nil, model.NotFoundf("property %q of blueprint %q not found", from, id)
			}
			delete(nb.Schema.Properties, from)
			nb.Schema.Properties[to] = p
			for i, r := range nb.Schema.Required {
				if r == from {
					nb.Schema.Required[i] = to
				}
			}
		case RenameMirror:
			m, ok := nb.MirrorProperties[from]
			if !ok {
				return nil, model.NotFoundf("mirror property %q of blueprint %q not found", from, id)
			}
			delete(nb.MirrorProperties, from)
			nb.MirrorProperties[to] = m
		case RenameRelation:
			r, ok := nb.Relations[from]
			if !ok {
				return nil, model.NotFoundf("relation %q of blueprint %q not found", from, id)
			}
			delete(nb.Relations, from)
			nb.Relations[to] = r
			for k, a := range nb.AggregationProperties {
				for i, pf := range a.PathFilter {
					if pf.FromBlueprint == "" && len(pf.Path) > 0 && pf.Path[0] == from {
						path := append([]string{}, pf.Path...)
						path[0] = to
						a.PathFilter[i].Path = path
					}
				}
				nb.AggregationProperties[k] = a
			}
		}
		// Paths of this blueprint that walk through what is renamed.
		self := func(b string) *model.Blueprint {
			if b == id {
				return old
			}
			return nil
		}
		renameBlueprintPaths(nb, old, self, id, kind, from, to)
		return nb, nil
	}
	related := func(all map[string]*model.Blueprint) []*model.Blueprint {
		if from == to {
			return nil
		}
		lookup := func(b string) *model.Blueprint { return all[b] }
		var out []*model.Blueprint
		for _, oid := range sortedKeys(all) {
			if oid == id {
				continue
			}
			o := cloneBlueprint(all[oid])
			if renameBlueprintPaths(o, all[oid], lookup, id, kind, from, to) {
				out = append(out, o)
			}
		}
		return out
	}
	var migrate func(e *model.Entity) bool
	if from != to {
		switch kind {
		case RenameProperty:
			migrate = func(e *model.Entity) bool { return moveKey(e.Properties, from, to) }
		case RenameRelation:
			migrate = func(e *model.Entity) bool { return moveKey(e.Relations, from, to) }
		}
	}
	if migrate == nil {
		migrate = func(*model.Entity) bool { return false }
	}
	// The stored permissions follow a renamed property or relation.
	var perms func(p *model.EntityPermissions) bool
	if from != to {
		switch kind {
		case RenameProperty:
			perms = func(p *model.EntityPermissions) bool { return moveGrant(p.UpdateProperties, from, to) }
		case RenameRelation:
			perms = func(p *model.EntityPermissions) bool { return moveGrant(p.UpdateRelations, from, to) }
		}
	}
	return s.blueprintUpdate(ctx, actor, id, updateSpec{build: build, migrate: migrate, related: related, permissions: perms})
}

// taken reports whether id names anything of bp an entity shows.
func taken(bp *model.Blueprint, id string) bool {
	_, a := bp.Schema.Properties[id]
	_, b := bp.Relations[id]
	_, c := bp.MirrorProperties[id]
	_, d := bp.CalculationProperties[id]
	_, e := bp.AggregationProperties[id]
	return a || b || c || d || e
}

func moveKey(m map[string]any, from, to string) bool {
	v, ok := m[from]
	if !ok {
		return false
	}
	delete(m, from)
	m[to] = v
	return true
}

// renameBlueprintPaths renames, in nb (a copy of old), every mirror path
// and the ownership path that walks through what is renamed in blueprint
// id: a relation step, or the final property or mirror step. Paths are
// walked over the stored definitions (old, lookup). It reports whether
// anything changed.
func renameBlueprintPaths(nb, old *model.Blueprint, lookup func(string) *model.Blueprint, id string, kind RenameKind, from, to string) bool {
	changed := false
	for k, m := range nb.MirrorProperties {
		if p := renameInPath(m.Path, old, lookup, id, kind, from, to, true); p != m.Path {
			m.Path = p
			nb.MirrorProperties[k] = m
			changed = true
		}
	}
	if o := nb.Ownership; o != nil && o.Type == model.OwnershipInherited && kind == RenameRelation {
		if p := renameInPath(o.Path, old, lookup, id, kind, from, to, false); p != o.Path {
			o.Path = p
			changed = true
		}
	}
	return changed
}

// renameInPath walks a dotted relation path from start and renames the
// steps that name what is renamed in blueprint id. With endsInProperty the
// last step is a property (or mirror, or meta-property) of the blueprint
// reached, not a relation.
func renameInPath(path string, start *model.Blueprint, lookup func(string) *model.Blueprint, id string, kind RenameKind, from, to string, endsInProperty bool) string {
	steps := strings.Split(path, ".")
	rels := steps
	if endsInProperty {
		if len(steps) < 2 {
			return path
		}
		rels = steps[:len(steps)-1]
	}
	cur := start
	for i, step := range rels {
		if cur == nil {
			return strings.Join(steps, ".")
		}
		r, ok := cur.Relations[step]
		if cur.Identifier == id && kind == RenameRelation && step == from {
			steps[i] = to
		}
		if !ok {
			return strings.Join(steps, ".")
		}
		cur = lookup(r.Target)
	}
	last := len(steps) - 1
	if endsInProperty && cur != nil && cur.Identifier == id && kind != RenameRelation && steps[last] == from {
		steps[last] = to
	}
	return strings.Join(steps, ".")
}

// cloneBlueprint deep-copies the maps a rename changes.
func cloneBlueprint(bp *model.Blueprint) *model.Blueprint {
	nb := *bp
	nb.Schema.Properties = make(map[string]model.Property, len(bp.Schema.Properties))
	for k, v := range bp.Schema.Properties {
		nb.Schema.Properties[k] = v
	}
	nb.Schema.Required = append([]string{}, bp.Schema.Required...)
	nb.Relations = make(map[string]model.Relation, len(bp.Relations))
	for k, v := range bp.Relations {
		nb.Relations[k] = v
	}
	nb.MirrorProperties = make(map[string]model.MirrorProperty, len(bp.MirrorProperties))
	for k, v := range bp.MirrorProperties {
		nb.MirrorProperties[k] = v
	}
	nb.AggregationProperties = make(map[string]model.AggregationProperty, len(bp.AggregationProperties))
	for k, v := range bp.AggregationProperties {
		v.PathFilter = append([]model.PathFilter{}, v.PathFilter...)
		nb.AggregationProperties[k] = v
	}
	nb.CalculationProperties = make(map[string]model.CalculationProperty, len(bp.CalculationProperties))
	for k, v := range bp.CalculationProperties {
		nb.CalculationProperties[k] = v
	}
	if bp.Ownership != nil {
		o := *bp.Ownership
		nb.Ownership = &o
	}
	return &nb
}

// rewriteEntities rewrites every entity of nb through fn (which changes the
// raw stored entity and reports whether it did), normalises it for nb and
// writes the changed ones with one EntityChangeApply: new versions, events
// and edges.
func (s *Service) rewriteEntities(ctx context.Context, tx store.Tx, nb *model.Blueprint, o store.Origin, fn func(e *model.Entity) bool) error {
	es, err := lockedEntities(ctx, tx, nb.Identifier)
	if err != nil || len(es) == 0 {
		return err
	}
	changes := make([]store.EntityChange, 0, len(es))
	for _, before := range es {
		after := cloneEntity(before)
		if after.Properties == nil {
			after.Properties = map[string]any{}
		}
		if after.Relations == nil {
			after.Relations = map[string]any{}
		}
		if !fn(after) {
			continue
		}
		normaliseEntity(nb, after)
		after.UpdatedAt, after.UpdatedBy = o.Time, o.Actor
		changes = append(changes, store.EntityChange{Kind: store.ChangeUpdate, Before: before, After: after, Edges: edgesOf(nb, after)})
	}
	if len(changes) == 0 {
		return nil
	}
	if err := tx.EntityChangeApply(ctx, &store.EntityChangeApplyParams{Changes: changes, Origin: o}); err != nil {
		return fmt.Errorf("rewrite entities of %s: %w", nb.Identifier, err)
	}
	return nil
}

// lockedEntities locks every entity of blueprint bp and reads them after the
// lock, so a concurrent writer's change is either seen or waits for tx.
func lockedEntities(ctx context.Context, tx store.Tx, bp string) ([]*model.Entity, error) {
	es, err := tx.EntityList(ctx, &store.EntityListParams{Blueprint: bp})
	if err != nil {
		return nil, fmt.Errorf("list entities of %s: %w", bp, err)
	}
	if len(es) == 0 {
		return nil, nil
	}
	keys := make([]model.EntityKey, len(es))
	for i, e := range es {
		keys[i] = e.Key()
	}
	if err := lockKeys(ctx, tx, keys); err != nil {
		return nil, fmt.Errorf("lock entities of %s: %w", bp, err)
	}
	return getMany(ctx, tx, keys)
}
