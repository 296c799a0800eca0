package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
)

// SearchCatalog is the query part of the catalog service the API calls;
// *catalog.Service satisfies it.
type SearchCatalog interface {
	EntitySearch(ctx context.Context, opts catalog.SearchOptions) (*catalog.SearchPage, error)
}

type blueprintSearchInput struct {
	Blueprint string `path:"blueprint"`
	AsOf      string `query:"as_of" doc:"RFC 3339 instant: search the catalog as it was then (relations and computed values included); not combinable with sort."`
	Body      struct {
		Query   json.RawMessage `json:"query,omitempty" doc:"Rule tree {combinator, rules} (reference: Port's entitiesQuery); absent matches every entity."`
		Include []string        `json:"include,omitempty" doc:"Fields to return, e.g. identifier, $title, properties.language."`
		Exclude []string        `json:"exclude,omitempty" doc:"Fields to leave out."`
		Limit   int             `json:"limit,omitempty" minimum:"1" maximum:"1000" doc:"Page size, default 200."`
		From    string          `json:"from,omitempty" doc:"The next cursor of the previous page."`
		Sort    []searchSort    `json:"sort,omitempty" doc:"Sort keys (Atrium extension), before the identifier tie-break."`
	}
}

type searchSort struct {
	Property string `json:"property" doc:"A meta-property ($identifier, $title, $createdAt, $updatedAt) or a string or number property; other values sort last."`
	Order    string `json:"order,omitempty" enum:"asc,desc" doc:"Default asc."`
}

type blueprintSearchOutput struct {
	Body struct {
		OK       bool             `json:"ok"`
		Entities []map[string]any `json:"entities"`
		Next     string           `json:"next,omitempty" doc:"Cursor of the next page; absent on the last page."`
	}
}

type entitiesSearchInput struct {
	AsOf    string   `query:"as_of" doc:"RFC 3339 instant: search the catalog as it was then."`
	Include []string `query:"include" doc:"Fields to return."`
	Exclude []string `query:"exclude" doc:"Fields to leave out."`
	Body    json.RawMessage
}

type entitiesSearchOutput struct {
	Body struct {
		OK                 bool             `json:"ok"`
		MatchingBlueprints []string         `json:"matchingBlueprints"`
		Entities           []map[string]any `json:"entities"`
	}
}

// registerSearch adds the rule-tree search routes (reference/port.md §2.5).
func (s *Server) registerSearch() {
	tags := []string{"Entities"}
	cat := s.opts.Catalog
	register(s, huma.Operation{
		OperationID: "searchBlueprintEntities", Method: http.MethodPost, Path: "/v1/blueprints/{blueprint}/entities/search",
		Summary: "Search a blueprint's entities with a rule-tree query, one page at a time", Tags: tags,
		Description: "Pages are ordered by the sort keys, then blueprint and identifier. Without sort the cursor never " +
			"repeats or skips an entity under concurrent writes; with sort, an entity whose sort value changes while " +
			"paging may move across the cursor. 422 names the rule of an unknown property, operator or a value of " +
			"the wrong type.",
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *blueprintSearchInput) (*blueprintSearchOutput, error) {
		opts := catalog.SearchOptions{
			Blueprint: in.Blueprint, Query: in.Body.Query, Limit: in.Body.Limit, Paginate: true, Cursor: in.Body.From,
		}
		for _, so := range in.Body.Sort {
			opts.Sort = append(opts.Sort, catalog.SearchSort{Property: so.Property, Desc: so.Order == "desc"})
		}
		if err := setAsOf(&opts, in.AsOf); err != nil {
			return nil, err
		}
		page, err := cat.EntitySearch(ctx, opts)
		if err != nil {
			return nil, err
		}
		out := &blueprintSearchOutput{}
		out.Body.OK = true
		out.Body.Next = page.Next
		if out.Body.Entities, err = project(page.Entities, in.Body.Include, in.Body.Exclude); err != nil {
			return nil, err
		}
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "searchEntities", Method: http.MethodPost, Path: "/v1/entities/search",
		Summary: "Search entities of every blueprint with a rule-tree query", Tags: tags,
		Description: "The body is a bare rule tree (add a $blueprint rule to narrow it). Not paginated: 413 when " +
			"more than 10,000 entities match.",
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *entitiesSearchInput) (*entitiesSearchOutput, error) {
		opts := catalog.SearchOptions{Query: in.Body, QueryPath: "body"}
		if err := setAsOf(&opts, in.AsOf); err != nil {
			return nil, err
		}
		page, err := cat.EntitySearch(ctx, opts)
		if err != nil {
			return nil, err
		}
		out := &entitiesSearchOutput{}
		out.Body.OK = true
		out.Body.MatchingBlueprints = page.MatchingBlueprints
		if out.Body.Entities, err = project(page.Entities, in.Include, in.Exclude); err != nil {
			return nil, err
		}
		return out, nil
	})
}

// project renders entities keeping only include (when given) and dropping
// exclude. Paths are top-level fields ("identifier", "$identifier",
// "properties") or one level down ("properties.language", "relations.domain").
func project(es []*model.Entity, include, exclude []string) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(es))
	for _, e := range es {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		if len(include) > 0 {
			kept := map[string]any{}
			for _, p := range include {
				top, sub, nested := strings.Cut(strings.TrimPrefix(p, "$"), ".")
				v, ok := m[top]
				if !ok {
					continue
				}
				if !nested {
					kept[top] = v
					continue
				}
				src, _ := v.(map[string]any)
				dst, _ := kept[top].(map[string]any)
				if dst == nil {
					dst = map[string]any{}
					kept[top] = dst
				}
				if x, ok := src[sub]; ok {
					dst[sub] = x
				}
			}
			m = kept
		}
		for _, p := range exclude {
			top, sub, nested := strings.Cut(strings.TrimPrefix(p, "$"), ".")
			if !nested {
				delete(m, top)
			} else if sm, ok := m[top].(map[string]any); ok {
				delete(sm, sub)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// setAsOf sets opts.AsOf from the as_of query parameter, when given.
func setAsOf(opts *catalog.SearchOptions, asOf string) error {
	if asOf == "" {
		return nil
	}
	at, err := parseInstant("as_of", asOf)
	if err != nil {
		return err
	}
	opts.AsOf = &at
	return nil
}
