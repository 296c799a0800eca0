package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/query"
	"github.com/atrium-idp/atrium/internal/store"
)

// AggregateOptions describe one aggregate (reference/port.md §2.6).
type AggregateOptions struct {
	// Blueprint restricts the aggregate to one blueprint (404 when
	// unknown); "" lets the query choose (see EntityAggregate).
	Blueprint string
	// Query is the rule tree {combinator, rules}; nil matches everything.
	Query json.RawMessage
	// Func is count, countValues, sum, average, min, max or median.
	Func string
	// Property is what countValues groups by (a stored property or
	// $identifier, $title, $icon, $blueprint, $team, $createdBy,
	// $updatedBy) or the number property sum … median fold.
	Property string
	// Relation groups countValues by a relation's targets instead.
	Relation string
	// AverageOf is, for average without a property, the time unit entities
	// are averaged per: hour, day, week, month (30 days) or total (the
	// default: the count itself).
	AverageOf string
	// MeasureTimeBy is when an entity counts for that average: $createdAt
	// (the default) or $updatedAt.
	MeasureTimeBy string
	// Caller resolves {"context": …} values; nil means the principal of
	// the ctx actor (model.ActorFrom), and refuses them for a trusted
	// caller.
	Caller *query.Caller
}

// averageUnits are AverageOf's time units.
var averageUnits = map[string]time.Duration{
	"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "month": 30 * 24 * time.Hour,
}

// AggregateResult is an aggregate's answer. Count is set for count; Value
// for sum … median (nil when no entity has a number there, except sum,
// which is then 0); Values for countValues, most frequent first.
type AggregateResult struct {
	Count  int64
	Value  *float64
	Values []store.ValueCount
}

// aggregateMeta are the meta-properties countValues groups by.
var aggregateMeta = []string{"$identifier", "$title", "$icon", "$blueprint", "$team", "$createdBy", "$updatedBy"}

// EntityAggregate counts or aggregates the entities matching a query.
//
// Like Port, a query spans every blueprint unless it narrows itself: when
// its top-level "and" has a $blueprint rule with "=" or "in" (at the top or
// in a nested "and"), only those blueprints are in scope, so its properties
// are checked against them; otherwise against every blueprint (a property
// must exist on at least one). An unknown field, operator or property gets
// a 422 naming it: query.rules[i]… for the query, "property" or "relation"
// for the aggregated field.
func (s *Service) EntityAggregate(ctx context.Context, opts AggregateOptions) (*AggregateResult, error) {
	p := &store.EntityAggregateParams{Blueprint: opts.Blueprint, Func: opts.Func, Field: opts.Property}
	entityAverage := opts.Func == store.AggregateAverage && opts.Property == ""
	if entityAverage {
		p.Func = store.AggregateCount
	}
	invalid := func(field, reason string) error {
		return &model.ValidationError{Fields: []model.FieldError{{Field: field, Reason: reason}}}
	}
	switch {
	case opts.AverageOf != "" && opts.AverageOf != "total" && averageUnits[opts.AverageOf] == 0:
		return nil, invalid("averageOf", "want hour, day, week, month or total")
	case opts.MeasureTimeBy != "" && opts.MeasureTimeBy != "$createdAt" && opts.MeasureTimeBy != "$updatedAt":
		return nil, invalid("measureTimeBy", "want $createdAt or $updatedAt")
	}
	switch p.Func {
	case store.AggregateCount:
	case store.AggregateCountValues:
		switch {
		case opts.Relation != "" && opts.Property != "":
			return nil, invalid("relation", "give property or relation, not both")
		case opts.Relation != "":
			p.Field, p.Relation = opts.Relation, true
		case opts.Property == "":
			return nil, invalid("property", "countValues needs a property or a relation")
		}
	case store.AggregateSum, store.AggregateAverage, store.AggregateMin, store.AggregateMax, store.AggregateMedian:
		if opts.Property == "" {
			return nil, invalid("property", opts.Func+" needs a number property")
		}
	default:
		return nil, invalid("func", fmt.Sprintf("unknown function %q (count, countValues, sum, average, min, max or median)", opts.Func))
	}
	bps, err := blueprintMap(ctx, s.opts.Store)
	if err != nil {
		return nil, err
	}
	schema := query.Schema{}
	for _, bp := range bps {
		schema.Blueprints = append(schema.Blueprints, bp)
	}
	slices.SortFunc(schema.Blueprints, func(a, b *model.Blueprint) int { return strings.Compare(a.Identifier, b.Identifier) })
	if opts.Blueprint != "" {
		if bps[opts.Blueprint] == nil {
			return nil, model.NotFoundf("blueprint %q not found", opts.Blueprint)
		}
		schema.Scope = []string{opts.Blueprint}
	}
	var q *query.Query
	if len(opts.Query) > 0 && string(opts.Query) != "null" {
		if q, err = query.ParseAt(opts.Query, "query"); err != nil {
			return nil, err
		}
		if opts.Blueprint == "" {
			schema.Scope = blueprintScope(q.Root)
			if len(schema.Scope) == 1 {
				// The query pins one blueprint: saying so lets the store
				// answer a facet from that blueprint's facet index.
				p.Blueprint = schema.Scope[0]
			}
		}
		if err := query.Check(q, schema); err != nil {
			return nil, err
		}
	}
	if err := checkAggregateField(schema, opts, p); err != nil {
		return nil, err
	}
	// The caller's read condition joins the query: counts, facets and folds
	// only see readable entities.
	bound, err := s.bindReadable(ctx, q, schema, bps, opts.Caller, opts.Query)
	if err != nil {
		return nil, err
	}
	if bound != nil {
		c, err := s.compileRead(ctx, bound)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		p.Where, p.WhereArgs = c.Where, c.Args
	}
	r, err := s.opts.Store.EntityAggregate(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("aggregate entities: %w", err)
	}
	if entityAverage {
		return s.entityAverage(ctx, p, r.Count, opts)
	}
	return &AggregateResult{Count: r.Count, Value: r.Value, Values: r.Values}, nil
}

// entityAverage is Port's average of entities: the matching entities per
// AverageOf unit, from the earliest MeasureTimeBy among them until now; a
// partial unit counts as a whole one, so the divisor is at least 1.
func (s *Service) entityAverage(ctx context.Context, p *store.EntityAggregateParams, n int64, opts AggregateOptions) (*AggregateResult, error) {
	out := &AggregateResult{Count: n}
	v := float64(n)
	unit := averageUnits[opts.AverageOf]
	if n == 0 || unit == 0 {
		out.Value = &v
		return out, nil
	}
	by := opts.MeasureTimeBy
	if by == "" {
		by = "$createdAt"
	}
	first, err := s.opts.Store.EntitySearch(ctx, &store.EntitySearchParams{
		Blueprint: p.Blueprint, Where: p.Where, WhereArgs: p.WhereArgs, Sort: []store.SortField{{Field: by}}, Limit: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("aggregate entities: %w", err)
	}
	if len(first) == 1 {
		since := first[0].CreatedAt
		if by == "$updatedAt" {
			since = first[0].UpdatedAt
		}
		if d := s.opts.Clock.Now().Sub(since); d > 0 {
			v /= float64(d/unit + 1)
		}
	}
	out.Value = &v
	return out, nil
}

// EntityCountQuery counts a blueprint's entities matching a query (nil
// counts them all), as GET /v1/blueprints/{bp}/entities-count?query=.
func (s *Service) EntityCountQuery(ctx context.Context, blueprint string, q json.RawMessage) (int64, error) {
	if blueprint == "" {
		return 0, model.NotFoundf("blueprint %q not found", blueprint)
	}
	r, err := s.EntityAggregate(ctx, AggregateOptions{Blueprint: blueprint, Query: q, Func: store.AggregateCount})
	if err != nil {
		return 0, err
	}
	return r.Count, nil
}

// blueprintScope returns the blueprints an "and" tree pins with $blueprint
// "=" or "in" rules (intersected when several), or nil.
func blueprintScope(g *query.Group) []string {
	if g == nil || g.Or {
		return nil
	}
	var scope []string
	pinned := false
	narrow := func(ids []string) {
		if !pinned {
			scope, pinned = ids, true
			return
		}
		scope = slices.DeleteFunc(scope, func(id string) bool { return !slices.Contains(ids, id) })
	}
	for _, n := range g.Rules {
		switch n := n.(type) {
		case *query.Group:
			if ids := blueprintScope(n); ids != nil {
				narrow(ids)
			}
		case *query.Rule:
			if n.Field.Kind != query.FieldMeta || n.Field.Name != "$blueprint" || n.Context != nil {
				continue
			}
			var ids []string
			switch v := n.Value.(type) {
			case string:
				if n.Op == "=" {
					ids = []string{v}
				}
			case []any:
				if n.Op == "in" || n.Op == "=" {
					for _, x := range v {
						if s, ok := x.(string); ok {
							ids = append(ids, s)
						}
					}
				}
			}
			if ids != nil {
				narrow(ids)
			}
		}
	}
	if pinned && scope == nil {
		// Contradictory pins match nothing; keep a scope that names no
		// blueprint's properties rather than all of them.
		scope = []string{}
	}
	return scope
}

// checkAggregateField checks the aggregated property or relation against
// the blueprints in scope.
func checkAggregateField(schema query.Schema, opts AggregateOptions, p *store.EntityAggregateParams) error {
	if p.Func == store.AggregateCount {
		return nil
	}
	var scope []*model.Blueprint
	for _, b := range schema.Blueprints {
		if schema.Scope == nil || slices.Contains(schema.Scope, b.Identifier) {
			scope = append(scope, b)
		}
	}
	fail := func(field, reason string) error {
		return &model.ValidationError{Fields: []model.FieldError{{Field: field, Reason: reason}}}
	}
	if p.Relation {
		for _, b := range scope {
			if _, ok := b.Relations[p.Field]; ok {
				return nil
			}
		}
		return fail("relation", fmt.Sprintf("unknown relation %q", p.Field))
	}
	if strings.HasPrefix(p.Field, "$") {
		if p.Func == store.AggregateCountValues && slices.Contains(aggregateMeta, p.Field) {
			return nil
		}
		if p.Func == store.AggregateCountValues {
			return fail("property", fmt.Sprintf("cannot count values of %q", p.Field))
		}
		return fail("property", fmt.Sprintf("%s needs a number property, not %q", p.Func, p.Field))
	}
	found := false
	for _, b := range scope {
		prop, ok := b.Schema.Properties[p.Field]
		if !ok {
			continue
		}
		found = true
		if p.Func == store.AggregateCountValues {
			return nil
		}
		if prop.Type == "number" || prop.Type == "array" && prop.Items != nil && prop.Items.Type == "number" {
			return nil
		}
	}
	if found {
		return fail("property", fmt.Sprintf("%s needs a number property; %q is not one", p.Func, p.Field))
	}
	return fail("property", fmt.Sprintf("unknown property %q", p.Field))
}
