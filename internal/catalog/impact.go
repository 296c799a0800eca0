package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Impact directions, named as Port's relatedTo names them
// (reference/port.md §2.5).
const (
	// ImpactDownstream follows relations backwards: the entities that depend
	// on the start, directly or through others — what breaks if it breaks.
	ImpactDownstream = "downstream"
	// ImpactUpstream follows relations forwards: what the start depends on.
	ImpactUpstream = "upstream"
)

// Impact walk bounds. The default matches DESIGN §9's "relatedTo 3 hops"
// budget; the maximum matches Port's maxHops.
const (
	DefaultImpactHops = 3
	MaxImpactHops     = 15
	// MaxImpactEntities caps one answer; beyond it Truncated is set.
	MaxImpactEntities = 10_000
)

// ImpactOptions shape an impact analysis.
type ImpactOptions struct {
	// Direction is ImpactDownstream (the default when empty) or
	// ImpactUpstream.
	Direction string
	// MaxHops is 1..MaxImpactHops; 0 means DefaultImpactHops.
	MaxHops int
}

// PathStep is one entity on a path; Relation names the relation linking it
// to the previous step ("" on the first step, the start entity). The edge
// runs from the later step to the earlier one downstream, and from the
// earlier to the later upstream.
type PathStep struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
	Relation   string `json:"relation,omitempty"`
}

// ImpactEntity is one reached entity with one shortest path from the start.
type ImpactEntity struct {
	Blueprint  string     `json:"blueprint"`
	Identifier string     `json:"identifier"`
	Title      string     `json:"title"`
	Team       []string   `json:"team"`
	Hops       int        `json:"hops"`
	Path       []PathStep `json:"path"`
}

// ImpactBlueprint groups the reached entities of one blueprint.
type ImpactBlueprint struct {
	Blueprint string         `json:"blueprint"`
	Count     int            `json:"count"`
	Entities  []ImpactEntity `json:"entities"`
}

// ImpactTeam lists the reached entities one team owns; Team "" holds the
// entities without a team. An entity of several teams is in each.
type ImpactTeam struct {
	Team     string      `json:"team"`
	Count    int         `json:"count"`
	Entities []EntityRef `json:"entities"`
}

// EntityRef names an entity in an answer.
type EntityRef struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
}

// Impact is everything reachable from one entity within MaxHops.
type Impact struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
	Direction  string `json:"direction"`
	MaxHops    int    `json:"maxHops"`
	// Total counts the reached entities (the start excluded).
	Total int `json:"total"`
	// Truncated is set when more than MaxImpactEntities were reachable;
	// the nearest ones are listed.
	Truncated bool `json:"truncated"`
	// Blueprints are ordered by blueprint identifier, their entities by
	// hops, then identifier.
	Blueprints []ImpactBlueprint `json:"blueprints"`
	// Teams are ordered by team, "" last.
	Teams []ImpactTeam `json:"teams"`
}

// EntityImpact walks relations from blueprint/id and reports every entity
// reached, grouped by blueprint and by owning team, each with one shortest
// path. The start entity must exist and be readable; reached entities the
// caller cannot read are left out.
func (s *Service) EntityImpact(ctx context.Context, blueprint, id string, opts ImpactOptions) (*Impact, error) {
	verr := &model.ValidationError{Subject: "impact analysis"}
	dir := opts.Direction
	if dir == "" {
		dir = ImpactDownstream
	}
	if dir != ImpactDownstream && dir != ImpactUpstream {
		verr.Add("direction", "must be %q or %q", ImpactDownstream, ImpactUpstream)
	}
	hops := opts.MaxHops
	if hops == 0 {
		hops = DefaultImpactHops
	}
	if hops < 1 || hops > MaxImpactHops {
		verr.Add("max_hops", "must be between 1 and %d", MaxImpactHops)
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	if _, err := s.EntityGet(ctx, blueprint, id); err != nil {
		return nil, err
	}
	start := model.EntityKey{Blueprint: blueprint, Identifier: id}
	res, err := s.opts.Store.EdgeTraverse(ctx, &store.EdgeTraverseParams{
		Start: start, Incoming: dir == ImpactDownstream, MaxHops: hops, MaxNodes: MaxImpactEntities, Summaries: true,
	})
	if err != nil {
		return nil, fmt.Errorf("impact of %s/%s: %w", blueprint, id, err)
	}
	keys := make([]model.EntityKey, len(res.Nodes))
	parent := make(map[model.EntityKey]store.TraverseNode, len(res.Nodes))
	// Only names and teams are reported, and the walk read them.
	es := make([]*model.Entity, 0, len(res.Nodes))
	for i, n := range res.Nodes {
		keys[i] = n.Key
		parent[n.Key] = n
		if n.Summary != nil {
			es = append(es, n.Summary)
		}
	}
	// Entities the caller cannot read are left out (counts and groups
	// included); a path may still name one as a step, as relations do.
	vis, err := s.newReadAccess(ctx, s.opts.Store, nil).visible(ctx, keys)
	if err != nil {
		return nil, err
	}
	found := make(map[model.EntityKey]*model.Entity, len(es))
	for _, e := range es {
		if vis[e.Key()] {
			found[e.Key()] = e
		}
	}

	out := &Impact{Blueprint: blueprint, Identifier: id, Direction: dir, MaxHops: hops, Truncated: res.Truncated,
		Blueprints: []ImpactBlueprint{}, Teams: []ImpactTeam{}}
	byBP := map[string]*ImpactBlueprint{}
	byTeam := map[string]*ImpactTeam{}
	for _, n := range res.Nodes {
		e := found[n.Key]
		if e == nil { // deleted between the walk and the read, or unreadable
			continue
		}
		ie := ImpactEntity{Blueprint: e.Blueprint, Identifier: e.Identifier, Title: e.Title,
			Team: slices.Clone(e.Team), Hops: n.Hops, Path: pathTo(start, n.Key, parent)}
		if ie.Team == nil {
			ie.Team = []string{}
		}
		g := byBP[e.Blueprint]
		if g == nil {
			g = &ImpactBlueprint{Blueprint: e.Blueprint}
			byBP[e.Blueprint] = g
		}
		g.Entities = append(g.Entities, ie)
		teams := e.Team
		if len(teams) == 0 {
			teams = []string{""}
		}
		for _, tm := range teams {
			t := byTeam[tm]
			if t == nil {
				t = &ImpactTeam{Team: tm}
				byTeam[tm] = t
			}
			t.Entities = append(t.Entities, EntityRef{Blueprint: e.Blueprint, Identifier: e.Identifier})
		}
		out.Total++
	}
	for _, g := range byBP {
		g.Count = len(g.Entities)
		slices.SortFunc(g.Entities, func(a, b ImpactEntity) int {
			return cmp.Or(cmp.Compare(a.Hops, b.Hops), strings.Compare(a.Identifier, b.Identifier))
		})
		out.Blueprints = append(out.Blueprints, *g)
	}
	slices.SortFunc(out.Blueprints, func(a, b ImpactBlueprint) int { return strings.Compare(a.Blueprint, b.Blueprint) })
	for _, t := range byTeam {
		t.Count = len(t.Entities)
		out.Teams = append(out.Teams, *t)
	}
	slices.SortFunc(out.Teams, func(a, b ImpactTeam) int {
		if (a.Team == "") != (b.Team == "") {
			if a.Team == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Team, b.Team)
	})
	return out, nil
}

// pathTo follows parents from k back to start and returns the steps from
// start to k.
func pathTo(start, k model.EntityKey, parent map[model.EntityKey]store.TraverseNode) []PathStep {
	var rev []PathStep
	for k != start {
		n, ok := parent[k]
		if !ok { // cannot happen: every node's parent was reached before it
			break
		}
		rev = append(rev, PathStep{Blueprint: k.Blueprint, Identifier: k.Identifier, Relation: n.Relation})
		k = n.Parent
	}
	rev = append(rev, PathStep{Blueprint: start.Blueprint, Identifier: start.Identifier})
	slices.Reverse(rev)
	return rev
}
