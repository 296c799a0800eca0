package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
)

// ImpactAnalyzer is the catalog's impact analysis; *catalog.Service
// satisfies it. The route is registered only when Options.Catalog has it.
type ImpactAnalyzer interface {
	EntityImpact(ctx context.Context, blueprint, id string, opts catalog.ImpactOptions) (*catalog.Impact, error)
}

type impactInput struct {
	EntityParams
	Direction string `query:"direction" enum:"downstream,upstream" default:"downstream" doc:"downstream: the entities that depend on this one (follow relations pointing at it); upstream: what it depends on (follow its relations). As Port's relatedTo."`
	MaxHops   int    `query:"max_hops" minimum:"1" maximum:"15" default:"3" doc:"How many relations deep to walk."`
}

type impactOutput struct {
	Body struct {
		OK     bool            `json:"ok"`
		Impact *catalog.Impact `json:"impact"`
	}
}

// registerImpact adds GET /v1/blueprints/{blueprint}/entities/{entity}/impact
// (an Atrium extension; issue 3 §7).
func (s *Server) registerImpact() {
	ia, ok := s.opts.Catalog.(ImpactAnalyzer)
	if !ok {
		return
	}
	register(s, huma.Operation{
		OperationID: "entityImpact", Method: http.MethodGet, Path: "/v1/blueprints/{blueprint}/entities/{entity}/impact",
		Summary: "Impact analysis: every entity reachable through relations (Atrium extension)",
		Description: "Walks relations breadth first up to max_hops and lists every entity reached, grouped by " +
			"blueprint (ordered by hops) and by owning team (team \"\" holds entities without one), each with one " +
			"shortest path from this entity: [{blueprint, identifier, relation}], the first step being this entity. " +
			"At most 10,000 entities, the nearest first; truncated says when there were more.",
		Tags:   []string{"Entities"},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *impactInput) (*impactOutput, error) {
		imp, err := ia.EntityImpact(ctx, in.Blueprint, in.Entity, catalog.ImpactOptions{Direction: in.Direction, MaxHops: in.MaxHops})
		if err != nil {
			return nil, err
		}
		out := &impactOutput{}
		out.Body.OK = true
		out.Body.Impact = imp
		return out, nil
	})
}
