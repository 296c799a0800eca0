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
// Renaming a relation also renames it in schema-level references of this
// blueprint: ownership path and mirror paths that start with it. A rename
// that would break another blueprint (a mirror or ownership path through
// this blueprint) is refused with ErrConflict.
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
			if o := nb.Ownership; o != nil && o.Type == model.OwnershipInherited {
				o.Path = renameFirstStep(o.Path, from, to)
			}
			for k, m := range nb.MirrorProperties {
				m.Path = renameFirstStep(m.Path, from, to)
				nb.MirrorProperties[k] = m
			}
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
		return nb, nil
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
	return s.blueprintUpdate(ctx, actor, id, build, migrate)
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

// renameFirstStep renames the first step of a dotted path.
func renameFirstStep(path, from, to string) string {
	if path == from {
		return to
	}
	if strings.HasPrefix(path, from+".") {
		return to + path[len(from):]
	}
	return path
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
	es, err := tx.EntityList(ctx, &store.EntityListParams{Blueprint: nb.Identifier})
	if err != nil {
		return fmt.Errorf("list entities of %s: %w", nb.Identifier, err)
	}
	if len(es) == 0 {
		return nil
	}
	keys := make([]model.EntityKey, len(es))
	for i, e := range es {
		keys[i] = e.Key()
	}
	if err := lockKeys(ctx, tx, keys); err != nil {
		return fmt.Errorf("lock entities of %s: %w", nb.Identifier, err)
	}
	if es, err = getMany(ctx, tx, keys); err != nil {
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
