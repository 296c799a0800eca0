package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Aggregator is the catalog's aggregate API; *catalog.Service satisfies it.
// The routes are registered only when Options.Catalog has it.
type Aggregator interface {
	EntityAggregate(ctx context.Context, opts catalog.AggregateOptions) (*catalog.AggregateResult, error)
	EntityCountQuery(ctx context.Context, blueprint string, q json.RawMessage) (int64, error)
}

type aggregateInput struct {
	Body struct {
		Func          string          `json:"func" enum:"count,countValues,sum,average,min,max,median" doc:"count: matching entities; countValues: entities per value of property (or relation); sum, average, min, max, median: over the number property."`
		Query         json.RawMessage `json:"query,omitempty" doc:"Rule tree {combinator, rules}; absent matches every entity. A $blueprint \"=\" or \"in\" rule at the top narrows which blueprints its properties are checked against."`
		Property      string          `json:"property,omitempty" doc:"The property aggregated: a stored property, or for countValues also $identifier, $title, $icon, $blueprint, $team, $createdBy, $updatedBy."`
		Relation      string          `json:"relation,omitempty" doc:"countValues only: group by this relation's targets."`
		AverageOf     string          `json:"averageOf,omitempty" enum:"hour,day,week,month,total" doc:"average without property: the matching entities per this unit (month: 30 days) since the earliest of them; total (the default) is the count."`
		MeasureTimeBy string          `json:"measureTimeBy,omitempty" enum:"$createdAt,$updatedAt" doc:"average without property: which time places an entity; default $createdAt."`
	}
}

type aggregateOutput struct {
	Body struct {
		OK bool `json:"ok"`
		// Result is a number (count, sum …), null (average, min, max,
		// median of nothing) or, for countValues, an object value → count.
		Result any `json:"result" doc:"count and sum: a number; average, min, max, median: a number, or null when no entity has one; countValues: {\"<value>\": count} (numbers and booleans as their JSON text)."`
		// Values lists countValues' buckets with their JSON types, most
		// frequent first.
		Values []valueCount `json:"values,omitempty" doc:"countValues only: [{value, count}], most frequent first, values keeping their JSON type."`
	}
}

type valueCount struct {
	Value any   `json:"value"`
	Count int64 `json:"count"`
}

type countQueryInput struct {
	BlueprintParam
	Query string `query:"query" doc:"URL-encoded JSON rule tree {combinator, rules}; absent counts every entity."`
}

type countQueryBodyInput struct {
	BlueprintParam
	Body struct {
		Query json.RawMessage `json:"query,omitempty" doc:"Rule tree {combinator, rules}; absent counts every entity."`
	}
}

// registerAggregate adds POST /v1/entities/aggregate (reference/port.md
// §2.6) and POST /v1/blueprints/{blueprint}/entities-count; GET
// entities-count (entity.go) takes ?query= through the same Aggregator.
func (s *Server) registerAggregate() {
	ag, ok := s.opts.Catalog.(Aggregator)
	if !ok {
		return
	}
	tags := []string{"Entities"}
	register(s, huma.Operation{
		OperationID: "aggregateEntities", Method: http.MethodPost, Path: "/v1/entities/aggregate",
		Summary: "Count or aggregate the entities matching a query", Tags: tags,
		Description: "Port's shapes: {func: count, query}; {func: sum|average|min|max|median, property, query}; " +
			"{func: countValues, property|relation, query}. 422 names the rule, property or relation at fault.",
		Errors: []int{http.StatusBadRequest, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *aggregateInput) (*aggregateOutput, error) {
		b := in.Body
		r, err := ag.EntityAggregate(ctx, catalog.AggregateOptions{
			Query: b.Query, Func: b.Func, Property: b.Property, Relation: b.Relation,
			AverageOf: b.AverageOf, MeasureTimeBy: b.MeasureTimeBy,
		})
		if err != nil {
			return nil, err
		}
		out := &aggregateOutput{}
		out.Body.OK = true
		switch b.Func {
		case store.AggregateCount:
			out.Body.Result = r.Count
		case store.AggregateCountValues:
			m := map[string]int64{}
			out.Body.Values = []valueCount{}
			for _, v := range r.Values {
				m[valueKey(v.Value)] += v.Count
				out.Body.Values = append(out.Body.Values, valueCount{Value: v.Value, Count: v.Count})
			}
			out.Body.Result = m
		default:
			if r.Value != nil {
				out.Body.Result = *r.Value
			}
		}
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "countEntitiesQuery", Method: http.MethodPost, Path: "/v1/blueprints/{blueprint}/entities-count",
		Summary: "Count a blueprint's entities matching a query (Atrium extension; GET takes ?query=)", Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *countQueryBodyInput) (*entityCountOutput, error) {
		n, err := ag.EntityCountQuery(ctx, in.Blueprint, in.Body.Query)
		if err != nil {
			return nil, err
		}
		out := &entityCountOutput{}
		out.Body.OK = true
		out.Body.Count = n
		return out, nil
	})
}

// countWithQuery answers GET entities-count?query=.
func (s *Server) countWithQuery(ctx context.Context, blueprint, q string) (int64, error) {
	ag, ok := s.opts.Catalog.(Aggregator)
	if !ok {
		return 0, model.Invalidf("query: counting with a query is not available")
	}
	if !json.Valid([]byte(q)) {
		return 0, &model.ValidationError{Fields: []model.FieldError{{Field: "query", Reason: "is not valid JSON"}}}
	}
	return ag.EntityCountQuery(ctx, blueprint, json.RawMessage(q))
}

// valueKey is a countValues value as an object key: strings as they are,
// numbers and booleans as their JSON text (so "1" and 1 share a key).
func valueKey(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
