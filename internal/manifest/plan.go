package manifest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
)

// MaxBatch is the largest bulk batch Plan makes: Atrium's bulk limit
// (Port's is 20; DESIGN/issue #2 lift it to 1,000).
const MaxBatch = 1000

// Plan is the order in which a Set is applied.
type Plan struct {
	// Blueprints in dependency order (targets before the blueprints that
	// relate to them; cycles broken by identifier). Apply each one's
	// Skeleton first when it does not exist yet, then the complete one.
	Blueprints []*Blueprint
	// Batches of entities in apply order. Every entity appears in exactly one
	// batch with Partial false; an entity in a relation cycle also appears
	// earlier in a Partial batch with the cycle's relations left out.
	Batches []Batch
}

// Batch is one bulk write: up to MaxBatch entities of one blueprint.
type Batch struct {
	Blueprint string
	Entities  []*Entity
	// Partial batches hold entities with the relations that close a cycle
	// removed; the same entities follow complete in a later batch.
	Partial bool
}

// Skeleton returns the blueprint without anything that points at another
// blueprint — relations, mirror and aggregation properties, inherited
// ownership — so that every blueprint of a set can be created before any
// relation between them exists. Calculation properties are kept: they only
// read the entity itself.
func Skeleton(bp *model.Blueprint) *model.Blueprint {
	out := *bp
	out.Relations = map[string]model.Relation{}
	out.MirrorProperties = map[string]model.MirrorProperty{}
	out.AggregationProperties = map[string]model.AggregationProperty{}
	if out.Ownership != nil && out.Ownership.Type == model.OwnershipInherited {
		out.Ownership = nil
	}
	return &out
}

// HasReferences reports whether Skeleton(bp) differs from bp.
func HasReferences(bp *model.Blueprint) bool {
	return len(bp.Relations) > 0 || len(bp.MirrorProperties) > 0 || len(bp.AggregationProperties) > 0 ||
		(bp.Ownership != nil && bp.Ownership.Type == model.OwnershipInherited)
}

// blueprintDeps returns the blueprints bp refers to, other than itself.
func blueprintDeps(bp *model.Blueprint) []string {
	var deps []string
	for _, r := range bp.Relations {
		deps = append(deps, r.Target)
	}
	for _, a := range bp.AggregationProperties {
		deps = append(deps, a.Target)
	}
	if bp.Ownership != nil && bp.Ownership.Type == model.OwnershipDirect {
		deps = append(deps, model.TeamBlueprint)
	}
	return deps
}

// NewPlan orders s for applying. maxBatch ≤ 0 means MaxBatch.
func (s *Set) NewPlan(maxBatch int) *Plan {
	if maxBatch <= 0 || maxBatch > MaxBatch {
		maxBatch = MaxBatch
	}
	p := &Plan{}

	// Blueprints: a DFS post-order over relation targets, roots visited by
	// identifier so the order is deterministic.
	byID := map[string]*Blueprint{}
	for _, bp := range s.Blueprints {
		if _, dup := byID[bp.Identifier]; !dup {
			byID[bp.Identifier] = bp
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	bpRank := map[string]int{}
	state := map[string]int{} // 1 visiting, 2 done
	var visitBP func(id string)
	visitBP = func(id string) {
		bp, ok := byID[id]
		if !ok || state[id] != 0 {
			return // unknown here (exists on the server, or a typo) or a cycle
		}
		state[id] = 1
		deps := blueprintDeps(&bp.Blueprint)
		slices.Sort(deps)
		for _, d := range deps {
			visitBP(d)
		}
		state[id] = 2
		bpRank[id] = len(p.Blueprints)
		p.Blueprints = append(p.Blueprints, bp)
	}
	for _, id := range ids {
		visitBP(id)
	}

	// Entities: a DFS over relation targets (and owning teams, which are
	// _team entities). A target still being visited closes a cycle: that
	// relation is cut and the entity is written twice.
	ents := map[model.EntityKey]*Entity{}
	for _, e := range s.Entities {
		if _, dup := ents[e.Key()]; !dup {
			ents[e.Key()] = e
		}
	}
	relTarget := func(e *Entity, rel string) string {
		if bp, ok := byID[e.Blueprint]; ok {
			if r, ok := bp.Relations[rel]; ok {
				return r.Target
			}
		}
		return "" // unknown blueprint or relation: the server will say
	}
	level := map[model.EntityKey]int{}
	estate := map[model.EntityKey]int{}
	cut := map[model.EntityKey]map[string]bool{}
	type frame struct {
		e    *Entity
		deps []edge
		i    int
		lvl  int
	}
	depsOf := func(e *Entity) []edge {
		var out []edge
		for _, rel := range sortedKeys(e.Relations) {
			target := relTarget(e, rel)
			if target == "" {
				continue
			}
			for _, id := range e.RelationTargets(rel) {
				out = append(out, edge{rel: rel, to: model.EntityKey{Blueprint: target, Identifier: id}})
			}
		}
		for _, t := range e.Team {
			out = append(out, edge{to: model.EntityKey{Blueprint: model.TeamBlueprint, Identifier: t}})
		}
		return out
	}
	// Iterative DFS: catalogs can hold long dependency chains.
	visit := func(root *Entity) {
		if estate[root.Key()] != 0 {
			return
		}
		stack := []*frame{{e: root, deps: depsOf(root)}}
		estate[root.Key()] = 1
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			if f.i < len(f.deps) {
				d := f.deps[f.i]
				f.i++
				target, ok := ents[d.to]
				if !ok || d.to == f.e.Key() && d.rel == "" {
					continue
				}
				switch estate[d.to] {
				case 0:
					estate[d.to] = 1
					stack = append(stack, &frame{e: target, deps: depsOf(target)})
				case 1: // cycle (including a self-reference)
					if d.rel != "" {
						if cut[f.e.Key()] == nil {
							cut[f.e.Key()] = map[string]bool{}
						}
						cut[f.e.Key()][d.rel] = true
					}
				case 2:
					f.lvl = max(f.lvl, level[d.to]+1)
				}
				continue
			}
			estate[f.e.Key()] = 2
			level[f.e.Key()] = f.lvl
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.lvl = max(parent.lvl, f.lvl+1)
			}
		}
	}
	keys := make([]model.EntityKey, 0, len(ents))
	for k := range ents {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b model.EntityKey) int {
		return cmp.Or(cmp.Compare(bpRankOf(bpRank, a.Blueprint), bpRankOf(bpRank, b.Blueprint)),
			strings.Compare(a.Blueprint, b.Blueprint), strings.Compare(a.Identifier, b.Identifier))
	})
	for _, k := range keys {
		visit(ents[k])
	}

	// Group: by level, then blueprint rank, in reading order inside.
	type groupKey struct {
		level int
		bp    string
	}
	groups := map[groupKey][]*Entity{}
	var order []groupKey
	var partial []*Entity
	for _, e := range s.Entities {
		if ents[e.Key()] != e {
			continue // a duplicate; Check reports it
		}
		k := groupKey{level[e.Key()], e.Blueprint}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
		if cut[e.Key()] != nil {
			partial = append(partial, e)
		}
	}
	slices.SortFunc(order, func(a, b groupKey) int {
		return cmp.Or(cmp.Compare(a.level, b.level), cmp.Compare(bpRankOf(bpRank, a.bp), bpRankOf(bpRank, b.bp)),
			strings.Compare(a.bp, b.bp))
	})
	// Partial copies are written with their level group (before anything that
	// needs them); the complete versions come last.
	partialOf := map[model.EntityKey]*Entity{}
	for _, e := range partial {
		c := *e
		c.Relations = map[string]any{}
		for rel, v := range e.Relations {
			if !cut[e.Key()][rel] {
				c.Relations[rel] = v
			}
		}
		partialOf[e.Key()] = &c
	}
	for _, k := range order {
		var full, part []*Entity
		for _, e := range groups[k] {
			if c, ok := partialOf[e.Key()]; ok {
				part = append(part, c)
			} else {
				full = append(full, e)
			}
		}
		p.Batches = appendBatches(p.Batches, k.bp, part, true, maxBatch)
		p.Batches = appendBatches(p.Batches, k.bp, full, false, maxBatch)
	}
	byBP := map[string][]*Entity{}
	var bpOrder []string
	for _, e := range partial {
		if _, ok := byBP[e.Blueprint]; !ok {
			bpOrder = append(bpOrder, e.Blueprint)
		}
		byBP[e.Blueprint] = append(byBP[e.Blueprint], e)
	}
	for _, bp := range bpOrder {
		p.Batches = appendBatches(p.Batches, bp, byBP[bp], false, maxBatch)
	}
	// Adjacent batches of one blueprint and kind merge while they fit.
	p.Batches = mergeBatches(p.Batches, maxBatch)
	return p
}

type edge struct {
	rel string // "" for an owning team
	to  model.EntityKey
}

func bpRankOf(rank map[string]int, bp string) int {
	if r, ok := rank[bp]; ok {
		return r
	}
	if model.IsSystemBlueprint(bp) {
		return -1 // system blueprints exist before any of ours
	}
	return len(rank)
}

func appendBatches(batches []Batch, bp string, es []*Entity, partial bool, maxBatch int) []Batch {
	for len(es) > 0 {
		n := min(len(es), maxBatch)
		batches = append(batches, Batch{Blueprint: bp, Entities: es[:n:n], Partial: partial})
		es = es[n:]
	}
	return batches
}

func mergeBatches(in []Batch, maxBatch int) []Batch {
	var out []Batch
	for _, b := range in {
		if n := len(out); n > 0 && out[n-1].Blueprint == b.Blueprint && out[n-1].Partial == b.Partial &&
			len(out[n-1].Entities)+len(b.Entities) <= maxBatch {
			// Merging is safe only when nothing in b points at out[n-1]:
			// same-blueprint levels exist precisely because it might. Keep
			// them apart unless b's entities are independent of the batch.
			if !dependsOnBatch(b.Entities, out[n-1].Entities) {
				merged := append(slices.Clip(out[n-1].Entities), b.Entities...)
				out[n-1].Entities = merged
				continue
			}
		}
		out = append(out, b)
	}
	return out
}

func dependsOnBatch(es, prev []*Entity) bool {
	if len(prev) == 0 {
		return false
	}
	ids := make(map[string]bool, len(prev))
	for _, e := range prev {
		ids[e.Identifier] = true
	}
	bp := prev[0].Blueprint
	for _, e := range es {
		if e.Blueprint != bp {
			continue
		}
		for rel := range e.Relations {
			for _, t := range e.RelationTargets(rel) {
				if ids[t] {
					return true
				}
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
